package simulator

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

var scanIDPattern = regexp.MustCompile(`^scan_[0-9a-f]{24}$`)

func TestScanLifecycleFollowsTheClock(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			sim, fake := newTestServer(t, Config{Profile: profile, ScanDuration: 10 * time.Minute, Score: ptr(87.5)})
			resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type": "compliance"}`})
			expectStatus(t, resp, http.StatusCreated, "")
			scan := decode[api.Scan](t, resp)
			if !scanIDPattern.MatchString(scan.ID) {
				t.Errorf("id = %q, want scan_ and 24 hex digits", scan.ID)
			}
			wantLocation := map[string]string{ProfilePublished: "", ProfileAssumed: "/scans/" + scan.ID}[profile]
			if got := resp.Header.Get("Location"); got != wantLocation {
				t.Errorf("Location = %q, want %q", got, wantLocation)
			}
			if scan.TenantID != DemoTenant || scan.ScanType != api.ScanTypeCompliance || scan.Status != api.ScanStatusInProgress ||
				!scan.StartedAt.Equal(testStart) {
				t.Errorf("new scan = %+v", scan)
			}
			if scan.CompletedAt != nil || scan.Score != nil || scan.PassCount != nil || scan.FailCount != nil || scan.SkipCount != nil {
				t.Errorf("an unfinished scan has completed_at, score and counts null: %s", resp.Body)
			}
			for _, step := range []struct {
				advance        time.Duration
				wantStatus     api.ScanStatus
				wantRetryAfter string
			}{
				{0, api.ScanStatusInProgress, "600"},
				{time.Minute, api.ScanStatusInProgress, "540"},
				{8*time.Minute + 59*time.Second + 500*time.Millisecond, api.ScanStatusInProgress, "1"},
				{400 * time.Millisecond, api.ScanStatusInProgress, "1"}, // 0.1 s left still says 1, never 0
				{100 * time.Millisecond, api.ScanStatusCompleted, ""},
			} {
				fake.Advance(step.advance)
				resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID, key: DemoAPIKey})
				expectStatus(t, resp, http.StatusOK, "")
				if profile == ProfilePublished {
					step.wantRetryAfter = "" // no polling hint is published
				}
				if got := decode[api.Scan](t, resp); got.Status != step.wantStatus || resp.Header.Get("Retry-After") != step.wantRetryAfter {
					t.Fatalf("at %s: status %s Retry-After %q, want %s %q", fake.Now().Format(time.TimeOnly),
						got.Status, resp.Header.Get("Retry-After"), step.wantStatus, step.wantRetryAfter)
				}
			}
			done := getScan(t, sim, DemoAPIKey, scan.ID)
			if done.CompletedAt == nil || !done.CompletedAt.Equal(testStart.Add(10*time.Minute)) || !done.StartedAt.Equal(testStart) {
				t.Errorf("completed scan times: %+v", done)
			}
			if done.Score == nil || *done.Score != 87.5 || *done.PassCount+*done.FailCount+*done.SkipCount != DefaultResultsPerScan {
				t.Errorf("completed scan score/counts: %s", jsonOf(t, done))
			}
		})
	}
}

func TestZeroDurationScanIsCompletedInThePOSTResponse(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	if scan.Status != api.ScanStatusCompleted || scan.Score == nil || scan.PassCount == nil {
		t.Fatalf("scan = %+v, want completed with score and counts", scan)
	}
	if !scan.CompletedAt.Equal(scan.StartedAt) {
		t.Errorf("instant scan times differ: %+v", scan)
	}
}

