package simulator

// The divergences of ../shared/api/published-api.md §8 that concern the
// simulator, and the tests that hold it to the published API:
//
//	 1 meta.totalPages           TestMetaTotalPagesIsOptional
//	 2 result fields             TestResultsLookLikeThePublishedOnes
//	 3 scan fields               TestScanObjectHasThePublishedFields
//	 4 scan statuses             TestScanStatusesAreThePublishedOnes
//	 5 result and severity       TestResultFilters
//	 6 scan types                TestCreateScanValidatesTheBody, TestExposureScansEvaluateASubset
//	 7 409 on POST               TestOneRunningScanPerConnection, TestStartScheduledScan
//	 8 429 quota                 TestScanQuota
//	 9 accounts and connections  TestAccountIsolation, TestScansRunOnConnections
//	10 error codes               TestErrorCodesAreThePublishedOnes
//	11 Idempotency-Key           TestIdempotentReplay (assumed profile)
//	12 results page size         TestResultsPagination
//	13 framework filter          TestResultFilters
//	14 single result             TestGetResultByTestID
//	16 error envelope            TestErrorEnvelopeHasDetails
//	17 polling hint              TestScanLifecycleFollowsTheClock (assumed profile only)
//	19 score formula             TestScoreCountsAndResultsAgree
//	21 IDs and catalogue         TestResultsLookLikeThePublishedOnes, TestCatalogueIsWellFormed
//	22 query strictness          TestQueryStrictnessIsOurAssumption (assumption)
//	23 cancelled                 TestFailedAndCancelledScansHaveNoScoreOrResults
//	26 30-minute timeout         TestScansPastTheTimeoutFailAtThirtyMinutes

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// keysOf returns the JSON object's keys, sorted.
func keysOf(t *testing.T, raw json.RawMessage) []string {
	t.Helper()
	var object map[string]json.RawMessage
	if err := json.Unmarshal(raw, &object); err != nil {
		t.Fatalf("not an object: %s", raw)
	}
	return sortedKeys(object)
}

// Row 1: both profiles send the seed's totalPages (its scripts loop on it);
// OmitTotalPages serves meta exactly as the reference's examples.
func TestMetaTotalPagesIsOptional(t *testing.T) {
	for _, tc := range []struct {
		cfg  Config
		want string
	}{
		{Config{}, `{"limit":20,"page":1,"total":1,"totalPages":1}`},
		{Config{Profile: ProfileAssumed}, `{"limit":20,"page":1,"total":1,"totalPages":1}`},
		{Config{OmitTotalPages: true}, `{"limit":20,"page":1,"total":1}`},
		{Config{OmitTotalPages: true, Profile: ProfileAssumed}, `{"limit":20,"page":1,"total":1}`},
	} {
		sim, _ := newTestServer(t, tc.cfg)
		scan := createScan(t, sim, DemoAPIKey, "compliance")
		var meta struct {
			Meta json.RawMessage `json:"meta"`
		}
		_ = json.Unmarshal(call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey}).Body, &meta)
		if string(meta.Meta) != tc.want {
			t.Errorf("%+v: meta %s, want %s", tc.cfg, meta.Meta, tc.want)
		}
		_ = json.Unmarshal(call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results?limit=200", key: DemoAPIKey}).Body, &meta)
		if want := strings.Replace(strings.Replace(tc.want, `"limit":20`, `"limit":200`, 1), `"total":1`, `"total":150`, 1); string(meta.Meta) != want {
			t.Errorf("%+v: results meta %s, want %s", tc.cfg, meta.Meta, want)
		}
	}
}

// Row 3: a scan has exactly the published fields.
func TestScanObjectHasThePublishedFields(t *testing.T) {
	sim, fake := newTestServer(t, Config{ScanDuration: time.Minute})
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type":"compliance"}`})
	want := []string{"completed_at", "fail_count", "id", "pass_count", "scan_type", "score", "skip_count", "started_at", "status", "tenant_id"}
	if got := keysOf(t, resp.Env.Data); !slices.Equal(got, want) {
		t.Errorf("scan fields %v, want %v", got, want)
	}
	fake.Advance(time.Minute)
	done := call(t, sim, request{method: "GET", path: "/scans/" + decode[api.Scan](t, resp).ID, key: DemoAPIKey})
	if got := keysOf(t, done.Env.Data); !slices.Equal(got, want) {
		t.Errorf("completed scan fields %v, want %v", got, want)
	}
}

// Row 4: statuses are in_progress, then completed, failed or cancelled; the
// list filter takes in_progress, completed and failed.
func TestScanStatusesAreThePublishedOnes(t *testing.T) {
	sim, _ := newTestServer(t, Config{ScanDuration: time.Hour})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	if scan.Status != api.ScanStatusInProgress {
		t.Errorf("a new scan is %s", scan.Status)
	}
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/scans?status=in_progress", key: DemoAPIKey}), http.StatusOK, "")
	for _, old := range []string{"queued", "running", "canceled"} {
		expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/scans?status=" + old, key: DemoAPIKey}),
			http.StatusBadRequest, api.ErrorCodeValidationError)
	}
}

