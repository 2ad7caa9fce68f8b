package simulator

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

func TestAuthentication(t *testing.T) {
	for _, profile := range profiles {
		sim, _ := newTestServer(t, Config{Profile: profile})
		for name, tc := range map[string]struct {
			header string
			code   api.ErrorCode
		}{
			"missing":       {"", api.ErrorCodeAuthMissingToken},
			"basic scheme":  {"Basic " + DemoAPIKey, api.ErrorCodeAuthInvalidToken},
			"no token":      {"Bearer", api.ErrorCodeAuthInvalidToken},
			"empty token":   {"Bearer   ", api.ErrorCodeAuthInvalidToken},
			"unknown key":   {"Bearer ae_live_unknown", api.ErrorCodeAuthInvalidToken},
			"two tokens":    {"Bearer " + DemoAPIKey + " extra", api.ErrorCodeAuthInvalidToken},
			"key alone":     {DemoAPIKey, api.ErrorCodeAuthInvalidToken},
			"case of key":   {"Bearer AE_LIVE_DEMO", api.ErrorCodeAuthInvalidToken},
			"key with junk": {"Bearer " + DemoAPIKey + "x", api.ErrorCodeAuthInvalidToken},
		} {
			headers := map[string]string{}
			if tc.header != "" {
				headers["Authorization"] = tc.header
			}
			resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans", headers: headers})
			expectStatus(t, resp, http.StatusUnauthorized, tc.code)
			if strings.Contains(string(resp.Body), "ae_live") || strings.Contains(string(resp.Body), "AE_LIVE") {
				t.Errorf("%s: the 401 echoes the key: %s", name, resp.Body)
			}
		}
		// The scheme is case-insensitive (RFC 9110).
		resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans", headers: map[string]string{"Authorization": "bearer " + DemoAPIKey}})
		expectStatus(t, resp, http.StatusOK, "")
		// Authentication comes before routing: no endpoint map for strangers.
		expectStatus(t, call(t, sim, request{method: "GET", path: "/no/such/path"}), http.StatusUnauthorized, api.ErrorCodeAuthMissingToken)
	}
}

// One account per key; another account's ID in the path is 403
// TENANT_ACCESS_DENIED, another account's scan 404 SCAN_NOT_FOUND exactly
// like a scan that does not exist (divergence 9 of published-api.md §8).
func TestAccountIsolation(t *testing.T) {
	sim, _ := newTestServer(t, multiAccountConfig())
	scanA := createScan(t, sim, keyA, "compliance")
	scanB := createScan(t, sim, keyB, "compliance")
	if scanA.TenantID != accountA || scanB.TenantID != accountB {
		t.Fatalf("me resolved to %s and %s", scanA.TenantID, scanB.TenantID)
	}
	for _, path := range []string{"/scans/" + scanA.ID, "/scans/" + scanA.ID + "/results", "/scans/" + scanA.ID + "/results/CIS.M365.1.1.1"} {
		resp := call(t, sim, request{method: "GET", path: path, key: keyB})
		expectStatus(t, resp, http.StatusNotFound, api.ErrorCodeScanNotFound)
		unknown := call(t, sim, request{method: "GET", path: strings.Replace(path, scanA.ID, "scan_000000000000000000000000", 1), key: keyB})
		if strings.ReplaceAll(resp.Env.Error.Message, scanA.ID, "X") != strings.ReplaceAll(unknown.Env.Error.Message, "scan_000000000000000000000000", "X") {
			t.Errorf("another account's scan must look exactly like a missing one: %q vs %q", resp.Env.Error.Message, unknown.Env.Error.Message)
		}
	}
	for _, req := range []request{
		{method: "GET", path: "/tenants/" + accountA + "/scans"},
		{method: "POST", path: "/tenants/" + accountA + "/scans", body: `{"scan_type":"compliance"}`},
		{method: "GET", path: "/tenants/t_nobody/scans"},
		{method: "GET", path: "/tenants/T_B/scans"},
	} {
		req.key = keyB
		expectStatus(t, call(t, sim, req), http.StatusForbidden, api.ErrorCodeTenantAccessDenied)
	}
	// The key's own account ID works like "me", as the reference's t_abc123.
	own := call(t, sim, request{method: "GET", path: "/tenants/" + accountB + "/scans", key: keyB})
	expectStatus(t, own, http.StatusOK, "")
	if scans := decode[[]api.Scan](t, own); len(scans) != 1 || scans[0].ID != scanB.ID {
		t.Errorf("account B's list = %+v", scans)
	}
	resp := call(t, sim, request{method: "POST", path: "/tenants/" + accountB + "/scans", key: keyB, body: `{"scan_type":"exposure"}`})
	expectStatus(t, resp, http.StatusCreated, "")
	if a, b := sim.ScanCount(accountA), sim.ScanCount(accountB); a != 1 || b != 2 {
		t.Errorf("ScanCount a=%d b=%d, want 1 and 2", a, b)
	}
}

