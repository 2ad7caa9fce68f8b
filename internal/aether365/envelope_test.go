package aether365

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

func TestAPIErrorFields(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusNotFound, api.ErrorCodeScanNotFound, "Scan not found")
	})
	_, err := c.GetScan(context.Background(), "x")
	var apiErr *APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %#v, want *APIError", err)
	}
	want := APIError{StatusCode: 404, Code: "SCAN_NOT_FOUND", Message: "Scan not found", RequestID: "req_0123abcd", Method: "GET", Path: "/scans/x"}
	if !reflect.DeepEqual(*apiErr, want) {
		t.Errorf("APIError = %+v, want %+v (the published \"details\": {} is no detail)", *apiErr, want)
	}
	if got := err.Error(); got != "aether365: GET /scans/x: 404 SCAN_NOT_FOUND: Scan not found (request req_0123abcd)" {
		t.Errorf("Error() = %q", got)
	}
	if !errors.Is(err, ErrNotFound) || errors.Is(err, ErrForbidden) {
		t.Errorf("errors.Is mapping wrong for %v", err)
	}
}

func TestAPIErrorPrefersTheBodysRequestID(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusForbidden, map[string]any{"success": false, "error": map[string]any{
			"code": api.ErrorCodeTenantAccessDenied, "message": "Tenant not visible", "details": map[string]any{}, "request_id": "req_body",
		}})
	})
	_, err := c.ListScans(context.Background(), "other", ListScansOptions{})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.RequestID != "req_body" || !errors.Is(err, ErrForbidden) {
		t.Errorf("err = %#v", err)
	}
}

// The published error envelope carries error.details; the client shows
// them in APIError.Details and in its message (sorted, compact), and masks
// the API key in them, keys and values, as in every other text from the
// network. Fails against the old client, which neither read nor showed
// details.
func TestAPIErrorShowsTheMaskedDetails(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		auth := r.Header.Get("Authorization")
		writeAPIErrorDetails(w, http.StatusBadRequest, api.ErrorCodeValidationError, "Invalid query parameter", map[string]any{
			"parameter": "framework",
			"allowed":   []string{"cis", "eidsca", "cisa", "nis2"},
			"echo":      auth,
			auth:        "as a key",
			"nested":    map[string]any{"header": strings.TrimPrefix(auth, "Bearer ")},
		})
	})
	_, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{Framework: "iso"})
	var apiErr *APIError
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrValidation) {
		t.Fatalf("err = %#v, want a validation APIError", err)
	}
	msg := err.Error()
	for _, want := range []string{`(details: {"Bearer ***":"as a key",`, `"allowed":["cis","eidsca","cisa","nis2"]`, `"parameter":"framework"`,
		`"echo":"Bearer ***"`, `"nested":{"header":"***"}`} {
		if !strings.Contains(msg, want) {
			t.Errorf("Error() = %q, want it to hold %s", msg, want)
		}
	}
	if leak := keyPrefixLeak(msg, testAPIKey); leak != "" {
		t.Errorf("Error() shows %q of the key: %s", leak, msg)
	}
	if apiErr.Details["parameter"] != "framework" {
		t.Errorf("Details = %v, want parameter framework", apiErr.Details)
	}
	if shown := fmt.Sprint(apiErr.Details); keyPrefixLeak(shown, testAPIKey) != "" {
		t.Errorf("Details hold the key: %s", shown)
	}
	// The key written as JSON escapes inside a text of the details (the
	// decoded text is "\u0061\u0065..."): found in the decoded text, as
	// in Message. Failed before maskDetails masked decoded texts.
	escaped := allUnicodeEscapes(testAPIKey)
	c, _ = newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeAPIErrorDetails(w, http.StatusForbidden, api.ErrorCodeAuthInsufficientScope, "Missing entitlement",
			map[string]any{"token": escaped, escaped: []any{escaped, 1}})
	})
	_, err = c.GetScan(context.Background(), "scn_1")
	if !errors.As(err, &apiErr) || !errors.Is(err, ErrInsufficientScope) {
		t.Fatalf("err = %v", err)
	}
	for _, out := range []string{err.Error(), fmt.Sprint(apiErr.Details), apiErr.DetailsText()} {
		if leak := keyPrefixLeak(out, testAPIKey); leak != "" {
			t.Errorf("%q of the key survives in %s", leak, out)
		}
	}
	if apiErr.Details["token"] != "***" {
		t.Errorf("Details = %v, want the token masked", apiErr.Details)
	}

	// Details of nothing are left out of the message altogether.
	empty := APIError{StatusCode: 400, Code: "VALIDATION_ERROR", Method: "GET", Path: "/x", Details: map[string]any{}}
	if got := empty.Error(); strings.Contains(got, "details") {
		t.Errorf("Error() with empty details = %q", got)
	}
}

