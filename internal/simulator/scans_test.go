package simulator

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

func TestScanLifecycleFollowsTheClock(t *testing.T) {
	sim, fake := newTestServer(t, Config{ScanDuration: 10 * time.Minute, Score: ptr(87.5)})

	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type": "compliance"}`})
	expectStatus(t, resp, http.StatusCreated, "")
	scan := decode[scanView](t, resp)
	if !strings.HasPrefix(scan.ID, "scn_") || len(scan.ID) != 4+24 {
		t.Errorf("id = %q, want scn_ and 24 hex digits", scan.ID)
	}
	if got := resp.Header.Get("Location"); got != "/scans/"+scan.ID {
		t.Errorf("Location = %q", got)
	}
	if scan.TenantID != DemoTenant || scan.ScanType != "compliance" || scan.Status != statusQueued {
		t.Errorf("new scan = %+v", scan)
	}
	if scan.CreatedAt != "2026-11-28T10:00:00Z" || scan.StartedAt != nil || scan.CompletedAt != nil ||
		scan.Score != nil || scan.Summary != nil || scan.FailureReason != nil {
		t.Errorf("a queued scan has only created_at set: %s", resp.Body)
	}

	steps := []struct {
		advance        time.Duration
		wantStatus     string
		wantRetryAfter string
	}{
		{0, statusQueued, "600"},
		{59 * time.Second, statusQueued, "541"},
		{time.Second, statusRunning, "540"}, // a tenth of the duration: started
		{8*time.Minute + 59*time.Second + 500*time.Millisecond, statusRunning, "1"},
		{400 * time.Millisecond, statusRunning, "1"}, // 0.1 s left still says 1, never 0
		{100 * time.Millisecond, statusCompleted, ""},
	}
	for _, step := range steps {
		fake.Advance(step.advance)
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusOK, "")
		got := decode[scanView](t, resp)
		if got.Status != step.wantStatus || resp.Header.Get("Retry-After") != step.wantRetryAfter {
			t.Fatalf("at %s: status %s Retry-After %q, want %s %q", fake.Now().Format(time.TimeOnly),
				got.Status, resp.Header.Get("Retry-After"), step.wantStatus, step.wantRetryAfter)
		}
		if got.Status == statusRunning && (got.StartedAt == nil || *got.StartedAt != "2026-11-28T10:01:00Z") {
			t.Errorf("running scan started_at = %v, want 10:01:00", got.StartedAt)
		}
	}

	done := getScan(t, sim, DemoAPIKey, scan.ID)
	if done.CompletedAt == nil || *done.CompletedAt != "2026-11-28T10:10:00Z" || done.StartedAt == nil {
		t.Errorf("completed scan times: %+v", done)
	}
	if done.Score == nil || *done.Score != 87.5 || done.Summary == nil || done.Summary.Total != DefaultResultsPerScan {
		t.Errorf("completed scan score/summary: %+v", done)
	}
	if done.FailureReason != nil {
		t.Errorf("completed scan has failure_reason %q", *done.FailureReason)
	}
}

func TestZeroDurationScanIsCompletedInThePOSTResponse(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	if scan.Status != statusCompleted || scan.Score == nil || scan.Summary == nil {
		t.Fatalf("scan = %+v, want completed with score and summary", scan)
	}
	if *scan.StartedAt != scan.CreatedAt || *scan.CompletedAt != scan.CreatedAt {
		t.Errorf("instant scan times differ: %+v", scan)
	}
	resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID, key: DemoAPIKey})
	if got := resp.Header.Get("Retry-After"); got != "" {
		t.Errorf("a finished scan sends Retry-After %q", got)
	}
}

func TestFailedScanHasReasonAndNoScoreOrResults(t *testing.T) {
	sim, fake := newTestServer(t, Config{ScanOutcome: OutcomeFailed, ScanDuration: time.Minute})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	fake.Advance(30 * time.Second)
	if got := getScan(t, sim, DemoAPIKey, scan.ID); got.Status != statusRunning {
		t.Fatalf("status before the end = %s, want running", got.Status)
	}
	fake.Advance(30 * time.Second)
	got := getScan(t, sim, DemoAPIKey, scan.ID)
	if got.Status != statusFailed || got.Score != nil || got.Summary != nil {
		t.Fatalf("failed scan = %+v, want failed with null score and summary", got)
	}
	if got.FailureReason == nil || *got.FailureReason == "" || got.CompletedAt == nil {
		t.Errorf("failed scan needs failure_reason and completed_at: %+v", got)
	}
	resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusConflict, apicode.ScanNotCompleted)

	// The knob affects only scans created afterwards.
	sim.SetScanOutcome(OutcomeCompleted)
	sim.SetScanDuration(0)
	if next := createScan(t, sim, DemoAPIKey, "compliance"); next.Status != statusCompleted {
		t.Errorf("after SetScanOutcome(completed): %s", next.Status)
	}
	if again := getScan(t, sim, DemoAPIKey, scan.ID); again.Status != statusFailed {
		t.Errorf("the earlier scan changed to %s", again.Status)
	}
}