// Failed and cancelled scans end with completed_at, and null score and
// counts; they have no results (divergence 23: cancelled is a final status).
func TestFailedAndCancelledScansHaveNoScoreOrResults(t *testing.T) {
	for _, outcome := range []string{OutcomeFailed, OutcomeCancelled} {
		t.Run(outcome, func(t *testing.T) {
			sim, fake := newTestServer(t, Config{ScanOutcome: outcome, ScanDuration: time.Minute})
			scan := createScan(t, sim, DemoAPIKey, "compliance")
			fake.Advance(30 * time.Second)
			if got := getScan(t, sim, DemoAPIKey, scan.ID); got.Status != api.ScanStatusInProgress {
				t.Fatalf("status before the end = %s, want in_progress", got.Status)
			}
			fake.Advance(30 * time.Second)
			got := getScan(t, sim, DemoAPIKey, scan.ID)
			if string(got.Status) != outcome || got.Score != nil || got.PassCount != nil || got.CompletedAt == nil {
				t.Fatalf("scan = %s, want %s with completed_at and null score and counts", jsonOf(t, got), outcome)
			}
			for _, path := range []string{"/results", "/results/CIS.M365.1.1.1"} {
				resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + path, key: DemoAPIKey})
				expectStatus(t, resp, http.StatusConflict, api.ErrorCodeScanNotCompleted)
				if !strings.Contains(resp.Env.Error.Message, "ended "+outcome) {
					t.Errorf("message %q", resp.Env.Error.Message)
				}
			}
			// The knob affects only scans created afterwards.
			sim.SetScanOutcome(OutcomeCompleted)
			sim.SetScanDuration(0)
			if next := createScan(t, sim, DemoAPIKey, "compliance"); next.Status != api.ScanStatusCompleted {
				t.Errorf("after SetScanOutcome(completed): %s", next.Status)
			}
			if again := getScan(t, sim, DemoAPIKey, scan.ID); string(again.Status) != outcome {
				t.Errorf("the earlier scan changed to %s", again.Status)
			}
		})
	}
}

// A scan that would run longer than 30 minutes fails at 30 minutes, as the
// published server timeout does (divergence 26).
func TestScansPastTheTimeoutFailAtThirtyMinutes(t *testing.T) {
	sim, fake := newTestServer(t, Config{ScanDuration: 45 * time.Minute})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	fake.Advance(ScanTimeout - time.Second)
	if got := getScan(t, sim, DemoAPIKey, scan.ID); got.Status != api.ScanStatusInProgress {
		t.Fatalf("at 29:59 the scan is %s", got.Status)
	}
	fake.Advance(time.Second)
	got := getScan(t, sim, DemoAPIKey, scan.ID)
	if got.Status != api.ScanStatusFailed || !got.CompletedAt.Equal(testStart.Add(ScanTimeout)) || got.Score != nil {
		t.Errorf("at 30:00 the scan is %s", jsonOf(t, got))
	}
	// Exactly 30 minutes still completes.
	sim.SetScanDuration(ScanTimeout)
	second := createScan(t, sim, DemoAPIKey, "compliance")
	fake.Advance(ScanTimeout)
	if got := getScan(t, sim, DemoAPIKey, second.ID); got.Status != api.ScanStatusCompleted {
		t.Errorf("a 30-minute scan ends %s", got.Status)
	}
}

func TestResultsOfUnfinishedScanAreConflict(t *testing.T) {
	sim, fake := newTestServer(t, Config{ScanDuration: time.Minute})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	for _, advance := range []time.Duration{0, 10 * time.Second} {
		fake.Advance(advance)
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results", key: DemoAPIKey})
		expectStatus(t, resp, http.StatusConflict, api.ErrorCodeScanNotCompleted)
	}
	fake.Advance(time.Minute)
	expectStatus(t, call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results", key: DemoAPIKey}), http.StatusOK, "")
}

// Scan types are compliance and exposure only (divergence 6); messages say
// in plain words which field is wrong and what is allowed.
func TestCreateScanValidatesTheBody(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	for _, scanType := range []string{"compliance", "exposure"} {
		if scan := createScan(t, sim, DemoAPIKey, scanType); string(scan.ScanType) != scanType {
			t.Errorf("scan_type %s came back as %s", scanType, scan.ScanType)
		}
	}
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey,
		body: `{"scan_type":"exposure","comment":"unknown fields are ignored"}`})
	expectStatus(t, resp, http.StatusCreated, "")
	// A body without Content-Type is read as JSON.
	resp = call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type":"compliance"}`,
		headers: map[string]string{"Content-Type": ""}})
	expectStatus(t, resp, http.StatusCreated, "")

	for _, tc := range []struct {
		body, contentType string
		message           string
		field             string
	}{
		{``, "", "the request body is required: a JSON object with scan_type", ""},
		{`null`, "", "the request body must be a JSON object with scan_type", ""},
		{`[]`, "", "the request body must be a JSON object with scan_type", ""},
		{`"compliance"`, "", "the request body must be a JSON object with scan_type", ""},
		{`{}`, "", "scan_type is required", "scan_type"},
		{`{"scan_type":5}`, "", "scan_type must be one of compliance, exposure, got 5", "scan_type"},
		{`{"scan_type":null}`, "", "scan_type must be one of compliance, exposure, got null", "scan_type"},
		{`{"scan_type":"compliance"`, "", "the request body is not valid JSON", ""},
		{`{"scan_type":"compliance"} trailing`, "", "the request body is not valid JSON", ""},
		{`{"scan_type":"Compliance"}`, "", `scan_type must be one of compliance, exposure, got "Compliance"`, "scan_type"},
		{`{"scan_type":"identity"}`, "", `scan_type must be one of compliance, exposure, got "identity"`, "scan_type"},
		{`{"scan_type":"compliance"}`, "text/plain", "send the request body as JSON, with Content-Type: application/json", ""},
	} {
		headers := map[string]string{}
		if tc.contentType != "" {
			headers["Content-Type"] = tc.contentType
		}
		resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: tc.body, headers: headers})
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		if !strings.HasPrefix(resp.Env.Error.Message, tc.message) || strings.Contains(resp.Env.Error.Message, "\n") {
			t.Errorf("%s: message %q, want %q", tc.body, resp.Env.Error.Message, tc.message)
		}
		if got, _ := resp.Env.Error.Details[detailField].(string); got != tc.field {
			t.Errorf("%s: details %v, want field %q", tc.body, resp.Env.Error.Details, tc.field)
		}
	}
	if got := sim.ScanCount(DemoTenant); got != 4 {
		t.Errorf("ScanCount = %d: rejected requests must not create scans", got)
	}
}

