package aether365

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

func TestAPIErrorFields(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, apicode.NotFound, "Scan not found")
	})
	_, err := c.GetScan(context.Background(), "x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %#v, want *APIError", err)
	}
	want := APIError{StatusCode: 404, Code: apicode.NotFound, Message: "Scan not found", RequestID: "req_0123abcd", Method: "GET", Path: "/scans/x"}
	if *apiErr != want {
		t.Errorf("APIError = %+v, want %+v", *apiErr, want)
	}
	if got := err.Error(); got != "aether365: GET /scans/x: 404 NOT_FOUND: Scan not found (request req_0123abcd)" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		t.Errorf("errors.Is mapping wrong for %v", err)
	}
}

func TestAPIErrorPrefersTheBodysRequestID(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]any{"success": false, "error": map[string]any{
			"code": apicode.Forbidden, "message": "Tenant not visible", "request_id": "req_body",
		}})
	})
	_, err := c.ListScans(context.Background(), "other", ListScansOptions{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RequestID != "req_body" || !errors.Is(err, ErrForbidden) {
		t.Errorf("err = %#v", err)
	}
}

// apiErrorCase is an error answer of the API and the sentinel it matches
// (nil: none).
type apiErrorCase struct {
	status int
	code   string
	want   error
}

// permanentAPIErrors are the error answers the client never asks again
// after.
var permanentAPIErrors = []apiErrorCase{
	{400, apicode.Validation, ErrValidation},
	{413, apicode.PayloadTooLarge, ErrValidation},
	{401, apicode.Unauthorized, ErrUnauthorized},
	{403, apicode.Forbidden, ErrForbidden},
	{404, apicode.NotFound, ErrNotFound},
	{405, apicode.MethodNotAllowed, nil},
	{409, apicode.ScanNotCompleted, ErrConflict},
	{422, apicode.IdempotencyKeyReused, ErrConflict},
	{500, apicode.Internal, ErrServiceUnavailable},
	// The code wins over the status...
	{500, apicode.NotFound, ErrNotFound},
	// ...and the status decides for codes this client does not know.
	{404, "TENANT_GONE", ErrNotFound},
	{400, "BAD_FILTER", ErrValidation},
	{501, "NOT_IMPLEMENTED", ErrServiceUnavailable},
	{418, "TEAPOT", nil},
}

// temporaryAPIErrors are the error answers the client retries.
var temporaryAPIErrors = []apiErrorCase{
	{429, apicode.RateLimited, ErrRateLimited},
	{503, apicode.ServiceUnavailable, ErrServiceUnavailable},
	{502, "BAD_GATEWAY", ErrServiceUnavailable},
}

func TestAPIErrorIs(t *testing.T) {
	sentinels := []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrValidation, ErrRateLimited, ErrConflict, ErrServiceUnavailable}
	for temporary, cases := range map[bool][]apiErrorCase{false: permanentAPIErrors, true: temporaryAPIErrors} {
		for _, tt := range cases {
			err := error(&APIError{StatusCode: tt.status, Code: tt.code})
			for _, s := range sentinels {
				if got := errors.Is(err, s); got != (s == tt.want) {
					t.Errorf("%d %s: errors.Is(%v) = %t", tt.status, tt.code, s, got)
				}
			}
			if errors.Is(err, ErrMalformedResponse) {
				t.Errorf("%d %s matches ErrMalformedResponse", tt.status, tt.code)
			}
			if got := classify(err) == failureTemporary; got != temporary {
				t.Errorf("%d %s: temporary = %t, want %t", tt.status, tt.code, got, temporary)
			}
		}
	}
}

// malformedCase is one broken answer: the status, type and body the server
// sends, whether a list or a single scan is asked for, and what of the body
// the error must quote.
type malformedCase struct {
	name        string
	status      int
	contentType string
	body        string
	list        bool
	wantSnippet string
}

