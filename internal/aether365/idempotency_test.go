package aether365

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

func TestStartScanRetriesWithTheSameIdempotencyKey(t *testing.T) {
	var (
		mu     sync.Mutex
		keys   []string
		bodies []string
	)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || (r.URL.Path != "/tenants/me/scans" && r.URL.Path != "/tenants/tenant-1/scans") {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bodies = append(bodies, string(body))
		n := len(keys)
		mu.Unlock()
		if n == 1 {
			writeAPIError(w, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
			return
		}
		writeData(w, http.StatusCreated, testScan("scn_1", ScanStatusQueued))
	})
	scan, err := c.StartScan(context.Background(), "", "compliance", "")
	if err != nil {
		t.Fatal(err)
	}
	if scan.ID != "scn_1" {
		t.Errorf("scan = %+v", scan)
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("Idempotency-Key per attempt = %q, want the same non-empty key twice", keys)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(keys[0]) {
		t.Errorf("generated key %q is not a UUID", keys[0])
	}
	if bodies[0] != `{"scan_type":"compliance"}` || bodies[1] != bodies[0] {
		t.Errorf("bodies = %q", bodies)
	}

	// A caller's key is sent as is; generated keys differ between calls.
	keys = nil
	if _, err := c.StartScan(context.Background(), "tenant-1", "full", "my-key-1"); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "my-key-1" || keys[1] != "my-key-1" {
		t.Errorf("keys = %q, want the caller's key on every attempt", keys)
	}
	keys = nil
	if _, err := c.StartScan(context.Background(), "", "compliance", ""); err != nil {
		t.Fatal(err)
	}
	keys2 := keys
	keys = nil
	if _, err := c.StartScan(context.Background(), "", "compliance", ""); err != nil {
		t.Fatal(err)
	}
	if keys2[0] == keys[0] {
		t.Errorf("two StartScan calls generated the same key %q", keys[0])
	}
}

func TestStartScanRejectsBadKeys(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("request sent")
	})
	for _, key := range []string{strings.Repeat("k", 256), "with space", "new\nline"} {
		if _, err := c.StartScan(context.Background(), "", "compliance", key); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}

// A POST without an Idempotency-Key is never retried, whatever the answer.
func TestPostWithoutIdempotencyKeyIsNeverRetried(t *testing.T) {
	for _, tt := range []struct {
		name    string
		answer  func(http.ResponseWriter)
		wantErr error
	}{
		{"503", func(w http.ResponseWriter) {
			writeAPIError(w, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
		}, ErrServiceUnavailable},
		{"empty 200", brokenAnswer{"", 200, "application/json", ""}.write, ErrMalformedResponse},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, hits := newFlakyClient(t, everyRequest, tt.answer)
			var out oneScan
			_, err := c.do(context.Background(), apiRequest{method: http.MethodPost, path: "/tenants/me/scans", body: startScanBody{"compliance"}}, &out)
			if !errors.Is(err, tt.wantErr) || hits.get() != 1 {
				t.Errorf("err = %v after %d requests", err, hits.get())
			}
		})
	}
}

// loseFirstAnswer wraps the simulator: the first POST of each Idempotency-Key
// is processed by the simulator (the scan is created) and then its answer is
// lost as lose says; later attempts pass through.
func loseFirstAnswer(t *testing.T, sim http.Handler, lose func(http.ResponseWriter)) http.Handler {
	var (
		mu   sync.Mutex
		seen = map[string]bool{}
	)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		mu.Lock()
		first := r.Method == http.MethodPost && key != "" && !seen[key]
		seen[key] = true
		mu.Unlock()
		if !first {
			sim.ServeHTTP(w, r)
			return
		}
		processed := httptest.NewRecorder()
		sim.ServeHTTP(processed, r)
		if processed.Code != http.StatusCreated {
			t.Errorf("the simulator answered the first POST %d: %s", processed.Code, processed.Body)
		}
		lose(w)
	})
}

