package simulator

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
	"github.com/aether365/terraform-provider-aether365/internal/syncbuffer"
)

func nan() float64 {
	zero := 0.0
	return zero / zero
}

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
		case recorder.Code == http.StatusOK && json.Valid(recorder.Body.Bytes()) && strings.Contains(recorder.Body.String(), `"success":true`):
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
	sim, _ := newTestServer(t, Config{MalformedRate: 1, RequestLog: &log})
	wantKinds := []string{"malformed-html", "malformed-truncated", "malformed-empty", "malformed-error-with-200"}
	for i := range 8 {
		var r *http.Request
		if i%2 == 0 {
			r = httptest.NewRequest("POST", "/tenants/me/scans", strings.NewReader(`{"scan_type":"compliance"}`))
		} else {
			r = httptest.NewRequest("GET", "/tenants/me/scans", nil)
		}
		r.Header.Set("Authorization", "Bearer "+DemoAPIKey)
		recorder := httptest.NewRecorder()
		sim.ServeHTTP(recorder, r)
		body := recorder.Body.Bytes()
		if cl := recorder.Header().Get("Content-Length"); cl != fmt.Sprint(len(body)) {
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
			if recorder.Code != http.StatusOK || json.Valid(body) || !bytes.HasPrefix(body, []byte(`{"success":true,"data":`)) {
				t.Errorf("answer %d: %d %q, want the real JSON cut short with 200", i, recorder.Code, body)
			}
		case "malformed-empty":
			if recorder.Code != http.StatusOK || len(body) != 0 {
				t.Errorf("answer %d: %d %q, want an empty 200", i, recorder.Code, body)
			}
		case "malformed-error-with-200":
			var env testEnvelope
			if recorder.Code != http.StatusOK || json.Unmarshal(body, &env) != nil || env.Success == nil || *env.Success ||
				env.Error == nil || env.Error.Code != apicode.ServiceUnavailable {
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

// A reset really resets: the client gets no answer while the POST took
// effect, and retrying with the same Idempotency-Key replays the scan.
func TestResetAfterProcessingAndIdempotentRetry(t *testing.T) {
	var log syncbuffer.Buffer
	sim, _ := newTestServer(t, Config{ResetRate: 0.5, Seed: 4, RequestLog: &log})
	server := serveHTTP(t, sim)
	// No keep-alive: each attempt on its own connection, so Go's transport
	// never replays a request on its own and every reset reaches us.
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}

	resets, replays := 0, 0
	for run := range 12 {
		key := fmt.Sprintf("run-%d", run)
		var created []byte
		attempts := 0
		for created == nil {
			attempts++
			if attempts > 30 {
				t.Fatalf("%s: no answer in 30 attempts", key)
			}
			resp, body, err := postScan(client, server.URL, key)
			if err != nil {
				if !errors.Is(err, syscall.ECONNRESET) && !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) {
					t.Fatalf("%s: a reset surfaced as %v", key, err)
				}
				resets++
				continue
			}
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("%s: %d %s", key, resp.StatusCode, body)
			}
			if replayed := resp.Header.Get("Idempotent-Replayed") == "true"; replayed != (attempts > 1) {
				t.Errorf("%s: attempt %d answered with Idempotent-Replayed %v", key, attempts, replayed)
			} else if replayed {
				replays++
			}
			created = body
		}
	}
	if resets == 0 || replays == 0 {
		t.Fatalf("seed 4 gave %d resets and %d replays; pick a seed that exercises both", resets, replays)
	}
	if got := sim.ScanCount(DemoTenant); got != 12 {
		t.Errorf("ScanCount = %d, want exactly one scan per Idempotency-Key (12)", got)
	}
	stats := sim.Stats()
	if stats.InjectedResets != resets || stats.ScansCreated != 12 {
		t.Errorf("stats = %+v, want %d resets and 12 scans", stats, resets)
	}
	resetLines := 0
	for _, line := range logLines(t, log.String()) {
		if line[logKeyFault] == logFaultReset {
			resetLines++
			// The status is the answer that was processed and then dropped.
			if line[logKeyMethod] != "POST" || line[logKeyPath] != "/tenants/me/scans" || line[logKeyStatus] != "201" {
				t.Errorf("reset log line %v", line)
			}
		}
	}
	if resetLines != resets {
		t.Errorf("%d reset lines in the log, want %d", resetLines, resets)
	}
}

// Every fault at once, from many goroutines: each caller that retries with
// its own Idempotency-Key ends with exactly one scan.
func TestFaultsUnderConcurrencyKeepExactlyOnce(t *testing.T) {
	sim, _ := newTestServer(t, Config{ErrorRate: 0.2, ResetRate: 0.2, MalformedRate: 0.2, Seed: 9})
	server := serveHTTP(t, sim)
	client := server.Client()

	const workers, perWorker = 8, 10
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		scanIDs  = map[string]bool{}
		failures []string
	)
	for worker := range workers {
		wg.Go(func() {
			for i := range perWorker {
				key := fmt.Sprintf("w%d-%d", worker, i)
				id, err := postUntilAnswered(client, server.URL, key)
				mu.Lock()
				if err != nil {
					failures = append(failures, err.Error())
				} else {
					scanIDs[id] = true
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(failures) > 0 {
		t.Fatalf("%d callers failed, first: %s", len(failures), failures[0])
	}
	if len(scanIDs) != workers*perWorker || sim.ScanCount(DemoTenant) != workers*perWorker {
		t.Errorf("%d distinct scans answered, %d held; want %d of each", len(scanIDs), sim.ScanCount(DemoTenant), workers*perWorker)
	}
	for _, id := range sim.ScanIDs(DemoTenant) {
		if !scanIDs[id] {
			t.Errorf("scan %s exists but no caller learned of it", id)
		}
	}
	stats := sim.Stats()
	if stats.InjectedErrors == 0 || stats.InjectedResets == 0 || stats.InjectedMalformed == 0 {
		t.Errorf("not every fault was injected: %+v", stats)
	}
}

// postUntilAnswered retries a POST with one Idempotency-Key until it gets a
// well-formed 201, as the client does.
func postUntilAnswered(client *http.Client, baseURL, key string) (string, error) {
	for range 50 {
		resp, body, err := postScan(client, baseURL, key)
		if err != nil || resp.StatusCode != http.StatusCreated {
			continue
		}
		var env struct {
			Success bool     `json:"success"`
			Data    scanView `json:"data"`
		}
		if json.Unmarshal(body, &env) != nil || !env.Success || env.Data.ID == "" {
			continue
		}
		return env.Data.ID, nil
	}
	return "", fmt.Errorf("%s: no well-formed answer in 50 attempts", key)
}

// postScan posts a compliance scan for the demo key with an Idempotency-Key
// over real HTTP and reads the whole answer.
func postScan(client *http.Client, baseURL, idempotencyKey string) (*http.Response, []byte, error) {
	req, err := http.NewRequest("POST", baseURL+"/tenants/me/scans", strings.NewReader(`{"scan_type":"compliance"}`))
	if err != nil {
		return nil, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+DemoAPIKey)
	req.Header.Set("Idempotency-Key", idempotencyKey)
	resp, err := client.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp, body, err
}
