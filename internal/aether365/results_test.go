package aether365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"

	"github.com/aether365/terraform-provider-aether365/api"
)

// A check's texts, the same for every subject it was checked on, are held
// once by the listing, however many pages they came on; each ID stays its own.
func TestListResultsHoldsEachRepeatedTextOnce(t *testing.T) {
	steps := strings.Repeat("1. Sign in to the Microsoft Entra admin center.\n2. Block legacy authentication.\n", 5)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 3 {
			// Page 1 has been decoded by now: a collection here must not
			// make page 3's texts new copies.
			runtime.GC()
			runtime.GC()
		}
		items := make([]Result, 0, 200)
		for i := (page - 1) * 200; i < min(page*200, 450); i++ {
			items = append(items, Result{ID: fmt.Sprintf("res_%03d", i), ScanID: "scn_1", TestID: "CIS.M365.5.2.2.3",
				Title: "Ensure legacy authentication is blocked", Result: "failed", Severity: "critical", Framework: "cis",
				HelpURL: "https://www.cisecurity.org/benchmark/microsoft_365", RemediationSteps: steps, SourceTool: "compliance"})
		}
		writeList(w, items, metaFor(450, page, 200))
	})
	results, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 450 {
		t.Fatalf("%d results, want 450", len(results))
	}
	first, last := results[0], results[449]
	for name, pair := range map[string][2]string{
		"scan_id": {first.ScanID, last.ScanID}, "test_id": {first.TestID, last.TestID}, "title": {first.Title, last.Title},
		"result": {string(first.Result), string(last.Result)}, "severity": {string(first.Severity), string(last.Severity)},
		"framework": {string(first.Framework), string(last.Framework)}, "help_url": {first.HelpURL, last.HelpURL},
		"remediation_steps": {first.RemediationSteps, last.RemediationSteps}, "source_tool": {first.SourceTool, last.SourceTool},
	} {
		if pair[0] != pair[1] || unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
			t.Errorf("%s of pages 1 and 3: two copies of %q", name, pair[0])
		}
	}
	if first.ID == last.ID {
		t.Errorf("IDs %q and %q", first.ID, last.ID)
	}
}

// publishedResult is the reference's example result, with the full
// remediation text GET /scans/{scanId}/results/{testId} answers.
func publishedResult(testID string) Result {
	return Result{
		ID: "result_001", ScanID: "scan_abc123", TestID: testID,
		Title:  "Ensure multifactor authentication is enabled for all users in administrative roles",
		Result: api.ResultValueFailed, Severity: api.SeverityCritical, Framework: api.FrameworkCis,
		HelpURL:          "https://www.cisecurity.org/benchmark/microsoft_365",
		RemediationSteps: "1. Sign in to the Azure portal.\n2. Open Conditional Access.\n3. Require MFA for administrative roles.",
		SourceTool:       "compliance",
	}
}

// GetResult reads one result by its test ID, escaped in the path, and
// returns it whole. Fails against the old client, which had no GetResult.
func TestGetResult(t *testing.T) {
	for testID, wantPath := range map[string]string{
		"CIS.M365.1.1.1": "/scans/scan_abc123/results/CIS.M365.1.1.1",
		"AE.1001":        "/scans/scan_abc123/results/AE.1001",
		"AE.10/01 ü":     "/scans/scan_abc123/results/AE.10%2F01%20%C3%BC",
	} {
		var hits counter
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			hits.inc()
			if r.Method != http.MethodGet || r.URL.EscapedPath() != wantPath || r.URL.RawQuery != "" {
				t.Errorf("%s %s?%s, want GET %s", r.Method, r.URL.EscapedPath(), r.URL.RawQuery, wantPath)
			}
			writeData(w, http.StatusOK, publishedResult(testID))
		})
		got, err := c.GetResult(context.Background(), "scan_abc123", testID)
		if err != nil {
			t.Fatalf("%s: %v", testID, err)
		}
		if *got != publishedResult(testID) {
			t.Errorf("result = %+v, want %+v", *got, publishedResult(testID))
		}
		if hits.get() != 1 {
			t.Errorf("%d requests", hits.get())
		}
	}
}

// An unknown test ID is 404 RESULT_NOT_FOUND: ErrNotFound, asked once. Fails
// against the old client, which had no GetResult.
func TestGetResultNotFound(t *testing.T) {
	c, hits := newFailingClient(t, http.StatusNotFound, api.ErrorCodeResultNotFound, "No result for test CIS.M365.9.9.9")
	_, err := c.GetResult(context.Background(), "scn_1", "CIS.M365.9.9.9")
	var apiErr *APIError
	if !errors.Is(err, ErrNotFound) || !errors.As(err, &apiErr) || apiErr.Code != "RESULT_NOT_FOUND" {
		t.Fatalf("err = %v, want 404 RESULT_NOT_FOUND matching ErrNotFound", err)
	}
	if hits.get() != 1 {
		t.Errorf("%d requests, want 1", hits.get())
	}
}

// An answer about another check, or without a result ID, is never returned
// as the one asked for; it is malformed and not asked again. Fails against
// the old client, which had no GetResult.
func TestGetResultRejectsAnAnswerAboutAnotherTest(t *testing.T) {
	for name, tt := range map[string]struct {
		answer Result
		field  string
		want   []string
	}{
		"another test id":    {answer: publishedResult("CIS.M365.1.1.2"), field: "data.test_id", want: []string{"CIS.M365.1.1.2", "CIS.M365.1.1.1"}},
		"the test id's case": {answer: publishedResult("cis.m365.1.1.1"), field: "data.test_id", want: []string{"cis.m365.1.1.1"}},
		"no test id":         {answer: publishedResult(""), field: "data.test_id", want: []string{"another check"}},
		"no result id":       {answer: func() Result { r := publishedResult("CIS.M365.1.1.1"); r.ID = ""; return r }(), field: "data.id"},
		"data null":          {answer: Result{}},
	} {
		t.Run(name, func(t *testing.T) {
			var hits counter
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				hits.inc()
				if tt.answer == (Result{}) {
					writeData(w, http.StatusOK, nil)
					return
				}
				writeData(w, http.StatusOK, tt.answer)
			})
			got, err := c.GetResult(context.Background(), "scn_1", "CIS.M365.1.1.1")
			if got != nil {
				t.Errorf("got %+v alongside an error", got)
			}
			if tt.field == "" {
				if !errors.Is(err, ErrMalformedResponse) {
					t.Fatalf("err = %v, want a malformed response", err)
				}
			} else {
				wantMalformedField(t, err, tt.field, tt.want...)
			}
			if hits.get() != 1 {
				t.Errorf("%d requests, want 1", hits.get())
			}
		})
	}
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { t.Error("request sent") })
	for _, ids := range [][2]string{{"", "CIS.M365.1.1.1"}, {"scn_1", ""}, {"scn_1", "  "}} {
		if _, err := c.GetResult(context.Background(), ids[0], ids[1]); err == nil {
			t.Errorf("GetResult(%q, %q) accepted", ids[0], ids[1])
		}
	}
}