// apiErrorCase is an error answer of the API and the sentinels it matches
// (none: no sentinel).
type apiErrorCase struct {
	status int
	code   api.ErrorCode
	want   []error
}

// permanentAPIErrors are the error answers the client never asks again
// after: the reference's codes (§4), ours for what it leaves out, and
// unknown ones.
var permanentAPIErrors = []apiErrorCase{
	{401, api.ErrorCodeAuthMissingToken, []error{ErrUnauthorized}},
	{401, api.ErrorCodeAuthInvalidToken, []error{ErrUnauthorized}},
	{401, api.ErrorCodeAuthExpiredToken, []error{ErrUnauthorized}},
	{403, api.ErrorCodeAuthInsufficientScope, []error{ErrInsufficientScope, ErrForbidden}},
	{403, api.ErrorCodeTenantAccessDenied, []error{ErrForbidden}},
	{403, api.ErrorCodePlanScheduleReadOnly, []error{ErrForbidden}},
	{404, api.ErrorCodeTenantNotFound, []error{ErrNotFound}},
	{404, api.ErrorCodeScanNotFound, []error{ErrNotFound}},
	{404, api.ErrorCodeConnectionNotFound, []error{ErrNotFound}},
	{404, api.ErrorCodeResultNotFound, []error{ErrNotFound}},
	{404, api.ErrorCodeScheduledScanNotFound, []error{ErrNotFound}},
	{404, api.ErrorCodeNotFound, []error{ErrNotFound}},
	{400, api.ErrorCodeTenantNotConnected, []error{ErrTenantNotConnected}},
	{400, api.ErrorCodeValidationError, []error{ErrValidation}},
	{413, api.ErrorCodePayloadTooLarge, []error{ErrValidation}},
	{409, api.ErrorCodeScanAlreadyRunning, []error{ErrScanAlreadyRunning}},
	{409, api.ErrorCodeScanNotCompleted, []error{ErrConflict}},
	{409, api.ErrorCodeCannotRemoveLastConnection, []error{ErrConflict}},
	{429, api.ErrorCodeScanPlanLimitReached, []error{ErrScanQuotaReached}},
	{405, api.ErrorCodeMethodNotAllowed, nil},
	{500, api.ErrorCodeInternalError, []error{ErrServiceUnavailable}},
	// The code wins over the status...
	{500, api.ErrorCodeScanAlreadyRunning, []error{ErrScanAlreadyRunning}},
	{400, api.ErrorCodeAuthInsufficientScope, []error{ErrInsufficientScope, ErrForbidden}},
	// ...and the status decides for codes without a meaning of their own,
	// and for codes this client does not know.
	{404, "TENANT_GONE", []error{ErrNotFound}},
	{400, "BAD_FILTER", []error{ErrValidation}},
	{401, "AUTH_REVOKED_KEY", []error{ErrUnauthorized}},
	{403, "AUTH_PLAN_REQUIRED", []error{ErrForbidden}},
	{409, "SCAN_LOCKED", []error{ErrConflict}},
	{422, "UNPROCESSABLE", []error{ErrConflict}},
	{501, "NOT_IMPLEMENTED", []error{ErrServiceUnavailable}},
	{418, "TEAPOT", nil},
}

// temporaryAPIErrors are the error answers the client retries.
var temporaryAPIErrors = []apiErrorCase{
	{503, api.ErrorCodeServiceUnavailable, []error{ErrServiceUnavailable}},
	{429, api.ErrorCodeRateLimited, []error{ErrRateLimited}},
	{429, "TOO_MANY_REQUESTS", []error{ErrRateLimited}},
	{502, "BAD_GATEWAY", []error{ErrServiceUnavailable}},
	{504, "GATEWAY_TIMEOUT", []error{ErrServiceUnavailable}},
}

