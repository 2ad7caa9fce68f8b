package aether365

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// brokenAnswer writes one malformed answer.
type brokenAnswer struct {
	name        string
	status      int
	contentType string
	body        string
}

func (b brokenAnswer) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", b.contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(b.body)))
	w.WriteHeader(b.status)
	_, _ = io.WriteString(w, b.body)
}

// Bodies that show the API's answer was lost on the way are retried, for a
// GET and for the POST that carries an Idempotency-Key.
var transientAnswers = []brokenAnswer{
	{"proxy HTML with 502", 502, "text/html", "<html><head><title>502 Bad Gateway</title></head></html>"},
	{"proxy HTML with 200", 200, "text/html", "<!DOCTYPE html><title>Sign in</title>"},
	{"empty 200", 200, "application/json", ""},
	{"whitespace 200", 200, "application/json", "\r\n"},
	{"truncated JSON with 200", 200, "application/json", `{"success":true,"data":{"id":"scn_1","sta`},
	{"garbled JSON with 200", 200, "application/json", `{"success":true,"data":{"id":"scn_1"@@@`},
	{"success false SERVICE_UNAVAILABLE with 200", 200, "application/json", `{"success":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"upstream timeout"}}`},
	{"success false RATE_LIMITED with 200", 200, "application/json", `{"success":false,"error":{"code":"RATE_LIMITED","message":"slow down"}}`},
	{"plain text 500", 500, "text/plain", "Internal Server Error"},
	{"empty 504", 504, "", ""},
}

// Bodies that are a complete, wrong answer: asking again gets the same one.
var permanentAnswers = []brokenAnswer{
	{"success false NOT_FOUND with 200", 200, "application/json", `{"success":false,"error":{"code":"NOT_FOUND","message":"x"}}`},
	{"success false INTERNAL_ERROR with 200", 200, "application/json", `{"success":false,"error":{"code":"INTERNAL_ERROR","message":"x"}}`},
	{"success true without data", 200, "application/json", `{"success":true}`},
	{"no success field", 200, "application/json", `{"data":{"id":"scn_1","status":"running"}}`},
	{"wrong field type", 200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"running","score":"high"}}`},
	{"scan without id", 200, "application/json", `{"success":true,"data":{"status":"running"}}`},
	{"trailing data", 200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"running"}}{}`},
	{"HTML 404 (wrong base URL)", 404, "text/html", "<html><body>Not Found</body></html>"},
	{"empty 401", 401, "", ""},
}

func TestTransientMalformedAnswersAreRetried(t *testing.T) {
	for _, answer := range transientAnswers {
		t.Run(answer.name, func(t *testing.T) {
			var gets, posts counter
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				hits := &gets
				if r.Method == http.MethodPost {
					hits = &posts
				}
				if hits.inc() == 1 {
					answer.write(w)
					return
				}
				writeData(w, http.StatusOK, testScan("scn_1", ScanStatusRunning))
			})
			scan, err := c.GetScan(context.Background(), "scn_1")
			if err != nil || scan.ID != "scn_1" {
				t.Fatalf("GET: scan %+v, err %v", scan, err)
			}
			if _, err := c.StartScan(context.Background(), "", "compliance", "key-1"); err != nil {
				t.Fatalf("POST with an Idempotency-Key: %v", err)
			}
			if gets.get() != 2 || posts.get() != 2 {
				t.Errorf("%d GETs and %d POSTs, want 2 of each (one retry)", gets.get(), posts.get())
			}
		})
	}
}

func TestPermanentMalformedAnswersAreNotRetried(t *testing.T) {
	for _, answer := range permanentAnswers {
		t.Run(answer.name, func(t *testing.T) {
			var hits counter
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				hits.inc()
				answer.write(w)
			})
			_, err := c.GetScan(context.Background(), "scn_1")
			if err == nil {
				t.Fatal("no error")
			}
			var malformed *MalformedResponseError
			var apiErr *APIError
			if !errors.As(err, &malformed) && !errors.As(err, &apiErr) {
				t.Errorf("err = %#v, want a typed error", err)
			}
			if hits.get() != 1 {
				t.Errorf("%d requests, want 1", hits.get())
			}
		})
	}
}

// Retries exhausted on broken bodies: the caller gets the typed error of the
// last answer, which names it and counts the attempts.
func TestTransientMalformedAnswersExhausted(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		brokenAnswer{"", 200, "text/html", "<html>maintenance</html>"}.write(w)
	}, func(cfg *Config) { cfg.MaxRetries = new(2) })
	_, err := c.GetScan(context.Background(), "scn_1")
	var malformed *MalformedResponseError
	if !errors.As(err, &malformed) || !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("err = %#v, want *MalformedResponseError", err)
	}
	if malformed.StatusCode != 200 || malformed.ContentType != "text/html" || !strings.Contains(malformed.Snippet, "maintenance") {
		t.Errorf("malformed = %+v", malformed)
	}
	if hits.get() != 3 || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("%d requests, err %q; want 3 and the count in the message", hits.get(), err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a malformed answer became an APIError: %v", err)
	}
}

// A POST without an Idempotency-Key is never retried, whatever the body.
func TestPostWithoutIdempotencyKeyIsNotRetriedOnBrokenBodies(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		brokenAnswer{"", 200, "application/json", ""}.write(w)
	})
	var out oneScan
	_, err := c.do(context.Background(), apiRequest{method: http.MethodPost, path: "/tenants/me/scans", body: startScanBody{"compliance"}}, &out)
	if !errors.Is(err, ErrMalformedResponse) || hits.get() != 1 {
		t.Errorf("err = %v after %d requests", err, hits.get())
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
			c, err := New(Config{BaseURL: server.URL, APIKey: simulator.DemoAPIKey, RetryWaitMin: time.Millisecond, RetryWaitMax: 5 * time.Millisecond})
			if err != nil {
				t.Fatal(err)
			}
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
	c, err := New(Config{BaseURL: sim.URL, APIKey: simulator.DemoAPIKey, MaxRetries: new(15),
		RetryWaitMin: time.Millisecond, RetryWaitMax: 2 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
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
