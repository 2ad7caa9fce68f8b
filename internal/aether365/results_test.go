package aether365

import (
	"context"
	"fmt"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"unsafe"
)

// A control's text, the same for every subject it was checked on, is held
// once by the listing, however many pages it came on; each ID stays its own.
func TestListResultsHoldsEachRepeatedTextOnce(t *testing.T) {
	description := strings.Repeat("Legacy protocols cannot enforce MFA. ", 5)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		if page == 3 {
			// Page 1 has been decoded by now: a collection here must not
			// make page 3's texts new copies.
			runtime.GC()
			runtime.GC()
		}
		items := make([]Result, 0, 100)
		for i := (page - 1) * 100; i < min(page*100, 250); i++ {
			items = append(items, Result{ID: fmt.Sprintf("res_%03d", i), ControlID: "AAD-002", Title: "Legacy authentication is blocked",
				Category: "Identity", Severity: "Critical", Result: "Failed", Description: description,
				Remediation: "Block legacy authentication.", ReferenceURL: "https://learn.microsoft.com/x"})
		}
		writeList(w, items, PageMeta{Total: 250, Page: page, Limit: 100, TotalPages: 3})
	})
	results, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != 250 {
		t.Fatalf("%d results, want 250", len(results))
	}
	first, last := results[0], results[249]
	for name, pair := range map[string][2]string{
		"control_id": {first.ControlID, last.ControlID}, "title": {first.Title, last.Title},
		"category": {first.Category, last.Category}, "severity": {first.Severity, last.Severity},
		"result": {first.Result, last.Result}, "description": {first.Description, last.Description},
		"remediation": {first.Remediation, last.Remediation}, "reference_url": {first.ReferenceURL, last.ReferenceURL},
	} {
		if pair[0] != pair[1] || unsafe.StringData(pair[0]) != unsafe.StringData(pair[1]) {
			t.Errorf("%s of pages 1 and 3: two copies of %q", name, pair[0])
		}
	}
	if first.ID == last.ID {
		t.Errorf("IDs %q and %q", first.ID, last.ID)
	}
}