// The scan the server created before the connection was reset (or the answer
// was broken) is the scan the caller gets: the retry with the same
// Idempotency-Key is a replay, never a second scan.
func TestStartScanAfterALostAnswerGetsTheReplayedScan(t *testing.T) {
	for name, lose := range map[string]func(http.ResponseWriter){
		"reset": func(w http.ResponseWriter) { hangUp(t, w) },
		"empty 200": func(w http.ResponseWriter) {
			brokenAnswer{"", 200, "application/json", ""}.write(w)
		},
		"proxy 502": func(w http.ResponseWriter) {
			brokenAnswer{"", 502, "text/html", "<html>502 Bad Gateway</html>"}.write(w)
		},
		"truncated 201": func(w http.ResponseWriter) {
			brokenAnswer{"", 201, "application/json", `{"success":true,"data":{"id":"scn_`}.write(w)
		},
	} {
		t.Run(name, func(t *testing.T) {
			server := simtest.StartBehind(t, simulator.Config{}, func(sim *simulator.Server) http.Handler {
				return loseFirstAnswer(t, sim, lose)
			})
			sim := server.Server
			c := newSimulatorClient(t, server.URL)
			for i := range 3 {
				scan, err := c.StartScan(context.Background(), "", "compliance", "")
				if err != nil {
					t.Fatalf("StartScan %d: %v", i, err)
				}
				ids := sim.ScanIDs(simulator.DemoTenant)
				if len(ids) != i+1 || ids[i] != scan.ID {
					t.Fatalf("after StartScan %d the server holds %v; the caller got %s", i, ids, scan.ID)
				}
			}
			if stats := sim.Stats(); stats.ScansCreated != 3 || stats.ByRoute["POST /tenants/{tenant}/scans"] != 6 {
				t.Errorf("stats = %+v, want 3 scans from 6 POSTs", stats)
			}
		})
	}
}

// Against the simulator's own faults, every call of a client with enough
// retries succeeds, and every StartScan leaves exactly one scan.
func TestClientSurvivesSimulatorFaults(t *testing.T) {
	sim := simtest.Start(t, simulator.Config{ErrorRate: 0.3, ResetRate: 0.1, MalformedRate: 0.1, Seed: 6})
	c := newSimulatorClient(t, sim.URL, func(cfg *Config) { cfg.MaxRetries, cfg.RetryWaitMax = new(15), 2*time.Millisecond })
	ctx := context.Background()
	var ids []string
	for i := range 40 {
		scan, err := c.StartScan(ctx, "", "compliance", "")
		if err != nil {
			t.Fatalf("StartScan %d: %v", i, err)
		}
		ids = append(ids, scan.ID)
		if got, err := c.GetScan(ctx, scan.ID); err != nil || got.ID != scan.ID {
			t.Fatalf("GetScan %s: %+v, %v", scan.ID, got, err)
		}
	}
	results, meta, err := c.ListResults(ctx, ids[0], ListResultsOptions{PageSize: 10})
	if err != nil || len(results) != meta.Total || meta.Total != simulator.DefaultResultsPerScan {
		t.Fatalf("ListResults: %d results, meta %+v, err %v", len(results), meta, err)
	}
	held := sim.ScanIDs(simulator.DemoTenant)
	if strings.Join(held, ",") != strings.Join(ids, ",") {
		t.Errorf("server holds %d scans %v; the caller started %d %v", len(held), held, len(ids), ids)
	}
	stats := sim.Stats()
	if stats.InjectedErrors == 0 || stats.InjectedResets == 0 || stats.InjectedMalformed < 4 {
		t.Errorf("too few faults to prove anything: %+v", stats)
	}
	t.Logf("%d requests: %d injected 503s, %d resets, %d malformed", stats.Requests, stats.InjectedErrors, stats.InjectedResets, stats.InjectedMalformed)
}