// Row 10: every situation answers the published code where there is one,
// and the document's assumed code otherwise.
func TestErrorCodesAreThePublishedOnes(t *testing.T) {
	cfg := multiAccountConfig()
	cfg.Connections[accountB], cfg.ScanDuration = []string{}, time.Hour
	sim, _ := newTestServer(t, cfg)
	running := createScan(t, sim, keyA, "compliance")
	for _, tc := range []struct {
		req    request
		status int
		code   api.ErrorCode
	}{
		{request{method: "GET", path: "/tenants/me/scans"}, 401, api.ErrorCodeAuthMissingToken},
		{request{method: "GET", path: "/tenants/me/scans", key: "ae_live_nope"}, 401, api.ErrorCodeAuthInvalidToken},
		{request{method: "GET", path: "/tenants/" + accountB + "/scans", key: keyA}, 403, api.ErrorCodeTenantAccessDenied},
		{request{method: "POST", path: "/tenants/me/scans", key: keyB, body: `{"scan_type":"compliance"}`}, 400, api.ErrorCodeTenantNotConnected},
		{request{method: "GET", path: "/scans/scan_nope", key: keyA}, 404, api.ErrorCodeScanNotFound},
		{request{method: "POST", path: "/tenants/me/scans", key: keyA, body: `{"scan_type":"compliance"}`}, 409, api.ErrorCodeScanAlreadyRunning},
		{request{method: "GET", path: "/tenants/me/scans?connectionId=conn_nope", key: keyA}, 404, api.ErrorCodeConnectionNotFound},
		{request{method: "GET", path: "/tenants/me/policies", key: keyA}, 403, api.ErrorCodeAuthInsufficientScope},
		// The document's assumptions where the error page is cut:
		{request{method: "GET", path: "/scans/" + running.ID + "/results", key: keyA}, 409, api.ErrorCodeScanNotCompleted},
		{request{method: "GET", path: "/tenants/me/scans?limit=0", key: keyA}, 400, api.ErrorCodeValidationError},
		{request{method: "GET", path: "/nowhere", key: keyA}, 404, api.ErrorCodeNotFound},
		{request{method: "PUT", path: "/tenants/me/scans", key: keyA}, 405, api.ErrorCodeMethodNotAllowed},
		{request{method: "DELETE", path: "/tenants/me/scheduled-scans/plan", key: keyA}, 403, api.ErrorCodePlanScheduleReadOnly},
		{request{method: "DELETE", path: "/tenants/me/scheduled-scans/sched_x", key: keyA}, 404, api.ErrorCodeScheduledScanNotFound},
	} {
		resp := call(t, sim, tc.req)
		if resp.Status != tc.status || resp.Env.Error == nil || resp.Env.Error.Code != tc.code {
			t.Errorf("%s %s: %d %s, want %d %s", tc.req.method, tc.req.path, resp.Status, resp.Body, tc.status, tc.code)
		}
	}
}

// Row 16: error.details is always an object; request IDs are the assumed
// profile's.
func TestErrorEnvelopeHasDetails(t *testing.T) {
	for _, profile := range profiles {
		sim, _ := newTestServer(t, Config{Profile: profile})
		resp := call(t, sim, request{method: "GET", path: "/scans/scan_nope", key: DemoAPIKey})
		var raw struct {
			Error map[string]json.RawMessage `json:"error"`
		}
		_ = json.Unmarshal(resp.Body, &raw)
		want := []string{"code", "details", "message"}
		if profile == ProfileAssumed {
			want = []string{"code", "details", "message", "request_id"}
		}
		if got := sortedKeys(raw.Error); !slices.Equal(got, want) || string(raw.Error["details"]) != "{}" {
			t.Errorf("%s: error %s, want fields %v and details {}", profile, resp.Body, want)
		}
	}
}

// Row 22, our assumption (query strictness is SILENT): a malformed query, a
// declared parameter given twice or empty is 400 naming it; parameters the
// operation does not declare are ignored; filter values match whatever
// their case.
func TestQueryStrictnessIsOurAssumption(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	for query, status := range map[string]int{
		"?result=failed&result=passed":          400,
		"?severity=":                            400,
		"?limit=%zz":                            400,
		"?RESULT=failed":                        200, // names are case-sensitive: an unknown one
		"?result=FAILED&severity=Critical":      200,
		"?sort=title&fields=id&limit=10":        200,
		"?framework=CIS&framework_extra=" + "x": 200,
	} {
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results" + query, key: DemoAPIKey})
		if resp.Status != status {
			t.Errorf("%s: %d %s, want %d", query, resp.Status, resp.Body, status)
		}
	}
}