// allSentinels are the sentinels an *APIError can match.
var allSentinels = []error{ErrNotFound, ErrUnauthorized, ErrForbidden, ErrInsufficientScope, ErrValidation, ErrTenantNotConnected,
	ErrRateLimited, ErrScanQuotaReached, ErrScanAlreadyRunning, ErrConflict, ErrServiceUnavailable}

// Every documented code matches its own sentinels and no other: a 400
// TENANT_NOT_CONNECTED is not a wrong argument, a 403 AUTH_INSUFFICIENT_SCOPE
// is a missing entitlement rather than another tenant, 409
// SCAN_ALREADY_RUNNING is not a generic conflict and 429
// SCAN_PLAN_LIMIT_REACHED is a quota, not a rate limit, and is final. Fails
// against the old client, which mapped them all by status (and had no
// ErrTenantNotConnected, ErrInsufficientScope, ErrScanAlreadyRunning or
// ErrScanQuotaReached).
func TestAPIErrorIs(t *testing.T) {
	for temporary, cases := range map[bool][]apiErrorCase{false: permanentAPIErrors, true: temporaryAPIErrors} {
		for _, tt := range cases {
			err := error(&APIError{StatusCode: tt.status, Code: string(tt.code)})
			for _, s := range allSentinels {
				if got, want := errors.Is(err, s), slices.Contains(tt.want, s); got != want {
					t.Errorf("%d %s: errors.Is(%v) = %t, want %t", tt.status, tt.code, s, got, want)
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

// The same mapping through the client, for a GET and for the scan's
// trigger: each documented answer is one request and arrives as its
// sentinel. Fails against the old client (no such sentinels; the trigger
// had another signature).
func TestDocumentedErrorAnswersReachTheCaller(t *testing.T) {
	for _, tt := range permanentAPIErrors {
		if !tt.code.Valid() {
			continue
		}
		t.Run(fmt.Sprint(tt.status, " ", tt.code), func(t *testing.T) {
			c, hits := newFailingClient(t, tt.status, tt.code, "no")
			_, getErr := c.GetScan(context.Background(), "scn_1")
			_, postErr := c.StartScan(context.Background(), StartScanRequest{ScanType: "compliance"})
			for _, err := range []error{getErr, postErr} {
				var apiErr *APIError
				if !errors.As(err, &apiErr) || apiErr.Code != string(tt.code) || apiErr.StatusCode != tt.status {
					t.Fatalf("err = %v, want the APIError %d %s", err, tt.status, tt.code)
				}
				for _, s := range tt.want {
					if !errors.Is(err, s) {
						t.Errorf("err %v does not match %v", err, s)
					}
				}
			}
			if n := hits.get(); n != 2 {
				t.Errorf("%d requests for one GET and one POST, want 2", n)
			}
		})
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
	{name: "success true with an error status", status: 500, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"in_progress"}}`},
	{name: "no success field", status: 200, contentType: "application/json", body: `{"data":{"id":"scn_1","status":"in_progress"}}`},
	{name: "success not a boolean", status: 200, contentType: "application/json", body: `{"success":"yes","data":{"id":"scn_1","status":"in_progress"}}`},
	{name: "error status without envelope", status: 500, contentType: "text/plain", body: "Internal Server Error", wantSnippet: "Internal Server Error"},
	{name: "error envelope without code", status: 404, contentType: "application/json", body: `{"success":false,"error":{"message":"gone"}}`},
	{name: "array where an object belongs", status: 200, contentType: "application/json", body: `{"success":true,"data":[{"id":"scn_1","status":"in_progress"}]}`},
	{name: "object where a list belongs", status: 200, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"in_progress"},"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`, list: true},
	{name: "list without meta", status: 200, contentType: "application/json", body: `{"success":true,"data":[]}`, list: true},
	{name: "scan without id", status: 200, contentType: "application/json", body: `{"success":true,"data":{"status":"in_progress"}}`},
	{name: "null list item", status: 200, contentType: "application/json", body: `{"success":true,"data":[null],"meta":{"total":1,"page":1,"limit":100,"totalPages":1}}`, list: true},
	{name: "wrong field type", status: 200, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"in_progress","score":"high"}}`},
	{name: "trailing garbage", status: 200, contentType: "application/json", body: `{"success":true,"data":{"id":"scn_1","status":"in_progress"}}<html>`},
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
	apiErr := APIError{StatusCode: 500, Code: "INTERNAL_ERROR", Method: "GET", Path: "/scans/x"}
	if got, want := apiErr.Error(), "aether365: GET /scans/x: 500 INTERNAL_ERROR"; got != want {
		t.Errorf("Error() without message and request ID = %q, want %q", got, want)
	}
}

func TestOversizedBody(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"success":true,"data":{"id":"scn_1","status":"in_progress","pad":"`+strings.Repeat("x", 4096)+`"}}`)
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
	meta, err := decodeEnvelope(info, []byte(`{"success":true,"data":{"id":"scan_abc123","tenant_id":"t_abc123","scan_type":"compliance",
		"status":"completed","started_at":"2026-04-09T00:00:00Z","completed_at":"2026-04-09T00:14:23Z",
		"pass_count":87,"fail_count":12,"skip_count":5,"score":87.9,"future_field":true}}`), &scan, false, secretMask{})
	if err != nil || meta != nil {
		t.Fatalf("meta %v, err %v", meta, err)
	}
	if scan.ID != "scan_abc123" || scan.TenantID != "t_abc123" || scan.ScanType != api.ScanTypeCompliance || scan.Status != api.ScanStatusCompleted ||
		*scan.Score != 87.9 || *scan.PassCount != 87 || *scan.FailCount != 12 || *scan.SkipCount != 5 ||
		scan.CompletedAt == nil || scan.CompletedAt.Sub(scan.StartedAt) != 14*time.Minute+23*time.Second {
		t.Errorf("scan = %+v", scan)
	}

	// A running scan: completed_at, score and counts null.
	scan = oneScan{}
	if _, err := decodeEnvelope(info, []byte(`{"success":true,"data":{"id":"scan_1","tenant_id":"t_1","scan_type":"exposure",
		"status":"in_progress","started_at":"2026-04-09T00:00:00Z","completed_at":null,"pass_count":null,"fail_count":null,
		"skip_count":null,"score":null}}`), &scan, false, secretMask{}); err != nil {
		t.Fatal(err)
	}
	if scan.Status != api.ScanStatusInProgress || scan.CompletedAt != nil || scan.Score != nil || scan.PassCount != nil || IsTerminal(&scan.Scan) {
		t.Errorf("running scan = %+v", scan)
	}

	var results resultsData
	info.path = "/scans/scn_1/results"
	meta, err = decodeEnvelope(info, []byte(`{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":50}}`), &results, true, secretMask{})
	if err != nil || meta == nil || meta.Limit != 50 || meta.TotalPages != nil || results == nil || len(results) != 0 {
		t.Errorf("results %v meta %v err %v", results, meta, err)
	}
	meta, err = decodeEnvelope(info, []byte(`{"success":true,"data":[{"id":"result_001","scan_id":"scan_abc123","test_id":"CIS.M365.1.1.1",
		"title":"Ensure MFA","result":"failed","severity":"critical","framework":"cis","help_url":"https://www.cisecurity.org/benchmark/microsoft_365",
		"remediation_steps":"1. Sign in\n2. Enable MFA","source_tool":"compliance"}],"meta":{"total":12,"page":1,"limit":50,"totalPages":1}}`), &results, true, secretMask{})
	if err != nil || meta == nil || meta.TotalPages == nil || *meta.TotalPages != 1 || len(results) != 1 {
		t.Fatalf("results %v meta %v err %v", results, meta, err)
	}
	want := Result{ID: "result_001", ScanID: "scan_abc123", TestID: "CIS.M365.1.1.1", Title: "Ensure MFA", Result: api.ResultValueFailed,
		Severity: api.SeverityCritical, Framework: api.FrameworkCis, HelpURL: "https://www.cisecurity.org/benchmark/microsoft_365",
		RemediationSteps: "1. Sign in\n2. Enable MFA", SourceTool: "compliance"}
	if results[0] != want {
		t.Errorf("result = %+v, want %+v", results[0], want)
	}
}
