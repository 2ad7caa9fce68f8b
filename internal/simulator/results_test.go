package simulator

import (
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

func TestResultsPagination(t *testing.T) {
	sim, _ := newTestServer(t, Config{}) // 150 results
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	base := "/scans/" + scan.ID + "/results"

	for _, tc := range []struct {
		query     string
		wantLen   int
		wantMeta  pageMeta
		wantFirst int // position of the first result on the page
	}{
		{"", 20, pageMeta{Total: 150, Page: 1, Limit: 20, TotalPages: 8}, 0},
		{"?page=8", 10, pageMeta{Total: 150, Page: 8, Limit: 20, TotalPages: 8}, 140},
		{"?page=9", 0, pageMeta{Total: 150, Page: 9, Limit: 20, TotalPages: 8}, -1},
		{"?page=2&limit=50", 50, pageMeta{Total: 150, Page: 2, Limit: 50, TotalPages: 3}, 50},
		{"?limit=100", 100, pageMeta{Total: 150, Page: 1, Limit: 100, TotalPages: 2}, 0},
		{"?limit=1&page=150", 1, pageMeta{Total: 150, Page: 150, Limit: 1, TotalPages: 150}, 149},
		{"?limit=150", 0, pageMeta{}, -2},
		{"?page=9223372036854775807&limit=100", 0, pageMeta{Total: 150, Page: 9223372036854775807, Limit: 100, TotalPages: 2}, -1},
	} {
		resp := call(t, sim, request{method: "GET", path: base + tc.query, key: DemoAPIKey})
		if tc.wantFirst == -2 {
			expectStatus(t, resp, http.StatusBadRequest, apicode.Validation)
			continue
		}
		expectStatus(t, resp, http.StatusOK, "")
		results := decode[[]resultView](t, resp)
		if len(results) != tc.wantLen || *resp.Env.Meta != tc.wantMeta {
			t.Errorf("%s: %d results, meta %+v; want %d, %+v", tc.query, len(results), *resp.Env.Meta, tc.wantLen, tc.wantMeta)
		}
		if tc.wantFirst == -1 && !strings.Contains(string(resp.Body), `"data":[]`) {
			t.Errorf("%s: a page past the end must be data: [], got %s", tc.query, resp.Body)
		}
		if tc.wantFirst >= 0 {
			generated := sim.scans[scan.ID].results()
			if want := generated.view(0, 0, tc.wantFirst); results[0] != want {
				t.Errorf("%s: first result %+v, want position %d %+v", tc.query, results[0], tc.wantFirst, want)
			}
		}
	}

	for _, query := range []string{
		"?limit=0", "?limit=101", "?limit=abc", "?limit=-1", "?limit=1.5", "?limit=", "?page=", "?page=0", "?page=-1", "?page=abc",
		"?page=99999999999999999999", "?limit=10&limit=20", "?page=1&page=1",
	} {
		resp := call(t, sim, request{method: "GET", path: base + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusBadRequest, apicode.Validation)
		if name := strings.TrimPrefix(strings.SplitN(query, "=", 2)[0], "?"); !strings.Contains(resp.Env.Error.Message, name) {
			t.Errorf("%s: message %q does not name %s", query, resp.Env.Error.Message, name)
		}
	}

	// The same edges apply to the scan list.
	for query, status := range map[string]int{"?limit=0": 400, "?limit=101": 400, "?page=0": 400, "?page=5": 200} {
		expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey}), status, "")
	}
}

func TestResultFilters(t *testing.T) {
	t.Parallel()
	sim, _ := newTestServer(t, Config{ResultsPerScan: 600, Score: ptr(70.0)})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	all := allResults(t, sim, scan.ID, "")

	count := func(result, severity string) int {
		n := 0
		for _, r := range all {
			if (result == "" || r.Result == result) && (severity == "" || r.Severity == severity) {
				n++
			}
		}
		return n
	}
	for _, tc := range []struct{ query, result, severity string }{
		{"&result=Failed&severity=Critical", "Failed", "Critical"}, // the seed's spelling
		{"&result=failed&severity=CRITICAL", "Failed", "Critical"},
		{"&result=wArNiNg", "Warning", ""},
		{"&severity=informational", "", "Informational"},
		{"&result=Skipped", "Skipped", ""},
		{"&result=Error", "Error", ""},
		{"&result=Passed&severity=Low", "Passed", "Low"},
		{"&result=&severity=", "", ""},
	} {
		got := allResults(t, sim, scan.ID, tc.query)
		if len(got) != count(tc.result, tc.severity) {
			t.Errorf("%s: %d results, want %d", tc.query, len(got), count(tc.result, tc.severity))
		}
		for _, r := range got {
			if (tc.result != "" && r.Result != tc.result) || (tc.severity != "" && r.Severity != tc.severity) {
				t.Fatalf("%s returned %+v", tc.query, r)
			}
		}
	}
	if count("Failed", "Critical") == 0 {
		t.Error("a 70% scan of 600 results has no critical failure: the seed's example would print nothing")
	}

	for query, valid := range map[string][]string{"?result=Fail": resultValues, "?severity=Severe": severityValues} {
		resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results" + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusBadRequest, apicode.Validation)
		for _, value := range valid {
			if !strings.Contains(resp.Env.Error.Message, value) {
				t.Errorf("%s: message %q does not name %s", query, resp.Env.Error.Message, value)
			}
		}
	}

	// A filter nothing matches: total 0, totalPages 0.
	perfect, _ := newTestServer(t, Config{Score: ptr(100.0)})
	clean := createScan(t, perfect, DemoAPIKey, "compliance")
	resp := call(t, perfect, request{method: "GET", path: "/scans/" + clean.ID + "/results?result=Failed", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusOK, "")
	if *resp.Env.Meta != (pageMeta{Total: 0, Page: 1, Limit: 20, TotalPages: 0}) || !strings.Contains(string(resp.Body), `"data":[]`) {
		t.Errorf("empty match: %s", resp.Body)
	}
}

func TestResultsLookLikeMicrosoft365Controls(t *testing.T) {
	sim, _ := newTestServer(t, Config{ResultsPerScan: 120})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	results := allResults(t, sim, scan.ID, "")
	controlID := regexp.MustCompile(`^(AAD|EXO|SPO|TMS|MDO|PUR)-\d{3}$`)
	resultIDPattern := regexp.MustCompile(`^res_[0-9a-f]{24}$`)
	repeated := 0
	for i, r := range results {
		if !controlID.MatchString(r.ControlID) || !resultIDPattern.MatchString(r.ID) ||
			!strings.HasPrefix(r.ReferenceURL, "https://learn.microsoft.com/") || r.Description == "" || r.Remediation == "" {
			t.Fatalf("result %d: %+v", i, r)
		}
		if strings.HasSuffix(r.Title, ")") {
			repeated++
		}
	}
	// 120 results over a ~50-control catalogue: the first pass is about the
	// tenant, later passes name the simulated object in the title.
	if first := results[0]; first.ControlID != catalogue[0].ID || first.Title != catalogue[0].Title {
		t.Errorf("first result %+v, want catalogue[0]", first)
	}
	if want := 120 - len(catalogue); repeated != want {
		t.Errorf("%d titles name an object, want %d", repeated, want)
	}
	if second := results[len(catalogue)]; second.ControlID != catalogue[0].ID || second.Title != catalogue[0].Title+" (user-0001)" {
		t.Errorf("second pass result %+v", second)
	}
}