// A replay answering the first attempt is of a request made before the call;
// a replay answering a retry after a lost answer is the call's own scan.
func TestStartScanOrReplayTellsAnEarlierRequestFromItsOwnRetry(t *testing.T) {
	for name, reuseConnection := range map[string]bool{"fresh connection": false, "reused connection": true} {
		t.Run(name, func(t *testing.T) { testOwnRetryIsNotAReplay(t, reuseConnection) })
	}
}

// On a reused keep-alive connection, net/http resends a request that carries
// an Idempotency-Key by itself when the connection breaks before the answer:
// unless the client stops it, that hidden second attempt makes the replay of
// its own request look like an earlier request's, and the resource then
// starts a second scan (an orphan, seen under load in the fault cycles).
func testOwnRetryIsNotAReplay(t *testing.T, reuseConnection bool) {
	server := simtest.StartBehind(t, simulator.Config{}, func(sim *simulator.Server) http.Handler {
		return loseFirstAnswer(t, sim, func(w http.ResponseWriter) { hangUp(t, w) })
	})
	c := newSimulatorClient(t, server.URL)
	if reuseConnection {
		if _, err := c.ListScans(context.Background(), "", ListScansOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	first, replayed, err := c.StartScanOrReplay(context.Background(), "", "compliance", "key-1")
	if err != nil || replayed {
		t.Fatalf("first call after a lost answer: replayed = %v, err = %v; want its own new scan", replayed, err)
	}
	again, replayed, err := c.StartScanOrReplay(context.Background(), "", "compliance", "key-1")
	if err != nil || !replayed || again.ID != first.ID {
		t.Fatalf("second call with the same key: %v, replayed = %v, err = %v; want a replay of %s", again, replayed, err, first.ID)
	}
}

// A retry can reach an earlier request's scan rather than the call's own: the
// key was used ten minutes ago, and this call's first attempt was refused (a
// 503, nothing created) or its answer, a replay already, was lost. The replay
// the retry gets is of that earlier scan, and saying so keeps the resource
// from taking a finished scan, and its old score, for the one it started.
func TestStartScanOrReplayTellsAnEarlierScanReachedByARetry(t *testing.T) {
	for name, failSecondCall := range map[string]func(w http.ResponseWriter, r *http.Request, sim http.Handler){
		"refused with a 503": func(w http.ResponseWriter, _ *http.Request, _ http.Handler) {
			writeAPIError(w, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
		},
		"replayed, then the answer lost": func(w http.ResponseWriter, r *http.Request, sim http.Handler) {
			sim.ServeHTTP(httptest.NewRecorder(), r)
			hangUp(t, w)
		},
	} {
		t.Run(name, func(t *testing.T) {
			simClock := simtest.NewClock()
			var posts atomic.Int32
			server := simtest.StartBehind(t, simulator.Config{Clock: simClock, ScanDuration: time.Minute}, func(sim *simulator.Server) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.Method == http.MethodPost && posts.Add(1) == 2 {
						failSecondCall(w, r, sim)
						return
					}
					sim.ServeHTTP(w, r)
				})
			})
			c := newSimulatorClient(t, server.URL)
			earlier, replayed, err := c.StartScanOrReplay(context.Background(), "", "compliance", "key-1")
			if err != nil || replayed {
				t.Fatalf("first call: replayed = %v, err = %v; want a new scan", replayed, err)
			}
			simClock.Advance(10 * time.Minute)
			again, replayed, err := c.StartScanOrReplay(context.Background(), "", "compliance", "key-1")
			if err != nil || again.ID != earlier.ID || again.Status != ScanStatusCompleted {
				t.Fatalf("second call: %+v, err = %v; want the earlier scan %s, completed", again, err, earlier.ID)
			}
			if !replayed {
				t.Errorf("the retry's replay of %s, started ten minutes before the call, was reported as the call's own scan", earlier.ID)
			}
			if n := posts.Load(); n != 3 {
				t.Errorf("%d POSTs, want 3 (one, then one refused or lost and its retry)", n)
			}
		})
	}
}