var malformedCases = []malformedCase{
	{name: "HTML from a proxy", status: 502, contentType: "text/html", body: "<html><body><h1>502 Bad Gateway</h1></body></html>", wantSnippet: "<html><body><h1>502 Bad Gateway"},
	{name: "HTML with 200", status: 200, contentType: "text/html", body: "<!DOCTYPE html><title>Login</title>", wantSnippet: "<!DOCTYPE html>"},
	{name: "truncated JSON", status: 200, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"run`, wantSnippet: `{"success":true`},
	{name: "empty body", status: 200, contentType: "application/json", body: ""},
	{name: "whitespace body", status: 200, contentType: "application/json", body: " \n"},
	{name: "success false with 200", status: 200, contentType: "application/json", body: `{"success":false,"error":{"code":"NOT_FOUND","message":"x"}}`, wantSnippet: `"success":false`},
	{name: "success true without data", status: 200, contentType: "application/json", body: `{"success":true}`},
	{name: "success true with null data", status: 200, contentType: "application/json", body: `{"success":true,"data":null}`},
	{name: "success true with an error status", status: 500, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"running"}}`},
	{name: "no success field", status: 200, contentType: "application/json", body: `{"data":{"id":"scn_1","status":"running"}}`},
	{name: "success not a boolean", status: 200, contentType: "application/json", body: `{"success":"yes","data":{"id":"scn_1","status":"running"}}`},
	{name: "error status without envelope", status: 500, contentType: "text/plain", body: "Internal Server Error", wantSnippet: "Internal Server Error"},
	{name: "error envelope without code", status: 404, contentType: "application/json", body: `{"success":false,"error":{"message":"gone"}}`},
	{name: "array where an object belongs", status: 200, contentType: "application/json", body: `{"success":true,"data":[{"id":"scn_1","status":"running"}]}`},
	{name: "object where a list belongs", status: 200, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"running"},"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`, list: true},
	{name: "list without meta", status: 200, contentType: "application/json", body: `{"success":true,"data":[]}`, list: true},
	{name: "scan without id", status: 200, contentType: "application/json", body: `{"success":true,"data":{"status":"running"}}`},
	{name: "null list item", status: 200, contentType: "application/json", body: `{"success":true,"data":[null],"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`, list: true},
	{name: "wrong field type", status: 200, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"running","score":"high"}}`},
	{name: "trailing garbage", status: 200, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"running"}}<html>`},
	{name: "bare JSON array", status: 200, contentType: "application/json", body: `[1,2,3]`},
	{name: "binary", status: 200, contentType: "application/octet-stream", body: "\x00\x01\xff\xfe", wantSnippet: "??"},
}

func TestMalformedResponses(t *testing.T) {
	for _, tt := range malformedCases {
		t.Run(tt.name, func(t *testing.T) {
			var hits counter
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				hits.inc()
				w.Header().Set("Content-Type", tt.contentType)
				w.WriteHeader(tt.status)
				_, _ = io.WriteString(w, tt.body)
			}, func(cfg *Config) { cfg.MaxRetries = new(0) })
			var err error
			if tt.list {
				_, err = c.ListScans(context.Background(), "", ListScansOptions{})
			} else {
				var scan *Scan
				scan, err = c.GetScan(context.Background(), "scn_1")
				if scan != nil {
					t.Errorf("got scan %+v alongside an error", scan)
				}
			}
			checkMalformedError(t, tt, err)
		})
	}
}

// checkMalformedError checks that err reports tt's answer as malformed:
// typed, quoting the body, matching no API sentinel.
func checkMalformedError(t *testing.T, tt malformedCase, err error) {
	t.Helper()
	var malformed *MalformedResponseError
	if !errors.As(err, &malformed) {
		t.Fatalf("err = %#v, want *MalformedResponseError", err)
	}
	if !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("errors.Is(ErrMalformedResponse) is false")
	}
	if malformed.StatusCode != tt.status || malformed.ContentType != tt.contentType || malformed.Method != "GET" || malformed.Path == "" {
		t.Errorf("fields = %+v", malformed)
	}
	msg := err.Error()
	for _, want := range []string{"malformed response", "HTTP " + strconv.Itoa(tt.status), tt.contentType, tt.wantSnippet} {
		if !strings.Contains(msg, want) {
			t.Errorf("message %q lacks %q", msg, want)
		}
	}
	if strings.TrimSpace(tt.body) == "" && !strings.Contains(msg, "empty") {
		t.Errorf("message %q does not say the body is empty", msg)
	}
	if len(malformed.Snippet) > maxSnippetBytes {
		t.Errorf("snippet is %d bytes", len(malformed.Snippet))
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, ErrServiceUnavailable) {
		t.Errorf("a malformed response matches an API sentinel")
	}
	// One classification for retries and waits: a complete envelope
	// of the wrong shape is the same answer the next time.
	if got, want := classify(err) == failureTemporary, malformed.transient; got != want {
		t.Errorf("classify says temporary=%v for a malformed response marked transient=%v", got, want)
	}
}

