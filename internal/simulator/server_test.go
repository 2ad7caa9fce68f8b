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

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"error rate above 1":      {ErrorRate: 1.5},
		"negative error rate":     {ErrorRate: -0.1},
		"negative rate limit":     {RateLimit: -1},
		"outcome misspelt":        {ScanOutcome: "complete"},
		"negative duration":       {ScanDuration: -time.Second},
		"negative latency":        {Latency: -time.Second},
		"too many results":        {ResultsPerScan: MaxResultsPerScan + 1},
		"negative results":        {ResultsPerScan: -1},
		"score above 100":         {Score: ptr(100.1)},
		"key without tenant":      {APIKeys: map[string][]string{"ae_live_x": nil}},
		"tenant named me":         {APIKeys: map[string][]string{"ae_live_x": {"me"}}},
		"tenant with a slash":     {APIKeys: map[string][]string{"ae_live_x": {"a/b"}}},
		"key with whitespace":     {APIKeys: map[string][]string{"ae live": {"demo"}}},
		"empty key":               {APIKeys: map[string][]string{"": {"demo"}}},
		"empty tenant":            {APIKeys: map[string][]string{"ae_live_x": {""}}},
		"tenant of 129 chars":     {APIKeys: map[string][]string{"ae_live_x": {strings.Repeat("t", 129)}}},
		"secret never printed":    {APIKeys: map[string][]string{"ae_live_supersecret": {}}},
		"reset rate above 1":      {ResetRate: 1.01},
		"negative reset rate":     {ResetRate: -0.5},
		"NaN reset rate":          {ResetRate: nan()},
		"malformed rate above 1":  {MalformedRate: 2},
		"negative malformed rate": {MalformedRate: -0.01},
		"NaN malformed rate":      {MalformedRate: nan()},
		"rates add up past 1":     {ErrorRate: 0.5, ResetRate: 0.3, MalformedRate: 0.3},
	} {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
			continue
		}
		if strings.Contains(err.Error(), "supersecret") {
			t.Errorf("%s: error %q prints the key", name, err)
		}
	}
	for _, cfg := range []Config{
		{}, // the zero Config
		{ResetRate: 1},
		{MalformedRate: 1},
		{ErrorRate: 0.3, ResetRate: 0.1, MalformedRate: 0.1},
		{ErrorRate: 0.7, ResetRate: 0.2, MalformedRate: 0.1},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

func TestAuthentication(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	for name, header := range map[string]string{
		"missing":       "",
		"basic scheme":  "Basic " + DemoAPIKey,
		"no token":      "Bearer",
		"empty token":   "Bearer   ",
		"unknown key":   "Bearer ae_live_unknown",
		"two tokens":    "Bearer " + DemoAPIKey + " extra",
		"key alone":     DemoAPIKey,
		"case of key":   "Bearer AE_LIVE_DEMO",
		"key with junk": "Bearer " + DemoAPIKey + "x",
	} {
		headers := map[string]string{}
		if header != "" {
			headers["Authorization"] = header
		}
		resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans", headers: headers})
		expectStatus(t, resp, http.StatusUnauthorized, apicode.Unauthorized)
		if strings.Contains(string(resp.Body), "ae_live") || strings.Contains(string(resp.Body), "AE_LIVE") {
			t.Errorf("%s: the 401 echoes the key: %s", name, resp.Body)
		}
	}
	// The scheme is case-insensitive (RFC 9110).
	resp := call(t, sim, request{method: "GET", path: "/tenants/me/scans", headers: map[string]string{"Authorization": "bearer " + DemoAPIKey}})
	expectStatus(t, resp, http.StatusOK, "")
	// Authentication comes before routing: no endpoint map for strangers.
	expectStatus(t, call(t, sim, request{method: "GET", path: "/no/such/path"}), http.StatusUnauthorized, apicode.Unauthorized)
}

func TestTenantIsolation(t *testing.T) {
	sim, _ := newTestServer(t, Config{APIKeys: multiTenantKeys()})
	scanA := createScan(t, sim, keyA, "compliance")
	scanB := createScan(t, sim, keyB, "compliance")
	if scanA.TenantID != "tenant-a" || scanB.TenantID != "tenant-b" {
		t.Fatalf("me resolved to %s and %s", scanA.TenantID, scanB.TenantID)
	}

	// Key B cannot see tenant A's scan, its results, or tenant A itself.
	for _, path := range []string{"/scans/" + scanA.ID, "/scans/" + scanA.ID + "/results"} {
		resp := call(t, sim, request{method: "GET", path: path, key: keyB})
		expectStatus(t, resp, http.StatusNotFound, apicode.NotFound)
		unknown := call(t, sim, request{method: "GET", path: strings.Replace(path, scanA.ID, "scn_000000000000000000000000", 1), key: keyB})
		if resp.Env.Error.Message == "" || strings.ReplaceAll(resp.Env.Error.Message, scanA.ID, "X") != strings.ReplaceAll(unknown.Env.Error.Message, "scn_000000000000000000000000", "X") {
			t.Errorf("another tenant's scan must look exactly like a missing one: %q vs %q", resp.Env.Error.Message, unknown.Env.Error.Message)
		}
	}
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/tenant-a/scans", key: keyB}), http.StatusForbidden, apicode.Forbidden)
	expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/tenant-a/scans", key: keyB, body: `{"scan_type":"compliance"}`}),
		http.StatusForbidden, apicode.Forbidden)
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/nobody/scans", key: keyB}), http.StatusForbidden, apicode.Forbidden)
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/tenant-b/scans", key: keyB}), http.StatusOK, "")

	// The MSP key sees both tenants; its "me" is its first one.
	getScan(t, sim, keyMSP, scanA.ID)
	getScan(t, sim, keyMSP, scanB.ID)
	if mine := createScan(t, sim, keyMSP, "identity"); mine.TenantID != "tenant-a" {
		t.Errorf("MSP me = %s, want tenant-a", mine.TenantID)
	}
	resp := call(t, sim, request{method: "POST", path: "/tenants/tenant-b/scans", key: keyMSP, body: `{"scan_type":"email"}`})
	expectStatus(t, resp, http.StatusCreated, "")
	if got := decode[scanView](t, resp); got.TenantID != "tenant-b" {
		t.Errorf("scan for tenant-b landed in %s", got.TenantID)
	}
	if a, b := sim.ScanCount("tenant-a"), sim.ScanCount("tenant-b"); a != 2 || b != 2 {
		t.Errorf("ScanCount a=%d b=%d, want 2 and 2", a, b)
	}
	// Lists never mix tenants.
	list := decode[[]scanView](t, call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: keyB}))
	for _, scan := range list {
		if scan.TenantID != "tenant-b" {
			t.Errorf("key B's list holds %+v", scan)
		}
	}
}

