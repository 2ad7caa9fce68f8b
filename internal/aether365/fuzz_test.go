package aether365

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// FuzzDecodeEnvelope feeds arbitrary bodies and statuses to the decoder of
// each response shape. It must never panic, and must never report success
// without real data.
func FuzzDecodeEnvelope(f *testing.F) {
	corpus := []struct {
		status int
		body   string
	}{
		{200, `{"success":true,"data":{"id":"scn_1","tenant_id":"t_demo","scan_type":"compliance","status":"in_progress","started_at":"2026-11-28T10:00:00Z","completed_at":null,"pass_count":null,"fail_count":null,"skip_count":null,"score":null}}`},
		{201, `{"success":true,"data":{"id":"scn_1","status":"completed","score":87.9,"pass_count":87,"fail_count":12,"skip_count":5,"completed_at":"2026-11-28T10:14:23Z"}}`},
		{200, `{"success":true,"data":[{"id":"res_1","scan_id":"scn_1","test_id":"CIS.M365.1.1.1","result":"failed","severity":"critical","framework":"cis"}],"meta":{"total":1,"page":1,"limit":200,"totalPages":1}}`},
		{200, `{"success":true,"data":[{"id":"res_1","test_id":"AE.1001"}],"meta":{"total":1,"page":1,"limit":50}}`},
		{200, `{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":100,"totalPages":0}}`},
		{200, `{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":20}}`},
		{200, `{"success":true,"data":[],"meta":{"total":-1,"page":1,"limit":20,"totalPages":null}}`},
		{404, `{"success":false,"error":{"code":"SCAN_NOT_FOUND","message":"Scan not found","details":{}}}`},
		{400, `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","details":{"parameter":"framework","nested":{"a":[1,2]}}}}`},
		{400, `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","details":[1]}}`},
		{429, `{"success":false,"error":{"code":"SCAN_PLAN_LIMIT_REACHED","message":"quota","details":{"ae_live_test_0123456789abcdef":"ae_live_test_0123"}}}`},
		{404, `{"success":false,"error":{"code":"NOT_FOUND","message":"x","request_id":"req_1"}}`},
		{200, `{"success":true}`},
		{200, `{"success":true,"data":null}`},
		{200, `{"success":true,"data":{}}`},
		{200, `{"success":false}`},
		{502, `<html>Bad Gateway</html>`},
		{200, ``},
		{200, `{"success":true,"data":{"id":"scn_1"`},
		{200, `{"success":true,"data":{"id":"scn_1","status":"in_progress"}} trailing`},
		{200, "\xff\xfe\x00"},
		{-1, `{"success":true,"data":{"id":"x","status":"y"}}`},
	}
	for _, s := range corpus {
		f.Add(s.status, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		info := responseInfo{method: "GET", path: "/scans/x", status: status, contentType: "application/json"}

		var scan oneScan
		meta, err := decodeEnvelope(info, body, &scan, false, newSecretMask(testAPIKey))
		checkDecodeOutcome(t, status, err)
		if err == nil {
			if scan.ID == "" || scan.Status == "" {
				t.Fatalf("success with an empty scan %+v from %q", scan, body)
			}
			if meta != nil {
				t.Fatalf("meta on a single object")
			}
		}

		var scans scanListData
		meta, err = decodeEnvelope(info, body, &scans, true, newSecretMask(testAPIKey))
		checkDecodeOutcome(t, status, err)
		if err == nil {
			if meta == nil || scans == nil {
				t.Fatalf("list success without meta or data from %q", body)
			}
			for _, s := range scans {
				if s.ID == "" {
					t.Fatalf("list success with an empty scan from %q", body)
				}
			}
		}

		var results resultsData
		meta, err = decodeEnvelope(info, body, &results, true, newSecretMask(testAPIKey))
		if err == nil && (results == nil || meta == nil) {
			t.Fatalf("results success without data or meta from %q", body)
		}
		checkDecodeOutcome(t, status, err)
		if err == nil && (meta.Total < 0 || meta.Limit < 0 || meta.Page < 0 || (meta.TotalPages != nil && *meta.TotalPages < 0) || PageCount(*meta) < 0) {
			t.Fatalf("results success with meta %+v from %q", *meta, body)
		}

		one := oneResult{wantTestID: "CIS.M365.1.1.1"}
		_, err = decodeEnvelope(info, body, &one, false, newSecretMask(testAPIKey))
		checkDecodeOutcome(t, status, err)
		if err == nil && (one.ID == "" || one.TestID != "CIS.M365.1.1.1") {
			t.Fatalf("result success with %+v from %q", one.Result, body)
		}
	})
}

// checkDecodeOutcome is what any answer may lead to, decoded alone or
// through a whole client call: success only on 2xx, otherwise a typed error
// that never holds the API key.
func checkDecodeOutcome(t *testing.T, status int, err error) {
	t.Helper()
	if err == nil {
		if status < 200 || status > 299 {
			t.Fatalf("success with HTTP %d", status)
		}
		return
	}
	var (
		apiErr    *APIError
		malformed *MalformedResponseError
	)
	switch {
	case errors.As(err, &apiErr):
		if status >= 200 && status <= 299 {
			t.Fatalf("APIError %+v with HTTP %d", apiErr, status)
		}
		if apiErr.Code == "" {
			t.Fatalf("APIError without a code")
		}
		if details := fmt.Sprint(apiErr.Details); strings.Contains(details, testAPIKey) {
			t.Fatalf("APIError details %s hold the API key", details)
		}
	case errors.As(err, &malformed):
		if len(malformed.Snippet) > maxSnippetBytes {
			t.Fatalf("snippet of %d bytes", len(malformed.Snippet))
		}
		// Only a 2xx or 5xx answer can be a lost one worth retrying.
		if malformed.transient && (status < 200 || (status > 299 && status < 500) || status > 599) {
			t.Fatalf("malformed HTTP %d counted as transient: %v", status, err)
		}
	case errors.Is(err, ErrInconsistentPages):
		// Only whole list calls get here: the pager rejected the pages.
	default:
		t.Fatalf("unexpected error type %T: %v", err, err)
	}
	if strings.Contains(err.Error(), testAPIKey) {
		t.Fatalf("error %q holds the API key", err)
	}
}

// BenchmarkDecodeResultsPage decodes one full page of results, the work
// done once per page of a listing.
func BenchmarkDecodeResultsPage(b *testing.B) {
	page := make([]Result, MaxResultPageSize)
	for i := range page {
		page[i] = Result{ID: fmt.Sprintf("res_%05d", i), ScanID: "scn_1", TestID: "CIS.M365.1.1.1", Title: "MFA for admins",
			Framework: "cis", Severity: "high", Result: "failed", RemediationSteps: strings.Repeat("r", 500),
			HelpURL: "https://www.cisecurity.org/benchmark/microsoft_365", SourceTool: "compliance"}
	}
	body, _ := json.Marshal(map[string]any{"success": true, "data": page, "meta": metaFor(MaxResultPageSize, 1, MaxResultPageSize)})
	info := responseInfo{method: "GET", path: "/scans/scn_1/results", status: 200}
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		var results resultsData
		if _, err := decodeEnvelope(info, body, &results, true, newSecretMask(testAPIKey)); err != nil || len(results) != MaxResultPageSize {
			b.Fatal(err)
		}
	}
}