func TestFailureReasonMentionsMicrosoft365Trouble(t *testing.T) {
	for i := range 20 {
		if reason := failureReasonFor(int64(i), i); !strings.Contains(reason, "Microsoft") && !strings.Contains(reason, "Exchange") {
			t.Errorf("reason %q does not read like a Microsoft 365 failure", reason)
		}
	}
}

func TestResultsOfUnfinishedScanAreConflict(t *testing.T) {
	sim, fake := newTestServer(t, Config{ScanDuration: time.Minute})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	for _, advance := range []time.Duration{0, 10 * time.Second} {
		fake.Advance(advance)
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results", key: DemoAPIKey})
		expectStatus(t, resp, http.StatusConflict, apicode.ScanNotCompleted)
	}
	fake.Advance(time.Minute)
	resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusOK, "")
}

func TestCreateScanValidatesTheBody(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	for _, scanType := range scanTypes {
		if scan := createScan(t, sim, DemoAPIKey, scanType); scan.ScanType != scanType {
			t.Errorf("scan_type %s came back as %s", scanType, scan.ScanType)
		}
	}
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey,
		body: `{"scan_type":"identity","comment":"unknown fields are ignored"}`})
	expectStatus(t, resp, http.StatusCreated, "")

	for _, body := range []string{
		``, `   `, `null`, `[]`, `"compliance"`, `{}`, `{"scan_type":5}`, `{"scan_type":null}`,
		`{"scan_type":"compliance"`, `{"scan_type":"compliance"} trailing`, `{"scan_type":"Compliance"}`,
		`{"scan_type":"nope"}`, `{"scan_type":""}`,
	} {
		resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: body})
		expectStatus(t, resp, http.StatusBadRequest, apicode.Validation)
	}
	resp = call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type":"nope"}`})
	for _, scanType := range scanTypes {
		if !strings.Contains(resp.Env.Error.Message, scanType) {
			t.Errorf("message %q does not name valid type %s", resp.Env.Error.Message, scanType)
		}
	}
	if got := sim.ScanCount(DemoTenant); got != len(scanTypes)+1 {
		t.Errorf("ScanCount = %d: rejected requests must not create scans", got)
	}
}

func TestScanTypesRestrictCategories(t *testing.T) {
	t.Parallel()
	sim, _ := newTestServer(t, Config{ResultsPerScan: 200})
	want := map[string][]string{
		"identity":      {categoryIdentity},
		"email":         {categoryDefender, categoryExchange},
		"collaboration": {categorySharePoint, categoryTeams},
		"compliance":    {categoryDefender, categoryExchange, categoryIdentity, categoryPurview, categorySharePoint, categoryTeams},
		"full":          {categoryDefender, categoryExchange, categoryIdentity, categoryPurview, categorySharePoint, categoryTeams},
	}
	for scanType, categories := range want {
		scan := createScan(t, sim, DemoAPIKey, scanType)
		seen := map[string]bool{}
		for _, result := range allResults(t, sim, scan.ID, "") {
			seen[result.Category] = true
		}
		got := slices.Sorted(func(yield func(string) bool) {
			for category := range seen {
				if !yield(category) {
					return
				}
			}
		})
		if !slices.Equal(got, categories) {
			t.Errorf("%s scan categories = %v, want %v", scanType, got, categories)
		}
	}
}