func TestRoutingAnswersEnvelopes(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	scan := createScan(t, sim, DemoAPIKey, "compliance")
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"GET", "/", 404, ""},
		{"GET", "/scans", 404, ""},
		{"GET", "/scans/", 404, ""},
		{"GET", "/scans/" + scan.ID + "/", 404, ""},
		{"GET", "/scans/" + scan.ID + "/results/extra", 404, ""},
		{"GET", "/tenants/me/scans/extra", 404, ""},
		{"GET", "/tenants//scans", 404, ""},
		{"GET", "/Scans/" + scan.ID, 404, ""},
		{"GET", "/v1/scans/" + scan.ID, 404, ""},
		{"GET", "/scans/a%2Fb", 404, ""},
		{"GET", "/scans/no-such-scan", 404, ""},
		{"DELETE", "/scans/" + scan.ID, 405, "GET"},
		{"POST", "/scans/" + scan.ID, 405, "GET"},
		{"HEAD", "/scans/" + scan.ID, 405, "GET"},
		{"POST", "/scans/" + scan.ID + "/results", 405, "GET"},
		{"PUT", "/tenants/me/scans", 405, "GET, POST"},
		{"PATCH", "/tenants/demo/scans", 405, "GET, POST"},
		{"OPTIONS", "/tenants/me/scans", 405, "GET, POST"},
	} {
		resp := call(t, sim, request{method: tc.method, path: tc.path, key: DemoAPIKey})
		want := apicode.NotFound
		if tc.status == 405 {
			want = apicode.MethodNotAllowed
		}
		if resp.Status != tc.status || resp.Env.Error.Code != want || resp.Header.Get("Allow") != tc.allow {
			t.Errorf("%s %s: %d %s Allow %q, want %d %s Allow %q", tc.method, tc.path,
				resp.Status, resp.Env.Error.Code, resp.Header.Get("Allow"), tc.status, want, tc.allow)
		}
	}
	// An escaped tenant segment is unescaped before matching.
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/%64emo/scans", key: DemoAPIKey}), http.StatusOK, "")
}

func TestRequestGuards(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	valid := `{"scan_type":"compliance"}`

	atLimit := valid + strings.Repeat(" ", maxBodyBytes-len(valid))
	expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: atLimit}), http.StatusCreated, "")
	overLimit := atLimit + " "
	expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: overLimit}),
		http.StatusRequestEntityTooLarge, apicode.PayloadTooLarge)

	long := strings.Repeat("x", maxQueryValueLen+1)
	for _, query := range []string{"?status=" + long, "?" + long + "=1", "?page=%zz", "?page=1;limit=2"} {
		expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/scans" + query, key: DemoAPIKey}),
			http.StatusBadRequest, apicode.Validation)
	}
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/scans?unknown=" + strings.Repeat("x", maxQueryValueLen), key: DemoAPIKey}),
		http.StatusOK, "")
}

