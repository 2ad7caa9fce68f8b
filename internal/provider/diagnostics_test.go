package provider

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/diag"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// apiDiagnostic is the one diagnostic addAPIError builds for err.
func apiDiagnostic(t *testing.T, err error) (summary, detail string) {
	t.Helper()
	var diags diag.Diagnostics
	addAPIError(&diags, "Reading Aether365 Scan scan_x", err)
	if len(diags) != 1 || diags.ErrorsCount() != 1 {
		t.Fatalf("want exactly one error diagnostic, got %v", diags)
	}
	return diags[0].Summary(), diags[0].Detail()
}

func assertContains(t *testing.T, what, text string, wants ...string) {
	t.Helper()
	for _, want := range wants {
		if !strings.Contains(text, want) {
			t.Errorf("%s does not contain %q:\n%s", what, want, text)
		}
	}
}

func assertLacks(t *testing.T, what, text string, unwanted ...string) {
	t.Helper()
	for _, u := range unwanted {
		if strings.Contains(strings.ToLower(text), strings.ToLower(u)) {
			t.Errorf("%s contains %q:\n%s", what, u, text)
		}
	}
}

// A base URL where nothing listens: the diagnostic names it, says nothing
// answered and to check base_url, and asks for no request ID, since no
// request reached Aether365.
func TestAPIErrorDiagnostic_unreachable(t *testing.T) {
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	baseURL := "http://" + listener.Addr().String()
	if err := listener.Close(); err != nil {
		t.Fatal(err)
	}
	client, err := aether365.New(aether365.Config{BaseURL: baseURL, APIKey: testAPIKey, MaxRetries: new(0)})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = client.GetScan(ctx, "scan_x")
	if !errors.Is(err, aether365.ErrUnreachable) {
		t.Fatalf("want ErrUnreachable from a closed port, got %v", err)
	}

	summary, detail := apiDiagnostic(t, err)
	if summary != "Aether365 API Not Reachable" {
		t.Errorf("summary = %q", summary)
	}
	assertContains(t, "detail", detail, baseURL, "Nothing answered", "Check base_url")
	assertLacks(t, "detail", detail, "request ID", "TF_LOG")
}

// A per-attempt timeout names the per-request bound and does not tell the
// user to raise a timeout: the caller's own timeout did not run out.
func TestAPIErrorDiagnostic_attemptTimeout(t *testing.T) {
	err := fmt.Errorf("%w (after 2 attempt(s); the server keeps hanging)",
		&aether365.AttemptTimeoutError{Method: "GET", Path: "/scans/scan_x", Timeout: 45 * time.Second})

	summary, detail := apiDiagnostic(t, err)
	if summary != "Per-Request Timeout Reading Aether365 Scan scan_x" {
		t.Errorf("summary = %q", summary)
	}
	assertContains(t, "detail", detail, "per-request bound of 45s", "base_url")
	advice := apiErrorAdvice(err)
	assertLacks(t, "advice", advice, "raise", "timeouts", "timeout {")

	// A wait that gives up on it carries the same advice.
	var diags diag.Diagnostics
	addWaitError(&diags, waitFailure{scanID: "scan_x", lastStatus: "running", timeout: time.Hour, timeoutName: "create"}, err)
	assertContains(t, "wait detail", diags[0].Detail(), "per-request bound of 45s")
	assertLacks(t, "wait detail", diags[0].Detail(), "raise it")
}

// A read over the read limit says to narrow the query or raise max_read_mib.
func TestAPIErrorDiagnostic_readLimit(t *testing.T) {
	err := &aether365.ReadLimitError{Method: "GET", Path: "/scans/scan_x/results", Limit: 8 << 20, Read: 9 << 20}

	summary, detail := apiDiagnostic(t, err)
	if summary != "Read Limit Exceeded Reading Aether365 Scan scan_x" {
		t.Errorf("summary = %q", summary)
	}
	advice := apiErrorAdvice(err)
	assertContains(t, "advice", advice, "max_read_mib, 8 MiB now", "Narrow the query", "max_results", "raise max_read_mib",
		envMaxReadMiB)
	assertContains(t, "detail", detail, advice)
}

// An answer in the API's format with one wrong field names that field and
// what was expected instead of claiming it was not the API at all; without
// a field the old advice about proxies stands.
func TestAPIErrorDiagnostic_malformedField(t *testing.T) {
	err := fmt.Errorf("%w (after 1 attempt(s))", &aether365.MalformedResponseError{
		StatusCode: 200, ContentType: "application/json", Method: "GET", Path: "/scans/scan_x",
		RequestID: "req_123", Field: "data.score", Err: errors.New(`field "data.score" is 150, want a score from 0 to 100`),
	})

	_, detail := apiDiagnostic(t, err)
	advice := apiErrorAdvice(err)
	assertContains(t, "advice", advice, "field data.score", "is 150, want a score from 0 to 100", "request ID req_123")
	assertLacks(t, "advice", advice, "did not look like the Aether365 API")
	assertContains(t, "detail", detail, advice)

	withoutField := &aether365.MalformedResponseError{StatusCode: 200, ContentType: "text/html", Method: "GET",
		Path: "/scans/scan_x", Snippet: "<html>", Err: errors.New("not JSON")}
	assertContains(t, "advice without a field", apiErrorAdvice(withoutField), "did not look like the Aether365 API")
	noRequestID := *withoutField
	noRequestID.Field, noRequestID.Err = "data.id", errors.New(`field "data.id" is "scan_y", but scan "scan_x" was asked for`)
	assertLacks(t, "advice without a request ID", apiErrorAdvice(&noRequestID), "request ID")
}

// A data source has no timeouts block: the advice for an operation that ran
// out of time must not tell the user to raise one.
func TestDeadlineAdviceNamesNoTimeoutToRaise(t *testing.T) {
	advice := apiErrorAdvice(fmt.Errorf("aether365: GET /scans: %w", context.DeadlineExceeded))
	if strings.Contains(strings.ToLower(advice), "timeout") {
		t.Errorf("advice names a timeout a data source does not have: %s", advice)
	}
	if !strings.Contains(advice, "base_url") {
		t.Errorf("advice does not say what to check: %s", advice)
	}
}

// An error that carries no answer (a TLS failure, a redirect loop) asks for
// no request ID: before, every such error was told to "report the request
// ID shown below", and none was shown.
func TestAPIErrorDiagnostic_noAnswerAsksForNoRequestID(t *testing.T) {
	_, detail := apiDiagnostic(t, errors.New("aether365: GET /scans/scan_x: x509: certificate signed by unknown authority"))
	assertLacks(t, "detail", detail, "request ID")
	assertContains(t, "detail", detail, "check base_url")

	_, detail = apiDiagnostic(t, &aether365.APIError{StatusCode: 418, Code: "SOMETHING_NEW", RequestID: "req_123",
		Method: "GET", Path: "/scans/scan_x"})
	assertContains(t, "detail", detail, "request ID req_123")
}
