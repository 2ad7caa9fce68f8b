package aether365

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"
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
	scan := `{"id":"scn_1","tenant_id":"demo","scan_type":"compliance","status":"completed","score":87.5,"created_at":"2026-11-28T10:00:00Z","summary":{"total":1,"failed_by_severity":{}}}`
	result := `{"id":"res_1","control_id":"AAD-001","title":"MFA","category":"Identity","severity":"High","result":"Failed"}`
	for _, entry := range []struct {
		status      uint16
		contentType string
		body        string
	}{
		{200, "application/json", `{"success":true,"data":` + scan + `}`},
		{201, "application/json; charset=utf-8", `{"success":true,"data":` + scan + `}`},
		{200, "application/json", `{"success":true,"data":[` + scan + `],"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`},
		{200, "application/json", `{"success":true,"data":[` + result + `],"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`},
		{200, "application/json", `{"success":true,"data":[` + result + `],"meta":{"total":3,"page":1,"limit":1,"totalPages":3}}`},
		{200, "application/json", `{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":100,"totalPages":0}}`},
		{200, "application/json", `{"success":true,"data":[{"id":""}],"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`},
		{200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"running","score":1e400}}`},
		{200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"running","created_at":"yesterday"}}`},
		{404, "application/json", `{"success":false,"error":{"code":"NOT_FOUND","message":"Scan not found","request_id":"req_1"}}`},
		{409, "application/json", `{"success":false,"error":{"code":"SCAN_NOT_COMPLETED","message":"running"}}`},
		{200, "application/json", `{"success":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"upstream"}}`},
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

		started, err := c.StartScan(ctx, "", "compliance", "fuzz-key")
		checkDecodeOutcome(t, code, err)
		if err == nil && (started == nil || started.ID == "") {
			t.Fatalf("StartScan succeeded with %+v", started)
		}

		scans, err := c.ListScans(ctx, "", ListScansOptions{})
		checkDecodeOutcome(t, code, err)
		for _, s := range scans {
			if s.ID == "" || s.Status == "" {
				t.Fatalf("ListScans returned %+v", s)
			}
		}

		results, meta, err := c.ListResults(ctx, "scn_1", ListResultsOptions{Result: "Failed"})
		checkDecodeOutcome(t, code, err)
		if err == nil {
			if results == nil || len(results) != meta.Total {
				t.Fatalf("ListResults returned %d results for a total of %d", len(results), meta.Total)
			}
			for _, r := range results {
				if r.ID == "" {
					t.Fatalf("ListResults returned a result without an id")
				}
			}
		}
	})
}