// Exposure scans evaluate the exposure checks only; compliance scans the
// whole catalogue.
func TestExposureScansEvaluateASubset(t *testing.T) {
	sim, _ := newTestServer(t, Config{ResultsPerScan: len(catalogue)})
	exposure := map[string]bool{}
	for _, c := range catalogue {
		if c.Exposure {
			exposure[c.TestID] = true
		}
	}
	if len(exposure) < 10 || len(exposure) > len(catalogue)/2 {
		t.Fatalf("%d exposure checks of %d", len(exposure), len(catalogue))
	}
	for _, scanType := range []string{"compliance", "exposure"} {
		scan := createScan(t, sim, DemoAPIKey, scanType)
		seen := map[string]bool{}
		for _, r := range allResults(t, sim, scan.ID, "") {
			seen[r.TestID] = true
			if r.SourceTool != scanType {
				t.Fatalf("%s result source_tool %q", scanType, r.SourceTool)
			}
			if scanType == "exposure" && !exposure[r.TestID] {
				t.Errorf("exposure scan evaluated %s", r.TestID)
			}
		}
		if scanType == "compliance" && len(seen) != len(catalogue) {
			t.Errorf("compliance scan evaluated %d checks, want %d", len(seen), len(catalogue))
		}
		if scanType == "exposure" && len(seen) != len(exposure) {
			t.Errorf("exposure scan evaluated %d checks, want %d", len(seen), len(exposure))
		}
	}
}

// Lists are newest first (the document's assumption, which the seed's
// status=completed&limit=1 relies on).
func TestListScansNewestFirstWithFilters(t *testing.T) {
	sim, fake := newTestServer(t, Config{})
	var created []string
	for i, scanType := range []string{"compliance", "exposure", "compliance", "exposure"} {
		created = append(created, createScan(t, sim, DemoAPIKey, scanType).ID)
		if i%2 == 1 {
			fake.Advance(time.Second) // two pairs share a started_at second
		}
	}
	sim.SetScanDuration(time.Hour)
	running := createScan(t, sim, DemoAPIKey, "compliance").ID
	created = append(created, running)

	list := func(query string) ([]string, api.PageMeta) {
		t.Helper()
		resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusOK, "")
		var ids []string
		for _, scan := range decode[[]api.Scan](t, resp) {
			ids = append(ids, scan.ID)
		}
		return ids, *resp.Env.Meta
	}
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)
	ids, meta := list("")
	if !slices.Equal(ids, newestFirst) {
		t.Errorf("list = %v, want newest first %v", ids, newestFirst)
	}
	if jsonOf(t, meta) != `{"limit":20,"page":1,"total":5,"totalPages":1}` {
		t.Errorf("meta = %s", jsonOf(t, meta))
	}
	if sorted := slices.Sorted(slices.Values(created)); !slices.Equal(sorted, created) {
		t.Errorf("scan ids %v do not count up in creation order", created)
	}
	if ids, _ := list("?status=completed&limit=1"); !slices.Equal(ids, []string{created[3]}) {
		t.Errorf("status=completed&limit=1 = %v, want %s", ids, created[3])
	}
	for _, query := range []string{"?status=in_progress", "?status=IN_PROGRESS"} {
		if ids, _ := list(query); !slices.Equal(ids, []string{running}) {
			t.Errorf("%s = %v, want %s", query, ids, running)
		}
	}
	if ids, meta := list("?scan_type=compliance&status=completed&limit=1&page=2"); !slices.Equal(ids, []string{created[0]}) || meta.Total != 2 || *meta.TotalPages != 2 {
		t.Errorf("compliance+completed page 2 = %v %+v, want %s", ids, meta, created[0])
	}
	if ids, meta := list("?scan_type=exposure&status=failed"); len(ids) != 0 || meta.Total != 0 || *meta.TotalPages != 0 {
		t.Errorf("no failed exposure scans: %v %+v", ids, meta)
	}
	for query, words := range map[string][]string{
		"?status=done":                    {"status must be one of in_progress, completed, failed", `got "done"`},
		"?status=cancelled":               {"status must be one of in_progress, completed, failed"},
		"?scan_type=full":                 {"scan_type must be one of compliance, exposure"},
		"?status=completed&status=failed": {"status was given 2 times; give it once"},
		"?status=":                        {"status is empty"},
		"?limit=101":                      {"limit must be an integer from 1 to 100", `got "101"`},
	} {
		resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		for _, word := range words {
			if !strings.Contains(resp.Env.Error.Message, word) {
				t.Errorf("%s: message %q does not say %q", query, resp.Env.Error.Message, word)
			}
		}
		if resp.Env.Error.Details[detailParameter] == nil {
			t.Errorf("%s: details %v name no parameter", query, resp.Env.Error.Details)
		}
	}
}