func TestListScansNewestFirstWithFilters(t *testing.T) {
	sim, fake := newTestServer(t, Config{})
	var created []string
	for i, scanType := range []string{"compliance", "identity", "compliance", "email"} {
		created = append(created, createScan(t, sim, DemoAPIKey, scanType).ID)
		if i%2 == 1 {
			fake.Advance(time.Second) // two pairs share a created_at second
		}
	}
	sim.SetScanDuration(time.Hour)
	running := createScan(t, sim, DemoAPIKey, "compliance").ID
	created = append(created, running)

	list := func(query string) ([]string, *pageMeta) {
		t.Helper()
		resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusOK, "")
		var ids []string
		for _, scan := range decode[[]scanView](t, resp) {
			ids = append(ids, scan.ID)
		}
		return ids, resp.Env.Meta
	}
	newestFirst := slices.Clone(created)
	slices.Reverse(newestFirst)

	ids, meta := list("")
	if !slices.Equal(ids, newestFirst) {
		t.Errorf("list = %v, want newest first %v", ids, newestFirst)
	}
	if *meta != (pageMeta{Total: 5, Page: 1, Limit: 20, TotalPages: 1}) {
		t.Errorf("meta = %+v", *meta)
	}
	// The contract's order is created_at desc, then id desc: check the ids
	// agree with it, including within a shared second.
	sortedByID := slices.Clone(created[:4])
	slices.Sort(sortedByID)
	if !slices.Equal(sortedByID, created[:4]) {
		t.Errorf("scan ids %v do not count up in creation order", created[:4])
	}

	// The seed's "latest completed scan".
	if ids, _ := list("?status=completed&limit=1"); !slices.Equal(ids, []string{created[3]}) {
		t.Errorf("status=completed&limit=1 = %v, want %s", ids, created[3])
	}
	if ids, _ := list("?status=QUEUED"); !slices.Equal(ids, []string{running}) {
		t.Errorf("status=QUEUED = %v, want %s", ids, running)
	}
	if ids, meta := list("?scan_type=compliance&status=completed&limit=1&page=2"); !slices.Equal(ids, []string{created[0]}) || meta.Total != 2 || meta.TotalPages != 2 {
		t.Errorf("compliance+completed page 2 = %v %+v, want %s", ids, meta, created[0])
	}
	if ids, meta := list("?scan_type=full"); len(ids) != 0 || meta.Total != 0 || meta.TotalPages != 0 {
		t.Errorf("no full scans: %v %+v", ids, meta)
	}
	if ids, _ := list("?status="); len(ids) != 5 {
		t.Errorf("an empty filter is no filter, got %d scans", len(ids))
	}

	for query, names := range map[string][]string{
		"?status=done":                    scanStatuses,
		"?scan_type=weekly":               scanTypes,
		"?status=completed&status=failed": {"status", "once"},
	} {
		resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusBadRequest, apicode.Validation)
		for _, name := range names {
			if !strings.Contains(resp.Env.Error.Message, name) {
				t.Errorf("%s: message %q does not mention %s", query, resp.Env.Error.Message, name)
			}
		}
	}
}