func TestRoutingAnswersEnvelopes(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	unrouted := 0
	for _, tc := range []struct {
		method, path string
		status       int
		code         api.ErrorCode
		allow        string
	}{
		{"GET", "/", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/scans", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/scans/", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/scans/" + scan.ID + "/", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/scans/" + scan.ID + "/results/a/extra", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/tenants/me/scans/extra", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/tenants//scans", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/tenants/../scans", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/tenants/%2e%2e/scans", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/Scans/" + scan.ID, 404, api.ErrorCodeNotFound, ""},
		{"GET", "/v1/scans/" + scan.ID, 404, api.ErrorCodeNotFound, ""},
		{"GET", "/tenants", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/scans/a%2Fb", 404, api.ErrorCodeNotFound, ""},
		{"GET", "/scans/no-such-scan", 404, api.ErrorCodeScanNotFound, ""},
		{"DELETE", "/scans/" + scan.ID, 405, api.ErrorCodeMethodNotAllowed, "GET"},
		{"POST", "/scans/" + scan.ID, 405, api.ErrorCodeMethodNotAllowed, "GET"},
		{"HEAD", "/scans/" + scan.ID, 405, api.ErrorCodeMethodNotAllowed, "GET"},
		{"POST", "/scans/" + scan.ID + "/results", 405, api.ErrorCodeMethodNotAllowed, "GET"},
		{"PUT", "/tenants/me/scans", 405, api.ErrorCodeMethodNotAllowed, "GET, POST"},
		{"PATCH", "/tenants/t_demo/scans", 405, api.ErrorCodeMethodNotAllowed, "GET, POST"},
		{"OPTIONS", "/tenants/me/scans", 405, api.ErrorCodeMethodNotAllowed, "GET, POST"},
		{"DELETE", "/tenants/me", 405, api.ErrorCodeMethodNotAllowed, "GET, PATCH"},
		{"GET", "/tenants/me/scheduled-scans/sched_1", 405, api.ErrorCodeMethodNotAllowed, "PATCH, DELETE"},
		{"GET", "/tenants/me/connections/conn_primary/activate", 405, api.ErrorCodeMethodNotAllowed, "POST"},
		{"get", "/tenants/me/scans", 405, api.ErrorCodeMethodNotAllowed, "GET, POST"},
	} {
		resp := call(t, sim, request{method: tc.method, path: tc.path, key: DemoAPIKey})
		if tc.code == api.ErrorCodeNotFound || tc.code == api.ErrorCodeMethodNotAllowed {
			unrouted++
		}
		if resp.Status != tc.status || resp.Env.Error.Code != tc.code || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d %s Allow %q, want %d %s Allow %q", tc.method, tc.path,
				resp.Status, resp.Env.Error.Code, resp.Header.Get("Allow"), tc.status, tc.code, tc.allow)
		}
	}
	// An escaped segment is unescaped before matching.
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/%6De/scans", key: DemoAPIKey}), http.StatusOK, "")
	if stats := sim.Stats(); stats.ByRoute[StatsKeyOther] != unrouted {
		t.Errorf("ByRoute[other] = %d, want the %d unrouted requests (%v)", stats.ByRoute[StatsKeyOther], unrouted, stats.ByRoute)
	}
}

func TestRequestGuards(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	valid := `{"scan_type":"compliance"}`
	atLimit := valid + strings.Repeat(" ", maxBodyBytes-len(valid))
	expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: atLimit}), http.StatusCreated, "")
	overLimit := atLimit + " "
	expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: overLimit}),
		http.StatusRequestEntityTooLarge, api.ErrorCodePayloadTooLarge)
	for _, query := range []string{"?page=%zz", "?page=1;limit=2"} {
		resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		if !strings.HasPrefix(resp.Env.Error.Message, "the query string is malformed") {
			t.Errorf("%s: %q", query, resp.Env.Error.Message)
		}
	}
	// Parameters the operation does not have are ignored, however long.
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/scans?unknown=" + strings.Repeat("x", 5000), key: DemoAPIKey}),
		http.StatusOK, "")
}