// One scan runs at a time per connection: a second POST while one is in
// progress is 409 SCAN_ALREADY_RUNNING (divergence 7), in both profiles; a
// scan of another connection may run meanwhile.
func TestOneRunningScanPerConnection(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			cfg := multiAccountConfig()
			cfg.Profile, cfg.ScanDuration = profile, 15*time.Minute
			sim, fake := newTestServer(t, cfg)
			first := createScan(t, sim, keyMSP, "compliance")
			for _, body := range []string{`{"scan_type":"compliance"}`, `{"scan_type":"exposure"}`} {
				resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: keyMSP, body: body,
					headers: map[string]string{"Idempotency-Key": "another-" + body}})
				expectStatus(t, resp, http.StatusConflict, api.ErrorCodeScanAlreadyRunning)
				if !strings.Contains(resp.Env.Error.Message, first.ID) || len(resp.Env.Error.Details) != 0 {
					t.Errorf("409 %s: want the running scan named and details {}", resp.Body)
				}
			}
			// Another connection of the account is free.
			other := call(t, sim, request{method: "POST", path: "/tenants/me/scans?connectionId=conn_fabrikam", key: keyMSP, body: `{"scan_type":"compliance"}`})
			expectStatus(t, other, http.StatusCreated, "")
			if conn, _ := sim.ScanConnection(decode[api.Scan](t, other).ID); conn != "conn_fabrikam" {
				t.Errorf("the scan ran on %s", conn)
			}
			expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/me/scans?connectionId=conn_contoso", key: keyMSP, body: `{"scan_type":"exposure"}`}),
				http.StatusConflict, api.ErrorCodeScanAlreadyRunning)
			// Another account is free too.
			createScan(t, sim, keyA, "compliance")
			fake.Advance(15 * time.Minute)
			if next := createScan(t, sim, keyMSP, "exposure"); next.ID == first.ID {
				t.Error("a new scan after the first ended reused its id")
			}
			if got := sim.ScanCount(accountMS); got != 3 {
				t.Errorf("ScanCount = %d, want 3", got)
			}
		})
	}
}