func TestErrorRateInjectsServiceUnavailable(t *testing.T) {
	sim, _ := newTestServer(t, Config{ErrorRate: 1})
	for _, req := range []request{
		{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey},
		{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type":"compliance"}`},
		{method: "GET", path: "/nowhere"}, // before auth and routing
	} {
		resp := call(t, sim, req)
		expectStatus(t, resp, http.StatusServiceUnavailable, apicode.ServiceUnavailable)
		if resp.Header.Get("Retry-After") != "1" {
			t.Errorf("503 Retry-After = %q, want 1", resp.Header.Get("Retry-After"))
		}
	}
	if stats := sim.Stats(); stats.InjectedErrors != 3 || stats.ScansCreated != 0 {
		t.Errorf("stats = %+v", stats)
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

func TestRateLimitPerKey(t *testing.T) {
	sim, fake := newTestServer(t, Config{APIKeys: multiTenantKeys(), RateLimit: 2})
	get := func(key string) response {
		return call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: key})
	}
	expectStatus(t, get(keyA), http.StatusOK, "")
	expectStatus(t, get(keyA), http.StatusOK, "")
	limited := get(keyA)
	expectStatus(t, limited, http.StatusTooManyRequests, apicode.RateLimited)
	if limited.Header.Get("Retry-After") != "1" {
		t.Errorf("429 Retry-After = %q, want 1", limited.Header.Get("Retry-After"))
	}
	// Another key has its own bucket.
	expectStatus(t, get(keyB), http.StatusOK, "")
	// The bucket refills with the injected clock.
	fake.Advance(500 * time.Millisecond)
	expectStatus(t, get(keyA), http.StatusOK, "")
	expectStatus(t, get(keyA), http.StatusTooManyRequests, apicode.RateLimited)
	if stats := sim.Stats(); stats.RateLimited != 2 {
		t.Errorf("RateLimited = %d, want 2", stats.RateLimited)
	}

	slow, _ := newTestServer(t, Config{RateLimit: 0.25}) // burst 1, one token per 4 s
	expectStatus(t, call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey}), http.StatusOK, "")
	resp := call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusTooManyRequests, apicode.RateLimited)
	if resp.Header.Get("Retry-After") != "4" {
		t.Errorf("Retry-After = %q, want 4", resp.Header.Get("Retry-After"))
	}
	// Unknown keys share one bucket, and are limited before they are rejected.
	expectStatus(t, call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: "ae_live_guess1"}), http.StatusUnauthorized, apicode.Unauthorized)
	expectStatus(t, call(t, slow, request{method: "GET", path: "/tenants/me/scans", key: "ae_live_guess2"}), http.StatusTooManyRequests, apicode.RateLimited)
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

func TestRequestIDsAreUnique(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	seen := map[string]bool{}
	for range 50 {
		id := call(t, sim, request{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey}).Header.Get("X-Request-Id")
		if seen[id] {
			t.Fatalf("request id %s repeated", id)
		}
		seen[id] = true
	}
}

// panicOnceClock makes the simulator fail inside a handler once, to exercise
// the last-resort recover and check that no lock stays held after it.
type panicOnceClock struct {
	clock.Real
	panicked atomic.Bool
}

func (c *panicOnceClock) Now() time.Time {
	if c.panicked.CompareAndSwap(false, true) {
		panic("clock exploded")
	}
	return c.Real.Now()
}

func TestPanicsBecomeInternalErrorEnvelopes(t *testing.T) {
	for _, req := range []request{
		{method: "GET", path: "/tenants/me/scans", key: DemoAPIKey},
		{method: "POST", path: "/tenants/me/scans", key: DemoAPIKey, body: `{"scan_type":"compliance"}`},
	} {
		sim, err := New(Config{Clock: &panicOnceClock{}})
		if err != nil {
			t.Fatal(err)
		}
		expectStatus(t, call(t, sim, req), http.StatusInternalServerError, apicode.Internal)
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
	sim, fake := newTestServer(t, Config{APIKeys: multiTenantKeys(), ScanDuration: time.Second, ResultsPerScan: 300})
	var wg sync.WaitGroup
	for worker := range 8 {
		wg.Go(func() {
			key := []string{keyA, keyB, keyMSP}[worker%3]
			for range 10 {
				scan := createScan(t, sim, key, "compliance")
				fake.Advance(200 * time.Millisecond)
				getScan(t, sim, key, scan.ID)
				call(t, sim, request{method: "GET", path: "/tenants/me/scans?status=completed", key: key})
				call(t, sim, request{method: "GET", path: "/scans/" + scan.ID + "/results?severity=high", key: key})
				sim.Stats()
				sim.ScanCount("tenant-a")
			}
			sim.SetScore(90)
			sim.SetResultsPerScan(100)
		})
	}
	wg.Wait()
	if got := sim.Stats().ScansCreated; got != 80 {
		t.Errorf("ScansCreated = %d, want 80", got)
	}
}
