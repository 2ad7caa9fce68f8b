package simulator

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/api"
)

// Results pages default to 50 results and allow up to 200 (divergence 12).
func TestResultsPagination(t *testing.T) {
	sim, _ := newTestServer(t, Config{ResultsPerScan: 450})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	base := "/scans/" + scan.ID + "/results"
	generated := sim.scans[scan.ID].results()
	for _, tc := range []struct {
		query     string
		wantLen   int
		wantMeta  string
		wantFirst int // position of the first result on the page
	}{
		{"", 50, `{"limit":50,"page":1,"total":450,"totalPages":9}`, 0},
		{"?page=9", 50, `{"limit":50,"page":9,"total":450,"totalPages":9}`, 400},
		{"?page=10", 0, `{"limit":50,"page":10,"total":450,"totalPages":9}`, -1},
		{"?page=2&limit=200", 200, `{"limit":200,"page":2,"total":450,"totalPages":3}`, 200},
		{"?page=3&limit=200", 50, `{"limit":200,"page":3,"total":450,"totalPages":3}`, 400},
		{"?limit=1&page=450", 1, `{"limit":1,"page":450,"total":450,"totalPages":450}`, 449},
		{"?page=9223372036854775807&limit=200", 0, `{"limit":200,"page":9223372036854775807,"total":450,"totalPages":3}`, -1},
	} {
		resp := call(t, sim, request{method: "GET", path: base + tc.query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusOK, "")
		results := decode[[]api.Result](t, resp)
		if len(results) != tc.wantLen || jsonOf(t, resp.Env.Meta) != tc.wantMeta {
			t.Errorf("%s: %d results, meta %s; want %d, %s", tc.query, len(results), jsonOf(t, resp.Env.Meta), tc.wantLen, tc.wantMeta)
		}
		if tc.wantFirst == -1 && !strings.Contains(string(resp.Body), `"data":[]`) {
			t.Errorf("%s: a page past the end must be data: [], got %s", tc.query, resp.Body)
		}
		if tc.wantFirst >= 0 {
			if want := generated.view(sim.scans[scan.ID], tc.wantFirst); jsonOf(t, results[0]) != jsonOf(t, want) {
				t.Errorf("%s: first result %+v, want position %d %+v", tc.query, results[0], tc.wantFirst, want)
			}
		}
	}
	for _, query := range []string{
		"?limit=0", "?limit=201", "?limit=abc", "?limit=-1", "?limit=1.5", "?limit=", "?page=", "?page=0", "?page=-1", "?page=abc",
		"?page=99999999999999999999", "?limit=10&limit=20", "?page=1&page=1",
	} {
		resp := call(t, sim, request{method: "GET", path: base + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		name := strings.TrimPrefix(strings.SplitN(query, "=", 2)[0], "?")
		if !strings.Contains(resp.Env.Error.Message, name) || resp.Env.Error.Details[detailParameter] != name {
			t.Errorf("%s: %q %v does not name %s", query, resp.Env.Error.Message, resp.Env.Error.Details, name)
		}
	}
	// The scan list keeps the reference's 20 and 100.
	for query, status := range map[string]int{"?limit=0": 400, "?limit=101": 400, "?limit=100": 200, "?page=0": 400, "?page=5": 200} {
		expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey}), status, "")
	}
}