// Scans run on the primary (active) connection unless connectionId names
// another; the list filters by connection; an unknown one is 404
// CONNECTION_NOT_FOUND and an account with none cannot scan.
func TestScansRunOnConnections(t *testing.T) {
	cfg := multiAccountConfig()
	cfg.Connections[accountB] = []string{}
	sim, _ := newTestServer(t, cfg)
	onContoso := createScan(t, sim, keyMSP, "compliance")
	expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/me/connections/conn_adatum/activate", key: keyMSP}), http.StatusOK, "")
	onAdatum := createScan(t, sim, keyMSP, "compliance")
	for id, want := range map[string]string{onContoso.ID: "conn_contoso", onAdatum.ID: "conn_adatum"} {
		if got, _ := sim.ScanConnection(id); got != want {
			t.Errorf("scan %s ran on %s, want %s", id, got, want)
		}
	}
	for query, want := range map[string][]string{
		"":                                 {onAdatum.ID, onContoso.ID},
		"?connectionId=conn_contoso":       {onContoso.ID},
		"?connectionId=conn_adatum":        {onAdatum.ID},
		"?connectionId=conn_fabrikam":      nil,
		"?connectionId=conn_adatum&page=2": nil,
	} {
		var ids []string
		for _, scan := range decode[[]api.Scan](t, call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: keyMSP})) {
			ids = append(ids, scan.ID)
		}
		if !slices.Equal(ids, want) {
			t.Errorf("%q lists %v, want %v", query, ids, want)
		}
	}
	for _, req := range []request{
		{method: "GET", path: "/tenants/me/scans?connectionId=conn_nowhere", key: keyMSP},
		{method: "POST", path: "/tenants/me/scans?connectionId=conn_nowhere", key: keyMSP, body: `{"scan_type":"compliance"}`},
		{method: "POST", path: "/tenants/me/scans?connectionId=" + DefaultConnection, key: keyMSP, body: `{"scan_type":"compliance"}`},
		{method: "POST", path: "/tenants/me/connections/conn_nowhere/activate", key: keyMSP},
	} {
		expectStatus(t, call(t, sim, req), http.StatusNotFound, api.ErrorCodeConnectionNotFound)
	}
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: keyB, body: `{"scan_type":"compliance"}`})
	expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeTenantNotConnected)
	if connections := decode[[]api.Connection](t, call(t, sim, request{method: "GET", path: "/tenants/me/connections", key: keyB})); len(connections) != 0 {
		t.Errorf("account B has connections %+v", connections)
	}
}

// The plan's scan quota: scans created beyond it (API and scheduled) are
// 429 SCAN_PLAN_LIMIT_REACHED, final, without Retry-After (divergence 8).
func TestScanQuota(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			cfg := multiAccountConfig()
			cfg.Profile, cfg.ScanQuota = profile, 3
			sim, fake := newTestServer(t, cfg)
			createScan(t, sim, keyA, "compliance")
			if _, err := sim.StartScheduledScan(accountA, "", api.ScanTypeCompliance); err != nil {
				t.Fatal(err)
			}
			sim.ForgetScan(createScan(t, sim, keyA, "exposure").ID) // forgetting gives nothing back
			for range 2 {
				resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: keyA, body: `{"scan_type":"compliance"}`})
				expectStatus(t, resp, http.StatusTooManyRequests, api.ErrorCodeScanPlanLimitReached)
				if resp.Header.Get("Retry-After") != "" || !strings.Contains(resp.Env.Error.Message, "scan quota") ||
					!strings.Contains(resp.Env.Error.Message, "until the next billing period") {
					t.Errorf("429: Retry-After %q, %s", resp.Header.Get("Retry-After"), resp.Body)
				}
				fake.Advance(24 * time.Hour)
			}
			var refused *StartScanError
			if _, err := sim.StartScheduledScan(accountA, "", api.ScanTypeCompliance); !errors.As(err, &refused) || refused.Code != api.ErrorCodeScanPlanLimitReached {
				t.Errorf("scheduled scan past the quota: %v", err)
			}
			// Each account has its own quota; SetScanQuota lifts it.
			createScan(t, sim, keyB, "compliance")
			sim.SetScanQuota(0)
			createScan(t, sim, keyA, "compliance")
		})
	}
}

