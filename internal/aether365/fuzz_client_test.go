package aether365

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// fixedAnswer is a RoundTripper that answers every request with the same
// status, content type and body, without a network.
type fixedAnswer struct {
	status      int
	contentType string
	body        []byte
}

func (f fixedAnswer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		_ = req.Body.Close()
	}
	header := http.Header{}
	if f.contentType != "" {
		header.Set("Content-Type", f.contentType)
	}
	header.Set("Content-Length", strconv.Itoa(len(f.body)))
	return &http.Response{
		Status:        strconv.Itoa(f.status) + " " + http.StatusText(f.status),
		StatusCode:    f.status,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        header,
		Body:          io.NopCloser(bytes.NewReader(f.body)),
		ContentLength: int64(len(f.body)),
		Request:       req,
	}, nil
}

// FuzzClientResponses drives the client's whole decoding path (retry loop,
// body cap, envelope, scan and result decoding, pagination checks) with an
// arbitrary answer to every request. It must never panic, never return data
// that is not plausible, and every error must be typed: an *APIError, a
// *MalformedResponseError, or an inconsistent-pagination error.
func FuzzClientResponses(f *testing.F) {
	scan := `{"id":"scn_1","tenant_id":"t_demo","scan_type":"compliance","status":"completed","started_at":"2026-11-28T10:00:00Z",` +
		`"completed_at":"2026-11-28T10:14:23Z","pass_count":87,"fail_count":12,"skip_count":5,"score":87.9}`
	running := `{"id":"scn_1","tenant_id":"t_demo","scan_type":"compliance","status":"in_progress","started_at":"2026-11-28T10:00:00Z",` +
		`"completed_at":null,"pass_count":null,"fail_count":null,"skip_count":null,"score":null}`
	result := `{"id":"res_1","scan_id":"scn_1","test_id":"CIS.M365.1.1.1","title":"MFA","result":"failed","severity":"high",` +
		`"framework":"cis","help_url":"https://example.com","remediation_steps":"1. Do\n2. Check","source_tool":"compliance"}`
	for _, entry := range []struct {
		status      uint16
		contentType string
		body        string
	}{
		{200, "application/json", `{"success":true,"data":` + scan + `}`},
		{201, "application/json; charset=utf-8", `{"success":true,"data":` + running + `}`},
		{201, "application/json", `{"success":true,"data":null}`},
		{200, "application/json", `{"success":true,"data":` + result + `}`},
		{200, "application/json", `{"success":true,"data":[` + scan + `],"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`},
		{200, "application/json", `{"success":true,"data":[` + running + `],"meta":{"total":1,"page":1,"limit":20}}`},
		{200, "application/json", `{"success":true,"data":[` + result + `],"meta":{"total":1,"page":1,"limit":200}}`},
		{200, "application/json", `{"success":true,"data":[` + result + `],"meta":{"total":3,"page":1,"limit":1,"totalPages":3}}`},
		{200, "application/json", `{"success":true,"data":[` + result + `],"meta":{"total":3,"page":1,"limit":1}}`},
		{200, "application/json", `{"success":true,"data":[` + result + `],"meta":{"total":1,"page":1,"limit":0}}`},
		{200, "application/json", `{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":100,"totalPages":0}}`},
		{200, "application/json", `{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":50}}`},
		{200, "application/json", `{"success":true,"data":[{"id":""}],"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`},
		{200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"in_progress","score":1e400}}`},
		{200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"in_progress","started_at":"yesterday"}}`},
		{404, "application/json", `{"success":false,"error":{"code":"SCAN_NOT_FOUND","message":"Scan not found","details":{}}}`},
		{404, "application/json", `{"success":false,"error":{"code":"RESULT_NOT_FOUND","message":"No such test","details":{"testId":"X"}}}`},
		{400, "application/json", `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","details":{"parameter":"framework"}}}`},
		{400, "application/json", `{"success":false,"error":{"code":"VALIDATION_ERROR","message":"bad","details":"not an object"}}`},
		{409, "application/json", `{"success":false,"error":{"code":"SCAN_ALREADY_RUNNING","message":"running","details":{}}}`},
		{409, "application/json", `{"success":false,"error":{"code":"SCAN_NOT_COMPLETED","message":"running","details":{}}}`},
		{429, "application/json", `{"success":false,"error":{"code":"SCAN_PLAN_LIMIT_REACHED","message":"quota","details":{}}}`},
		{200, "application/json", `{"success":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"upstream","details":{}}}`},
		{502, "text/html", `<html><body>Bad Gateway</body></html>`},
		{200, "application/json", ``},
		{200, "application/json", `{"success":true,"data":{"id":"scn_1",`},
		{302, "", ``},
		{204, "", ``},
	} {
		f.Add(entry.status, entry.contentType, []byte(entry.body))
	}
	f.Fuzz(func(t *testing.T, status uint16, contentType string, body []byte) {
		code := 100 + int(status)%500
		c, err := New(Config{
			BaseURL:      "http://127.0.0.1:1",
			APIKey:       testAPIKey,
			MaxRetries:   new(1),
			RetryWaitMin: time.Microsecond,
			RetryWaitMax: time.Microsecond,
			HTTPClient:   &http.Client{Transport: fixedAnswer{status: code, contentType: contentType, body: body}},
			Clock:        simtest.NewClock(),
		})
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.Background()

		scan, err := c.GetScan(ctx, "scn_1")
		checkDecodeOutcome(t, code, err)
		if err == nil && (scan == nil || scan.ID == "" || scan.Status == "") {
			t.Fatalf("GetScan succeeded with %+v from %d %q", scan, code, body)
		}

		started, err := c.StartScan(ctx, StartScanRequest{ScanType: "compliance"})
		checkDecodeOutcome(t, code, err)
		if err == nil && (started == nil || started.ID == "" || started.Status == "") {
			t.Fatalf("StartScan succeeded with %+v", started)
		}

		adopted, err := c.StartOrAdoptScan(ctx, StartScanRequest{ScanType: "compliance"}, StartOptions{})
		checkDecodeOutcome(t, code, err)
		if err == nil && (adopted.Scan == nil || adopted.Scan.ID == "") {
			t.Fatalf("StartOrAdoptScan succeeded with %+v", adopted)
		}

		result, err := c.GetResult(ctx, "scn_1", "CIS.M365.1.1.1")
		checkDecodeOutcome(t, code, err)
		if err == nil && (result == nil || result.ID == "" || result.TestID != "CIS.M365.1.1.1") {
			t.Fatalf("GetResult succeeded with %+v", result)
		}

		scans, err := c.ListScans(ctx, "", ListScansOptions{})
		checkDecodeOutcome(t, code, err)
		for _, s := range scans {
			if s.ID == "" || s.Status == "" {
				t.Fatalf("ListScans returned %+v", s)
			}
		}

		results, meta, err := c.ListResults(ctx, "scn_1", ListResultsOptions{Result: "failed", Framework: "cis"})
		checkDecodeOutcome(t, code, err)
		if err == nil {
			if results == nil || len(results) != meta.Total {
				t.Fatalf("ListResults returned %d results for a total of %d", len(results), meta.Total)
			}
			for _, r := range results {
				if r.ID == "" || !strings.EqualFold(string(r.Result), "failed") || !strings.EqualFold(string(r.Framework), "cis") {
					t.Fatalf("ListResults returned %+v for result=failed&framework=cis", r)
				}
			}
		}
	})
}