func TestScoreSummaryAndResultsAgree(t *testing.T) {
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
			results := allResults(t, sim, scan.ID, "")
			checkScanAgreesWithResults(t, scan, results)
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

// checkScanAgreesWithResults recomputes score and summary from the results.
func checkScanAgreesWithResults(t *testing.T, scan scanView, results []resultView) {
	t.Helper()
	counts := map[string]int{}
	failedBy := map[string]int{}
	ids := map[string]bool{}
	for _, r := range results {
		counts[r.Result]++
		if r.Result == "Failed" {
			failedBy[r.Severity]++
		}
		if ids[r.ID] {
			t.Fatalf("duplicate result id %s", r.ID)
		}
		ids[r.ID] = true
	}
	s := scan.Summary
	if s.Total != len(results) || s.Passed != counts["Passed"] || s.Failed != counts["Failed"] || s.Warning != counts["Warning"] ||
		s.Skipped != counts["Skipped"] || s.Error != counts["Error"] {
		t.Errorf("summary %+v, results count %v (total %d)", *s, counts, len(results))
	}
	f := s.FailedBySeverity
	if f.Critical != failedBy["Critical"] || f.High != failedBy["High"] || f.Medium != failedBy["Medium"] ||
		f.Low != failedBy["Low"] || f.Informational != failedBy["Informational"] {
		t.Errorf("failed_by_severity %+v, results %v", f, failedBy)
	}
	scored := counts["Passed"] + counts["Failed"] + counts["Warning"]
	want := 0.0
	if scored > 0 {
		want = float64(int64(1000*float64(counts["Passed"])/float64(scored)+0.5)) / 10
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
			if total := counts.scored() + counts.skipped + counts.errored; total != n || counts.scored()*2 < n {
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
}

// A newcomer's first gate must pass: the guides' thresholds are 75 and 80.
func TestDefaultScoresPassTheGuidesThresholds(t *testing.T) {
	for seed := range int64(50) {
		for i := range 20 {
			score := derivedScore(seed, i)
			if score < DefaultScoreMin || score > DefaultScoreMax || score < 85 {
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
		for _, scanType := range []string{"compliance", "identity", "compliance"} {
			scan := createScan(t, sim, DemoAPIKey, scanType)
			fake.Advance(time.Minute)
			out.WriteString(jsonOf(t, getScan(t, sim, DemoAPIKey, scan.ID)))
			out.WriteString(jsonOf(t, allResults(t, sim, scan.ID, "")))
		}
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
		expectStatus(t, call(t, sim, request{method: "GET", path: path, key: DemoAPIKey}), http.StatusNotFound, apicode.NotFound)
	}
	if got := sim.ScanCount(DemoTenant); got != 1 {
		t.Errorf("ScanCount = %d, want 1", got)
	}
	resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	if scans := decode[[]scanView](t, resp); len(scans) != 1 || scans[0].ID != kept.ID {
		t.Errorf("list after ForgetScan = %+v", scans)
	}
	// A new scan never reuses a forgotten id.
	if next := createScan(t, sim, DemoAPIKey, "compliance"); next.ID == forgotten.ID {
		t.Error("a new scan reused a forgotten id")
	}
}

func TestStatsCountRequests(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	getScan(t, sim, DemoAPIKey, scan.ID)
	getScan(t, sim, DemoAPIKey, scan.ID)
	call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/nowhere", key: DemoAPIKey})
	call(t, sim, request{method: "DELETE", path: "/scans/x", key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/scans/x"}) // 401 still counts for its route

	got := sim.Stats()
	want := map[string]int{statsKeyCreateScan: 1, StatsKeyGetScan: 3, statsKeyListScans: 1, StatsKeyListResults: 1, statsKeyOther: 2}
	if got.Requests != 8 || got.ScansCreated != 1 || got.RateLimited != 0 || got.InjectedErrors != 0 {
		t.Errorf("stats = %+v", got)
	}
	for key, n := range want {
		if got.ByRoute[key] != n {
			t.Errorf("ByRoute[%q] = %d, want %d (all: %v)", key, got.ByRoute[key], n, got.ByRoute)
		}
	}
	got.ByRoute[statsKeyOther] = 1000
	if sim.Stats().ByRoute[statsKeyOther] != 2 {
		t.Error("Stats returned the live map instead of a copy")
	}
}

func TestRuntimeKnobsApplyToLaterScans(t *testing.T) {
	sim, fake := newTestServer(t, Config{})
	sim.SetScore(91.3)
	sim.SetResultsPerScan(40)
	sim.SetScanDuration(time.Minute)
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	if scan.Status != statusQueued {
		t.Fatalf("status = %s after SetScanDuration(1m)", scan.Status)
	}
	fake.Advance(time.Minute)
	done := getScan(t, sim, DemoAPIKey, scan.ID)
	if done.Summary.Total != 40 {
		t.Errorf("total = %d after SetResultsPerScan(40)", done.Summary.Total)
	}
	checkScanAgreesWithResults(t, done, allResults(t, sim, scan.ID, ""))

	sim.SetResultsPerScan(0)
	sim.SetScanDuration(0)
	if next := createScan(t, sim, DemoAPIKey, "compliance"); next.Summary.Total != DefaultResultsPerScan {
		t.Errorf("SetResultsPerScan(0) gives %d results, want the default", next.Summary.Total)
	}

	for name, misuse := range map[string]func(){
		"SetScore(101)":            func() { sim.SetScore(101) },
		"SetScanOutcome(finished)": func() { sim.SetScanOutcome("finished") },
		"SetScanDuration(-1s)":     func() { sim.SetScanDuration(-time.Second) },
		"SetResultsPerScan(-1)":    func() { sim.SetResultsPerScan(-1) },
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
	scan := createScan(t, sim, DemoAPIKey, "full")
	if scan.Summary.Total != MaxResultsPerScan || *scan.Score != 80 {
		t.Fatalf("summary %+v score %v", scan.Summary, *scan.Score)
	}
	started := time.Now()
	resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results?result=Failed&severity=High&limit=100&page=20", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusOK, "")
	results := decode[[]resultView](t, resp)
	if len(results) != 100 || resp.Env.Meta.Total == 0 {
		t.Fatalf("page of %d, meta %+v", len(results), resp.Env.Meta)
	}
	for _, r := range results {
		if r.Result != "Failed" || r.Severity != "High" {
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

func TestCatalogueIsWellFormed(t *testing.T) {
	if n := len(catalogue); n < 40 || n > 60 {
		t.Errorf("catalogue has %d controls, want 40-60", n)
	}
	seen := map[string]bool{}
	for _, c := range catalogue {
		if seen[c.ID] {
			t.Errorf("duplicate control %s", c.ID)
		}
		seen[c.ID] = true
		severityRank(c.Severity) // panics on a misspelling
		if c.Title == "" || c.Description == "" || c.Remediation == "" || c.ReferencePath == "" || strings.HasPrefix(c.ReferencePath, "/") {
			t.Errorf("control %s is incomplete", c.ID)
		}
	}
	for _, scanType := range scanTypes {
		if len(controlsForScanType(scanType)) == 0 {
			t.Errorf("scan type %s evaluates no control", scanType)
		}
	}
}