// StartScheduledScan starts a scan as the plan schedule would, with the
// same rules as a POST, and stamps the plan schedule.
func TestStartScheduledScan(t *testing.T) {
	cfg := multiAccountConfig()
	cfg.ScanDuration = 12 * time.Minute
	sim, fake := newTestServer(t, cfg)
	id, err := sim.StartScheduledScan(accountMS, "conn_fabrikam", api.ScanTypeCompliance)
	if err != nil || !scanIDPattern.MatchString(id) {
		t.Fatalf("StartScheduledScan = %q, %v", id, err)
	}
	if conn, _ := sim.ScanConnection(id); conn != "conn_fabrikam" {
		t.Errorf("scheduled scan ran on %s", conn)
	}
	// Terraform's POST now meets the scheduled scan.
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans?connectionId=conn_fabrikam", key: keyMSP, body: `{"scan_type":"exposure"}`})
	expectStatus(t, resp, http.StatusConflict, api.ErrorCodeScanAlreadyRunning)
	listed := decode[[]api.Scan](t, call(t, sim, request{method: "GET", path: "/tenants/me/scans?status=in_progress", key: keyMSP}))
	if len(listed) != 1 || listed[0].ID != id {
		t.Errorf("in_progress list = %+v, want the scheduled scan", listed)
	}
	schedules := decode[[]api.ScheduledScan](t, call(t, sim, request{method: "GET", path: "/tenants/me/scheduled-scans", key: keyMSP}))
	if schedules[0].LastTriggeredAt == nil || !schedules[0].LastTriggeredAt.Equal(testStart) {
		t.Errorf("plan schedule lastTriggeredAt = %v", schedules[0].LastTriggeredAt)
	}
	var refused *StartScanError
	for _, tc := range []struct {
		account, connection string
		scanType            api.ScanType
		code                api.ErrorCode
	}{
		{accountMS, "conn_fabrikam", api.ScanTypeCompliance, api.ErrorCodeScanAlreadyRunning},
		{accountMS, "conn_nowhere", api.ScanTypeCompliance, api.ErrorCodeConnectionNotFound},
		{"t_nobody", "", api.ScanTypeCompliance, api.ErrorCodeTenantNotFound},
		{accountMS, "", "identity", api.ErrorCodeValidationError},
	} {
		if _, err := sim.StartScheduledScan(tc.account, tc.connection, tc.scanType); !errors.As(err, &refused) || refused.Code != tc.code {
			t.Errorf("StartScheduledScan(%s, %s, %s) = %v, want %s", tc.account, tc.connection, tc.scanType, err, tc.code)
		}
	}
	fake.Advance(12 * time.Minute)
	if _, err := sim.StartScheduledScan(accountMS, "conn_fabrikam", api.ScanTypeExposure); err != nil {
		t.Errorf("after the first ended: %v", err)
	}
}

func TestScoreCountsAndResultsAgree(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		score   *float64
		results int
	}{
		{nil, 150}, {ptr(87.5), 150}, {ptr(73.3), 150}, {ptr(0.0), 150}, {ptr(100.0), 150},
		{ptr(50.1), 150}, {ptr(99.9), 1000}, {ptr(0.1), 1000}, {nil, 1}, {ptr(42.0), 7}, {nil, 2500},
	} {
		name := fmt.Sprintf("score=%v/results=%d", tc.score, tc.results)
		if tc.score != nil {
			name = fmt.Sprintf("score=%v/results=%d", *tc.score, tc.results)
		}
		t.Run(name, func(t *testing.T) {
			sim, _ := newTestServer(t, Config{Score: tc.score, ResultsPerScan: tc.results, Seed: 7})
			scan := createScan(t, sim, DemoAPIKey, "compliance")
			checkScanAgreesWithResults(t, scan, allResults(t, sim, scan.ID, ""))
			if tc.score != nil && tc.results >= 150 && *tc.score >= 1 && *tc.score <= 99 {
				if diff := *scan.Score - *tc.score; diff > 0.1+1e-9 || diff < -0.1-1e-9 {
					t.Errorf("score %v, configured %v", *scan.Score, *tc.score)
				}
			}
			if tc.score != nil && tc.results >= 1000 && *scan.Score != *tc.score {
				t.Errorf("with %d results the score %v must equal the configured %v", tc.results, *scan.Score, *tc.score)
			}
		})
	}
}

// checkScanAgreesWithResults recomputes score and counts from the results,
// with the published formula: passed / (passed + failed), skipped excluded
// (divergence 19).
func checkScanAgreesWithResults(t *testing.T, scan api.Scan, results []api.Result) {
	t.Helper()
	counts := map[api.ResultValue]int{}
	ids := map[string]bool{}
	for _, r := range results {
		counts[r.Result]++
		if ids[r.ID] {
			t.Fatalf("duplicate result id %s", r.ID)
		}
		ids[r.ID] = true
	}
	if len(counts) > 3 || *scan.PassCount != counts[api.ResultValuePassed] || *scan.FailCount != counts[api.ResultValueFailed] ||
		*scan.SkipCount != counts[api.ResultValueSkipped] {
		t.Errorf("counts %d/%d/%d, results count %v", *scan.PassCount, *scan.FailCount, *scan.SkipCount, counts)
	}
	scored := counts[api.ResultValuePassed] + counts[api.ResultValueFailed]
	want := 0.0
	if scored > 0 {
		want = float64(int64(1000*float64(counts[api.ResultValuePassed])/float64(scored)+0.5)) / 10
	}
	if *scan.Score != want {
		t.Errorf("score %v, computed from results %v", *scan.Score, want)
	}
}