// Filters result, severity and framework, with the documented values
// matched case-insensitively (divergences 5 and 13).
func TestResultFilters(t *testing.T) {
	t.Parallel()
	sim, _ := newTestServer(t, Config{ResultsPerScan: 600, Score: ptr(70.0)})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	all := allResults(t, sim, scan.ID, "")
	count := func(result, severity, framework string) int {
		n := 0
		for _, r := range all {
			if (result == "" || string(r.Result) == result) && (severity == "" || string(r.Severity) == severity) &&
				(framework == "" || string(r.Framework) == framework) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct{ query, result, severity, framework string }{
		{"&result=Failed&severity=Critical", "failed", "critical", ""}, // the seed's spelling
		{"&result=failed&severity=CRITICAL", "failed", "critical", ""},
		{"&result=sKiPpEd", "skipped", "", ""},
		{"&severity=low", "", "low", ""},
		{"&result=passed&severity=high&framework=cis", "passed", "high", "cis"},
		{"&framework=EIDSCA", "", "", "eidsca"},
		{"&framework=cisa", "", "", "cisa"},
		{"&framework=nis2&result=failed", "failed", "", "nis2"},
	} {
		got := allResults(t, sim, scan.ID, tc.query)
		if want := count(tc.result, tc.severity, tc.framework); len(got) != want || want == 0 {
			t.Errorf("%s: %d results, want %d (and some)", tc.query, len(got), want)
		}
		for _, r := range got {
			if (tc.result != "" && string(r.Result) != tc.result) || (tc.severity != "" && string(r.Severity) != tc.severity) ||
				(tc.framework != "" && string(r.Framework) != tc.framework) {
				t.Fatalf("%s returned %+v", tc.query, r)
			}
		}
	}
	for query, words := range map[string][]string{
		"?result=Fail":            {"result must be one of passed, failed, skipped", `got "fail"`},
		"?result=warning":         {"result must be one of passed, failed, skipped"},
		"?result=error":           {"result must be one of passed, failed, skipped"},
		"?severity=Severe":        {"severity must be one of critical, high, medium, low"},
		"?severity=informational": {"severity must be one of critical, high, medium, low"},
		"?framework=iso27001":     {"framework must be one of cis, eidsca, cisa, nis2"},
	} {
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results" + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		for _, word := range words {
			if !strings.Contains(resp.Env.Error.Message, word) {
				t.Errorf("%s: message %q does not say %q", query, resp.Env.Error.Message, word)
			}
		}
	}
	// A filter nothing matches: total 0, totalPages 0.
	perfect, _ := newTestServer(t, Config{Score: ptr(100.0)})
	clean := createScan(t, perfect, DemoAPIKey, "compliance")
	resp := call(t, perfect, request{method: "GET", path: "/scans/" + clean.ID + "/results?result=failed", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusOK, "")
	if jsonOf(t, resp.Env.Meta) != `{"limit":50,"page":1,"total":0,"totalPages":0}` || !strings.Contains(string(resp.Body), `"data":[]`) {
		t.Errorf("empty match: %s", resp.Body)
	}
}

// Results carry the published fields (divergence 2), published-style IDs
// and test IDs (divergence 21), and large scans repeat checks per object.
func TestResultsLookLikeThePublishedOnes(t *testing.T) {
	sim, _ := newTestServer(t, Config{ResultsPerScan: 120})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	results := allResults(t, sim, scan.ID, "")
	testID := regexp.MustCompile(`^(CIS\.M365\.\d+\.\d+\.\d+(\.\d+)?|AE\.\d{4})$`)
	resultIDPattern := regexp.MustCompile(`^result_[0-9a-f]{24}$`)
	steps := regexp.MustCompile(`^1\. .+(\n\d+\. .+)+$`)
	repeated := 0
	for i, r := range results {
		if !testID.MatchString(r.TestID) || !resultIDPattern.MatchString(r.ID) || r.ScanID != scan.ID || r.SourceTool != "compliance" ||
			!strings.HasPrefix(r.HelpURL, "https://") || !steps.MatchString(r.RemediationSteps) || !r.Framework.Valid() || !r.Severity.Valid() {
			t.Fatalf("result %d: %+v", i, r)
		}
		if (r.Framework == api.FrameworkCis) != strings.HasPrefix(r.TestID, "CIS.M365.") {
			t.Errorf("result %d: framework %s for %s", i, r.Framework, r.TestID)
		}
		if strings.HasSuffix(r.Title, ")") {
			repeated++
		}
	}
	raw := string(call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results?limit=1", key: DemoAPIKey}).Body)
	for _, gone := range []string{"control_id", "category", "description", `"remediation"`, "reference_url"} {
		if strings.Contains(raw, gone) {
			t.Errorf("a result still has %s: %s", gone, raw)
		}
	}
	if first := results[0]; first.TestID != catalogue[0].TestID || first.Title != catalogue[0].Title {
		t.Errorf("first result %+v, want catalogue[0]", first)
	}
	if want := 120 - len(catalogue); repeated != want {
		t.Errorf("%d titles name an object, want %d", repeated, want)
	}
	if second := results[len(catalogue)]; second.TestID != catalogue[0].TestID || second.Title != catalogue[0].Title+" (user-0001)" {
		t.Errorf("second pass result %+v", second)
	}
}

// GET /scans/{id}/results/{testId} is keyed by the test ID and answers the
// first result of a repeated check (divergence 14).
func TestGetResultByTestID(t *testing.T) {
	sim, _ := newTestServer(t, Config{ResultsPerScan: 3 * len(catalogue)})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	all := allResults(t, sim, scan.ID, "")
	for _, want := range []api.Result{all[0], all[7], all[len(catalogue)-1]} {
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results/" + want.TestID, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusOK, "")
		if got := decode[api.Result](t, resp); jsonOf(t, got) != jsonOf(t, want) {
			t.Errorf("%s: %+v, want the first result with that test ID %+v", want.TestID, got, want)
		}
	}
	for _, unknown := range []string{"CIS.M365.9.9.9", "cis.m365.1.1.1", all[0].ID} {
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results/" + unknown, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusNotFound, api.ErrorCodeResultNotFound)
	}
	// A small scan does not reach the later checks.
	sim.SetResultsPerScan(5)
	small := createScan(t, sim, DemoAPIKey, "compliance")
	expectStatus(t, call(t, sim, request{method: "GET", path: "/scans/" + small.ID + "/results/" + catalogue[5].TestID, key: DemoAPIKey}),
		http.StatusNotFound, api.ErrorCodeResultNotFound)
	expectStatus(t, call(t, sim, request{method: "GET", path: "/scans/" + small.ID + "/results/" + catalogue[4].TestID, key: DemoAPIKey}),
		http.StatusOK, "")
}

func TestCatalogueIsWellFormed(t *testing.T) {
	if n := len(catalogue); n < 40 || n > 60 {
		t.Errorf("catalogue has %d checks, want 40-60", n)
	}
	seen := map[string]bool{}
	frameworks := map[api.Framework]int{}
	severities := map[api.Severity]int{}
	for _, c := range catalogue {
		if seen[c.TestID] {
			t.Errorf("duplicate test ID %s", c.TestID)
		}
		seen[c.TestID] = true
		frameworks[c.Framework]++
		severities[c.Severity]++
		if c.Title == "" || len(c.Steps) < 2 || c.Object == "" || !c.Framework.Valid() || !c.Severity.Valid() {
			t.Errorf("check %s is incomplete", c.TestID)
		}
		for _, step := range c.Steps {
			if strings.Contains(step, "\n") || !strings.HasSuffix(step, ".") {
				t.Errorf("check %s: step %q", c.TestID, step)
			}
		}
	}
	if len(frameworks) != 4 || len(severities) != 4 {
		t.Errorf("frameworks %v, severities %v: want every documented value", frameworks, severities)
	}
	// The AI Pilot page's auto-remediable examples exist.
	for _, id := range []string{"AE.1068", "AE.1102", "CIS.M365.1.1.1"} {
		if !seen[id] {
			t.Errorf("no check %s", id)
		}
	}
}