// The message's optional parts (request ID, cause, body) each show only
// when there is something to show.
func TestMalformedResponseErrorMessage(t *testing.T) {
	for _, tt := range []struct {
		err  MalformedResponseError
		want string
	}{
		{
			MalformedResponseError{StatusCode: 502, ContentType: "text/html", Snippet: "<html>", Method: "GET", Path: "/scans/x", RequestID: "req_1", Err: errors.New("not JSON")},
			`aether365: GET /scans/x: malformed response (HTTP 502, content type "text/html", request req_1): not JSON; body starts with: <html>`,
		},
		{
			MalformedResponseError{StatusCode: 200, ContentType: "application/json", Method: "POST", Path: "/tenants/me/scans"},
			`aether365: POST /tenants/me/scans: malformed response (HTTP 200, content type "application/json"); body is empty`,
		},
	} {
		if got := tt.err.Error(); got != tt.want {
			t.Errorf("Error() = %q\nwant      %q", got, tt.want)
		}
	}
	apiErr := APIError{StatusCode: 500, Code: apicode.Internal, Method: "GET", Path: "/scans/x"}
	if got, want := apiErr.Error(), "aether365: GET /scans/x: 500 INTERNAL_ERROR"; got != want {
		t.Errorf("Error() without message and request ID = %q, want %q", got, want)
	}
}

func TestOversizedBody(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":true,"data":{"id":"scn_1","status":"running","pad":"`+strings.Repeat("x", 4096)+`"}}`)
	})
	c.maxBodyBytes = 1024
	_, err := c.GetScan(context.Background(), "scn_1")
	var malformed *MalformedResponseError
	if !errors.As(err, &malformed) || !strings.Contains(err.Error(), "1024-byte limit") {
		t.Fatalf("err = %v", err)
	}
	if !strings.HasPrefix(malformed.Snippet, `{"success":true`) || len(malformed.Snippet) > maxSnippetBytes {
		t.Errorf("snippet = %q", malformed.Snippet)
	}
	if hits.get() != 1 {
		t.Errorf("an oversized body was retried: %d requests", hits.get())
	}

	// The default cap is generous but real.
	c2, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {})
	if c2.maxBodyBytes != 16<<20 {
		t.Errorf("default cap = %d", c2.maxBodyBytes)
	}
}

func TestSnippet(t *testing.T) {
	long := strings.Repeat("a", 500)
	if got := snippet([]byte(long), secretMask{}); len(got) != maxSnippetBytes {
		t.Errorf("len = %d", len(got))
	}
	if got := snippet([]byte("a\x00b\nc\xffd"), secretMask{}); got != "a?b c?d" {
		t.Errorf("snippet = %q", got)
	}
	// A key straddling the cut is masked, not half-shown.
	body := strings.Repeat("x", maxSnippetBytes-5) + testAPIKey + "tail"
	if got := snippet([]byte(body), newSecretMask(testAPIKey)); strings.Contains(got, testAPIKey[:5]) {
		t.Errorf("snippet %q shows part of the key", got)
	}
	if got := snippet([]byte(`{"echo":"Bearer `+testAPIKey+`"}`), newSecretMask(testAPIKey)); strings.Contains(got, testAPIKey) || !strings.Contains(got, "***") {
		t.Errorf("snippet %q", got)
	}
	if got := snippet([]byte("héllo wörld"), secretMask{}); got != "héllo wörld" {
		t.Errorf("snippet = %q", got)
	}
}

func TestDecodeValidResponses(t *testing.T) {
	info := responseInfo{method: "GET", path: "/scans/scn_1", status: 200, contentType: "application/json"}
	var scan oneScan
	meta, err := decodeEnvelope(info, []byte(`{"success":true,"data":{"id":"scn_1","status":"completed","score":87.5,
		"created_at":"2026-11-28T10:00:00Z","summary":{"total":3,"passed":2,"failed":1,"failed_by_severity":{"critical":1}},
		"future_field":true}}`), &scan, false, secretMask{})
	if err != nil || meta != nil {
		t.Fatalf("meta %v, err %v", meta, err)
	}
	if scan.ID != "scn_1" || *scan.Score != 87.5 || scan.Summary.FailedBySeverity.Critical != 1 {
		t.Errorf("scan = %+v", scan)
	}

	var results resultsData
	info.path = "/scans/scn_1/results"
	meta, err = decodeEnvelope(info, []byte(`{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":100,"totalPages":0}}`), &results, true, secretMask{})
	if err != nil || meta == nil || meta.Limit != 100 || results == nil || len(results) != 0 {
		t.Errorf("results %v meta %v err %v", results, meta, err)
	}
}