func TestPlanOutcomesHitsTheTarget(t *testing.T) {
	for _, n := range []int{150, 1000, 100000} {
		worst := 0.0
		for tenths := 0; tenths <= 1000; tenths++ {
			if n == 100000 && tenths%37 != 0 {
				continue // a sample is enough for the large case
			}
			target := float64(tenths) / 10
			counts := planOutcomes(n, target, derive(1, streamOutcomeMix, uint64(tenths)))
			if total := counts.scored() + counts.skipped; total != n || counts.scored()*2 < n || counts.passed < 0 || counts.failed < 0 || counts.skipped < 0 {
				t.Fatalf("n=%d target=%v: counts %+v", n, target, counts)
			}
			diff := counts.score() - target
			if diff < 0 {
				diff = -diff
			}
			worst = max(worst, diff)
			if n >= 1000 && diff > 1e-9 {
				t.Errorf("n=%d target=%v: score %v, want exact", n, target, counts.score())
			}
			if target >= 1 && target <= 99 && diff > 0.1+1e-9 {
				t.Errorf("n=%d target=%v: score %v, want within 0.1", n, target, counts.score())
			}
		}
		if worst > 0.35 {
			t.Errorf("n=%d: worst distance %v", n, worst)
		}
	}
	// Real scans skip a few checks: 2-5% when the target allows it.
	for _, target := range []float64{60, 80, 87.5, 95} {
		counts := planOutcomes(1000, target, 12345)
		if counts.skipped < 15 || counts.skipped > 60 {
			t.Errorf("target %v: %d of 1000 skipped", target, counts.skipped)
		}
	}
}

// A newcomer's first gate must pass: the guides' thresholds are 75 and 80.
func TestDefaultScoresPassTheGuidesThresholds(t *testing.T) {
	for seed := range int64(50) {
		for i := range 20 {
			if score := derivedScore(seed, i); score < DefaultScoreMin || score > DefaultScoreMax {
				t.Fatalf("seed %d scan %d: derived score %v out of %v..%v", seed, i, score, DefaultScoreMin, DefaultScoreMax)
			}
		}
	}
	sim, _ := newTestServer(t, Config{})
	for range 5 {
		if scan := createScan(t, sim, DemoAPIKey, "compliance"); *scan.Score < 85 {
			t.Errorf("a default simulator's scan scored %v, below the guides' thresholds", *scan.Score)
		}
	}
}

func TestSameSeedSameData(t *testing.T) {
	t.Parallel()
	transcript := func(seed int64) string {
		sim, fake := newTestServer(t, Config{Seed: seed, ResultsPerScan: 230})
		var out strings.Builder
		for _, scanType := range []string{"compliance", "exposure", "compliance"} {
			scan := createScan(t, sim, DemoAPIKey, scanType)
			fake.Advance(time.Minute)
			out.WriteString(jsonOf(t, getScan(t, sim, DemoAPIKey, scan.ID)))
			out.WriteString(jsonOf(t, allResults(t, sim, scan.ID, "")))
		}
		out.WriteString(string(call(t, sim, request{method: "GET", path: "/tenants/me/connections", key: DemoAPIKey}).Body))
		return out.String()
	}
	first, second := transcript(99), transcript(99)
	if first != second {
		t.Fatal("two simulators with the same seed served different data")
	}
	if other := transcript(100); other == first {
		t.Fatal("another seed served the same data")
	}
}

func TestForgetScan(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	kept := createScan(t, sim, DemoAPIKey, "compliance")
	forgotten := createScan(t, sim, DemoAPIKey, "compliance")
	if !sim.ForgetScan(forgotten.ID) {
		t.Fatal("ForgetScan of an existing scan = false")
	}
	if sim.ForgetScan(forgotten.ID) {
		t.Error("ForgetScan twice = true")
	}
	for _, path := range []string{"/scans/" + forgotten.ID, "/scans/" + forgotten.ID + "/results"} {
		expectStatus(t, call(t, sim, request{method: "GET", path: path, key: DemoAPIKey}), http.StatusNotFound, api.ErrorCodeScanNotFound)
	}
	if got := sim.ScanCount(DemoTenant); got != 1 {
		t.Errorf("ScanCount = %d, want 1", got)
	}
	resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	if scans := decode[[]api.Scan](t, resp); len(scans) != 1 || scans[0].ID != kept.ID {
		t.Errorf("list after ForgetScan = %+v", scans)
	}
	if next := createScan(t, sim, DemoAPIKey, "compliance"); next.ID == forgotten.ID {
		t.Error("a new scan reused a forgotten id")
	}
	// Forgetting a running scan frees its connection.
	sim.SetScanDuration(time.Hour)
	running := createScan(t, sim, DemoAPIKey, "compliance")
	sim.ForgetScan(running.ID)
	createScan(t, sim, DemoAPIKey, "compliance")
}