func TestErrorRateInjectsServiceUnavailable(t *testing.T) {
	for _, profile := range profiles {
		sim, _ := newTestServer(t, Config{Profile: profile, ErrorRate: 1})
		for _, req := range []request{
			{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey},
			{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type":"compliance"}`},
			{method: "GET", path: "/nowhere"}, // before auth and routing
		} {
			resp := call(t, sim, req)
			expectStatus(t, resp, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable)
			// No Retry-After is published; the assumed profile sends 1.
			want := map[string]string{ProfilePublished: "", ProfileAssumed: "1"}[profile]
			if got := resp.Header.Get("Retry-After"); got != want {
				t.Errorf("%s: 503 Retry-After = %q, want %q", profile, got, want)
			}
		}
		if stats := sim.Stats(); stats.InjectedErrors != 3 || stats.ScansCreated != 0 {
			t.Errorf("stats = %+v", stats)
		}
	}

	// A fraction: seeded, so the same seed fails the same requests.
	pattern := func(seed int64) string {
		sim, _ := newTestServer(t, Config{ErrorRate: 0.5, Seed: seed})
		var out strings.Builder
		for range 64 {
			if call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey}).Status == 503 {
				out.WriteByte('x')
			} else {
				out.WriteByte('.')
			}
		}
		return out.String()
	}
	first := pattern(3)
	if first != pattern(3) {
		t.Error("the same seed injected errors into different requests")
	}
	if failures := strings.Count(first, "x"); failures < 16 || failures > 48 {
		t.Errorf("ErrorRate 0.5 failed %d of 64 requests: %s", failures, first)
	}
}

// The request rate limit is the assumed profile's (the published API
// documents none; its only 429 is the scan quota).
func TestRateLimitPerKey(t *testing.T) {
	cfg := multiAccountConfig()
	cfg.Profile, cfg.RateLimit = ProfileAssumed, 2
	sim, fake := newTestServer(t, cfg)
	get := func(key string) response {
		return call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: key})
	}
	expectStatus(t, get(keyA), http.StatusOK, "")
	expectStatus(t, get(keyA), http.StatusOK, "")
	limited := get(keyA)
	expectStatus(t, limited, http.StatusTooManyRequests, api.ErrorCodeRateLimited)
	if limited.Header.Get("Retry-After") != "1" {
		t.Errorf("429 Retry-After = %q, want 1", limited.Header.Get("Retry-After"))
	}
	expectStatus(t, get(keyB), http.StatusOK, "")
	fake.Advance(500 * time.Millisecond)
	expectStatus(t, get(keyA), http.StatusOK, "")
	expectStatus(t, get(keyA), http.StatusTooManyRequests, api.ErrorCodeRateLimited)
	if stats := sim.Stats(); stats.RateLimited != 2 {
		t.Errorf("RateLimited = %d, want 2", stats.RateLimited)
	}

	slow, _ := newTestServer(t, Config{Profile: ProfileAssumed, RateLimit: 0.25}) // burst 1, one token per 4 s
	expectStatus(t, call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey}), http.StatusOK, "")
	resp := call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusTooManyRequests, api.ErrorCodeRateLimited)
	if resp.Header.Get("Retry-After") != "4" {
		t.Errorf("Retry-After = %q, want 4", resp.Header.Get("Retry-After"))
	}
	// Unknown keys share one bucket, and are limited before they are rejected.
	expectStatus(t, call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: "ae_live_guess1"}), http.StatusUnauthorized, api.ErrorCodeAuthInvalidToken)
	expectStatus(t, call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: "ae_live_guess2"}), http.StatusTooManyRequests, api.ErrorCodeRateLimited)
}

func TestLatencyIsApplied(t *testing.T) {
	const latency = 40 * time.Millisecond
	sim, _ := newTestServer(t, Config{Latency: latency})
	started := time.Now()
	call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	if elapsed := time.Since(started); elapsed < latency {
		t.Errorf("request took %s, want at least %s", elapsed, latency)
	}

	// A caller that gives up is not kept waiting.
	slow, _ := newTestServer(t, Config{Latency: time.Hour})
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, "GET", "/tenants/me/scans", nil)
	r.Header.Set("Authorization", "Bearer "+DemoAPIKey)
	recorder := httptest.NewRecorder()
	started = time.Now()
	slow.ServeHTTP(recorder, r)
	if elapsed := time.Since(started); elapsed > 5*time.Second {
		t.Errorf("a cancelled request waited %s", elapsed)
	}
}

