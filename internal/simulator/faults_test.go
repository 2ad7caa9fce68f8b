package simulator

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/api"
)

// serveOrAbort runs the handler on a recorder and reports whether it aborted
// (a reset, which a recorder cannot hijack).
func serveOrAbort(h http.Handler, r *http.Request) (recorder *httptest.ResponseRecorder, aborted bool) {
	recorder = httptest.NewRecorder()
	defer func() {
		if recovered := recover(); recovered != nil {
			if recovered != http.ErrAbortHandler {
				panic(recovered)
			}
			aborted = true
		}
	}()
	h.ServeHTTP(recorder, r)
	return recorder, false
}

// faultPattern sends n GETs and writes one letter per answer: . fine,
// E injected 503, R reset, M malformed.
func faultPattern(t *testing.T, cfg Config, n int) string {
	t.Helper()
	sim, _ := newTestServer(t, cfg)
	var out strings.Builder
	for range n {
		r := httptest.NewRequest("GET", "/tenants/me/scans", nil)
		r.Header.Set("Authorization", "Bearer "+DemoAPIKey)
		recorder, aborted := serveOrAbort(sim, r)
		switch {
		case aborted:
			out.WriteByte('R')
		case recorder.Code == http.StatusServiceUnavailable && strings.Contains(recorder.Body.String(), "--error-rate"):
			out.WriteByte('E')
		case recorder.Code == http.StatusOK && json.Valid(recorder.Body.Bytes()) && strings.HasSuffix(recorder.Body.String(), `"success":true}`+"\n"):
			out.WriteByte('.')
		default:
			out.WriteByte('M')
		}
	}
	stats := sim.Stats()
	pattern := out.String()
	if stats.InjectedErrors != strings.Count(pattern, "E") || stats.InjectedResets != strings.Count(pattern, "R") ||
		stats.InjectedMalformed != strings.Count(pattern, "M") || stats.Requests != n {
		t.Errorf("stats %+v do not match the pattern %s", stats, pattern)
	}
	return pattern
}

func TestFaultsAreSeededAndEachRateIsItsShare(t *testing.T) {
	const n = 600
	cfg := Config{ErrorRate: 0.2, ResetRate: 0.2, MalformedRate: 0.2, Seed: 11}
	pattern := faultPattern(t, cfg, n)
	if again := faultPattern(t, cfg, n); again != pattern {
		t.Errorf("the same seed faulted different requests:\n%s\n%s", pattern, again)
	}
	for _, letter := range []string{"E", "R", "M"} {
		if got := strings.Count(pattern, letter); got < n/5-45 || got > n/5+45 {
			t.Errorf("%s: %d of %d requests, want about %d", letter, got, n, n/5)
		}
	}
	// The ErrorRate band comes first: adding the other faults does not move
	// the injected 503s of a seed.
	errorsOnly := faultPattern(t, Config{ErrorRate: 0.2, Seed: 11}, n)
	for i := range n {
		if (errorsOnly[i] == 'E') != (pattern[i] == 'E') {
			t.Fatalf("request %d: 503 with ErrorRate alone is %c, with all faults %c", i, errorsOnly[i], pattern[i])
		}
	}
	if got := faultPattern(t, Config{Seed: 11}, 50); got != strings.Repeat(".", 50) {
		t.Errorf("no rates, yet faults: %s", got)
	}
}

func TestMalformedAnswersTakeTurns(t *testing.T) {
	var log bytes.Buffer
	sim, _ := newTestServer(t, Config{Profile: ProfileAssumed, MalformedRate: 1, RequestLog: &log})
	wantKinds := []string{"malformed-html", "malformed-truncated", "malformed-empty", "malformed-error-with-200"}
	for i := range 8 {
		var r *http.Request
		if i%2 == 0 {
			r = httptest.NewRequest("POST", "/tenants/me/scans", strings.NewReader(`{"scan_type":"compliance"}`))
			r.Header.Set("Content-Type", "application/json")
		} else {
			r = httptest.NewRequest("GET", "/tenants/me/scans", nil)
		}
		r.Header.Set("Authorization", "Bearer "+DemoAPIKey)
		recorder := httptest.NewRecorder()
		sim.ServeHTTP(recorder, r)
		body := recorder.Body.Bytes()
		if cl := recorder.Header().Get("Content-Length"); cl != strconv.Itoa(len(body)) {
			t.Errorf("answer %d: Content-Length %s for %d bytes", i, cl, len(body))
		}
		if !strings.HasPrefix(recorder.Header().Get("X-Request-Id"), "req_") {
			t.Errorf("answer %d has no request id", i)
		}
		switch kind := wantKinds[i%4]; kind {
		case "malformed-html":
			if recorder.Code != http.StatusBadGateway || recorder.Header().Get("Content-Type") != "text/html" || !bytes.HasPrefix(body, []byte("<html>")) {
				t.Errorf("answer %d: %d %q %q, want a proxy's HTML 502", i, recorder.Code, recorder.Header().Get("Content-Type"), body)
			}
		case "malformed-truncated":
			if recorder.Code != http.StatusOK || json.Valid(body) || !bytes.HasPrefix(body, []byte(`{"data":`)) {
				t.Errorf("answer %d: %d %q, want the real JSON cut short with 200", i, recorder.Code, body)
			}
		case "malformed-empty":
			if recorder.Code != http.StatusOK || len(body) != 0 {
				t.Errorf("answer %d: %d %q, want an empty 200", i, recorder.Code, body)
			}
		case "malformed-error-with-200":
			var env testEnvelope
			if recorder.Code != http.StatusOK || json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success ||
				env.Error == nil || env.Error.Code != api.ErrorCodeServiceUnavailable || env.Error.Details == nil {
				t.Errorf("answer %d: %d %q, want success:false with 200", i, recorder.Code, body)
			}
		}
	}
	// The POSTs were processed: their scans exist although no answer said so.
	if got := sim.ScanCount(DemoTenant); got != 4 {
		t.Errorf("ScanCount = %d, want the 4 POSTs processed", got)
	}
	if stats := sim.Stats(); stats.InjectedMalformed != 8 || stats.InjectedResets != 0 || stats.InjectedErrors != 0 {
		t.Errorf("stats = %+v", stats)
	}
	for i, line := range strings.Split(strings.TrimSpace(log.String()), "\n") {
		// Last on the line, so a grep for `fault=KIND$` finds it.
		want := " fault=" + wantKinds[i%4]
		if !strings.HasSuffix(line, want) {
			t.Errorf("log line %d = %q, want it to end with %q", i, line, want)
		}
	}
}