func TestStatsCountRequests(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	getScan(t, sim, DemoAPIKey, scan.ID)
	getScan(t, sim, DemoAPIKey, scan.ID)
	call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results/AE.1068", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/tenants/me", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/nowhere", key: DemoAPIKey})
	call(t, sim, request{method: "DELETE", path: "/scans/x", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/scans/x"}) // 401 still counts for its route

	got := sim.Stats()
	want := map[string]int{StatsKeyStartScan: 1, StatsKeyGetScan: 3, StatsKeyListScans: 1, StatsKeyListResults: 1,
		StatsKeyGetResult: 1, "GET /tenants/me": 1, StatsKeyOther: 2}
	if got.Requests != 10 || got.ScansCreated != 1 || got.RateLimited != 0 || got.InjectedErrors != 0 || got.NonConformingAnswers != 0 {
		t.Errorf("stats = %+v", got)
	}
	for key, n := range want {
		if got.ByRoute[key] != n {
			t.Errorf("ByRoute[%q] = %d, want %d (all: %v)", key, got.ByRoute[key], n, got.ByRoute)
		}
	}
	got.ByRoute[StatsKeyOther] = 1000
	if sim.Stats().ByRoute[StatsKeyOther] != 2 {
		t.Error("Stats returned the live map instead of a copy")
	}
}

func TestRuntimeKnobsApplyToLaterScans(t *testing.T) {
	sim, fake := newTestServer(t, Config{})
	sim.SetScore(91.3)
	sim.SetResultsPerScan(40)
	sim.SetScanDuration(time.Minute)
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	if scan.Status != api.ScanStatusInProgress {
		t.Fatalf("status = %s after SetScanDuration(1m)", scan.Status)
	}
	fake.Advance(time.Minute)
	done := getScan(t, sim, DemoAPIKey, scan.ID)
	if *done.PassCount+*done.FailCount+*done.SkipCount != 40 {
		t.Errorf("counts = %s after SetResultsPerScan(40)", jsonOf(t, done))
	}
	checkScanAgreesWithResults(t, done, allResults(t, sim, scan.ID, ""))

	sim.SetResultsPerScan(0)
	sim.SetScanDuration(0)
	if next := createScan(t, sim, DemoAPIKey, "compliance"); *next.PassCount+*next.FailCount+*next.SkipCount != DefaultResultsPerScan {
		t.Errorf("SetResultsPerScan(0) gives %s, want the default", jsonOf(t, next))
	}
	for name, misuse := range map[string]func(){
		"SetScore(101)":            func() { sim.SetScore(101) },
		"SetScanOutcome(finished)": func() { sim.SetScanOutcome("finished") },
		"SetScanDuration(-1s)":     func() { sim.SetScanDuration(-time.Second) },
		"SetResultsPerScan(-1)":    func() { sim.SetResultsPerScan(-1) },
		"SetScanQuota(-1)":         func() { sim.SetScanQuota(-1) },
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s did not panic", name)
				}
			}()
			misuse()
		}()
	}
}

func TestLargeScanServesFilteredPagesQuickly(t *testing.T) {
	t.Parallel()
	sim, _ := newTestServer(t, Config{ResultsPerScan: MaxResultsPerScan, Score: ptr(80.0)})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	if *scan.PassCount+*scan.FailCount+*scan.SkipCount != MaxResultsPerScan || *scan.Score != 80 {
		t.Fatalf("scan %s", jsonOf(t, scan))
	}
	started := time.Now()
	resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results?result=failed&severity=high&framework=cis&limit=200&page=10", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusOK, "")
	results := decode[[]api.Result](t, resp)
	if len(results) != 200 || resp.Env.Meta.Total == 0 {
		t.Fatalf("page of %d, meta %+v", len(results), resp.Env.Meta)
	}
	for _, r := range results {
		if r.Result != api.ResultValueFailed || r.Severity != api.SeverityHigh || r.Framework != api.FrameworkCis {
			t.Fatalf("filter leaked %+v", r)
		}
	}
	if elapsed := time.Since(started); elapsed > 2*time.Second {
		t.Errorf("a filtered page of 100,000 results took %s", elapsed)
	}
	ids := make(map[string]struct{}, MaxResultsPerScan)
	for position := range MaxResultsPerScan {
		ids[resultID(0, 0, position)] = struct{}{}
	}
	if len(ids) != MaxResultsPerScan {
		t.Errorf("%d distinct ids for %d results", len(ids), MaxResultsPerScan)
	}
}