func TestRequestLogNeverHoldsTheKey(t *testing.T) {
	var log bytes.Buffer
	sim, _ := newTestServer(t, Config{RequestLog: &log})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results?result=Failed&token=" + DemoAPIKey, key: DemoAPIKey})
	call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: "ae_live_wrong"})

	lines := logLines(t, log.String())
	if len(lines) != 3 {
		t.Fatalf("%d log lines, want 3:\n%s", len(lines), log.String())
	}
	for i, want := range []string{"POST /tenants/me/scans 201", "GET /scans/" + scan.ID + "/results 200", "GET /tenants/me/scans 401"} {
		if got := lines[i][logKeyMethod] + " " + lines[i][logKeyPath] + " " + lines[i][logKeyStatus]; got != want {
			t.Errorf("line %d = %v, want %q", i, lines[i], want)
		}
	}
	if strings.Contains(log.String(), "ae_live") || strings.Contains(log.String(), "Bearer") || strings.Contains(log.String(), "token=") {
		t.Errorf("the log holds a secret or a query:\n%s", log.String())
	}
}

// Request IDs are the assumed profile's (divergence 16); the published
// profile sends none.
func TestRequestIDsAreUniqueInTheAssumedProfile(t *testing.T) {
	sim, _ := newTestServer(t, Config{Profile: ProfileAssumed})
	seen := map[string]bool{}
	for range 50 {
		id := call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey}).Header.Get("X-Request-Id")
		if seen[id] {
			t.Fatalf("request id %s repeated", id)
		}
		seen[id] = true
	}
}

// The Date header is HTTP's, stamped from the simulator's clock.
func TestDateComesFromTheClock(t *testing.T) {
	sim, fake := newTestServer(t, Config{})
	fake.Advance(90 * time.Minute)
	resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	if got, want := resp.Header.Get("Date"), fake.Now().Format(http.TimeFormat); got != want {
		t.Errorf("Date = %q, want %q", got, want)
	}
}

// panicOnceClock makes the simulator fail inside a handler once, to exercise
// the last-resort recover and check that no lock stays held after it.
type panicOnceClock struct {
	clock.Real
	armed    atomic.Bool
	panicked atomic.Bool
}

func (c *panicOnceClock) Now() time.Time {
	if c.armed.Load() && c.panicked.CompareAndSwap(false, true) {
		panic("clock exploded")
	}
	return c.Real.Now()
}

func TestPanicsBecomeInternalErrorEnvelopes(t *testing.T) {
	for _, req := range []request{
		{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey},
		{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type":"compliance"}`},
	} {
		clk := &panicOnceClock{}
		sim, err := New(Config{Clock: clk})
		if err != nil {
			t.Fatal(err)
		}
		clk.armed.Store(true)
		expectStatus(t, call(t, sim, req), http.StatusInternalServerError, api.ErrorCodeInternalError)
		done := make(chan response, 1)
		go func() { done <- call(t, sim, req) }()
		select {
		case resp := <-done:
			if resp.Status >= 300 {
				t.Errorf("%s after a panic: %d %s", req.method, resp.Status, resp.Body)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("%s after a panic hangs: a lock was left held", req.method)
		}
	}
}

func TestConcurrentUseIsRaceFree(t *testing.T) {
	cfg := multiAccountConfig()
	cfg.ScanDuration, cfg.ResultsPerScan = time.Second, 300
	sim, fake := newTestServer(t, cfg)
	var wg sync.WaitGroup
	var created atomic.Int64
	for worker := range 8 {
		wg.Go(func() {
			key := []string{keyA, keyB, keyMSP}[worker%3]
			for range 10 {
				resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: key, body: `{"scan_type":"compliance"}`})
				fake.Advance(200 * time.Millisecond)
				if resp.Status == http.StatusCreated {
					created.Add(1)
					scan := decode[api.Scan](t, resp)
					getScan(t, sim, key, scan.ID)
					call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results?severity=high", key: key})
				} else {
					expectStatus(t, resp, http.StatusConflict, api.ErrorCodeScanAlreadyRunning)
				}
				call(t, sim, request{method: "GET", path: "/tenants/me/scans?status=completed", key: key})
				call(t, sim, request{method: "PATCH", path: "/tenants/me/notifications", key: key, body: `{"emailOnFail":false}`})
				sim.Stats()
				sim.ScanCount(accountA)
			}
			sim.SetScore(90)
			sim.SetResultsPerScan(100)
		})
	}
	wg.Wait()
	if got := sim.Stats().ScansCreated; int64(got) != created.Load() || got == 0 {
		t.Errorf("ScansCreated = %d, %d POSTs answered 201", got, created.Load())
	}
}
