// Package bench measures the provider's client against the simulator for
// issue #5 ("Performance"): how many status polls a wait costs and how soon
// it sees a scan finish (P1, P2), and how fast the pager reads 10,000 results
// (P3), each next to the seed's own pattern (a 30 s polling loop, a page-by-
// page loop) run on the same simulator. bench_test.go turns these into Go
// benchmarks; cmd/benchrun adds the parts where Terraform itself runs and
// writes the report. Nothing in the provider imports this package.
package bench

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// SeedPollInterval is the seed's "time.sleep(30)" between status polls.
const SeedPollInterval = 30 * time.Second

// Simulator routes counted by simulator.Stats().ByRoute.
const (
	routeGetScan     = "GET /scans/{id}"
	routeListResults = "GET /scans/{id}/results"
)

// NewFakeClock returns a simulated clock to share between a simulator and a
// client, so a ten-minute scan plays out in milliseconds.
func NewFakeClock() *clock.Fake { return simtest.NewClock() }

// WaitRun is one scan waited for: started, polled until terminal.
type WaitRun struct {
	ScanDuration time.Duration
	// Polls is the number of GET /scans/{id} requests the simulator served.
	Polls int
	// TimeToResult runs from just before the scan was started to the moment
	// the waiter returned it (on the run's clock, simulated or real).
	TimeToResult time.Duration
}

// Lateness is how long after the scan finished the waiter noticed.
func (r WaitRun) Lateness() time.Duration { return r.TimeToResult - r.ScanDuration }

// waitEnv is a simulator (optionally without its Retry-After hints) behind an
// httptest server, on clk.
type waitEnv struct {
	sim *simulator.Server
	srv *httptest.Server
	clk clock.Clock
}

func newWaitEnv(scanDuration time.Duration, hints bool, clk clock.Clock) (*waitEnv, error) {
	sim, err := simulator.New(simulator.Config{ScanDuration: scanDuration, Clock: clk, Seed: 1})
	if err != nil {
		return nil, err
	}
	var handler http.Handler = sim
	if !hints {
		handler = StripRetryAfter(sim)
	}
	return &waitEnv{sim: sim, srv: httptest.NewServer(handler), clk: clk}, nil
}

func (e *waitEnv) close() { e.srv.Close() }

func (e *waitEnv) client() (*aether365.Client, error) {
	return aether365.New(aether365.Config{BaseURL: e.srv.URL, APIKey: simulator.DemoAPIKey, Clock: e.clk})
}

// StripRetryAfter removes Retry-After from successful responses of next, to
// play a server that gives no polling hint; 429 and 503 keep theirs.
func StripRetryAfter(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(&hintStripper{ResponseWriter: w}, r)
	})
}

type hintStripper struct {
	http.ResponseWriter
	wroteHeader bool
}

func (h *hintStripper) WriteHeader(status int) {
	if !h.wroteHeader && status < 300 {
		h.Header().Del("Retry-After")
	}
	h.wroteHeader = true
	h.ResponseWriter.WriteHeader(status)
}

func (h *hintStripper) Write(b []byte) (int, error) {
	if !h.wroteHeader {
		h.WriteHeader(http.StatusOK)
	}
	return h.ResponseWriter.Write(b)
}

// ProviderWait starts a scan of the given duration and waits for it with
// the client's WaitForScan and its default options, as the aether365_scan
// resource does. hints=false strips the simulator's Retry-After hints.
func ProviderWait(ctx context.Context, scanDuration time.Duration, hints bool, clk clock.Clock) (WaitRun, error) {
	env, err := newWaitEnv(scanDuration, hints, clk)
	if err != nil {
		return WaitRun{}, err
	}
	defer env.close()
	c, err := env.client()
	if err != nil {
		return WaitRun{}, err
	}
	started := clk.Now()
	scan, err := c.StartScan(ctx, aether365.DefaultTenant, "compliance", "bench-"+strconv.FormatInt(started.UnixNano(), 36))
	if err != nil {
		return WaitRun{}, err
	}
	final, err := c.WaitForScan(ctx, scan.ID, aether365.WaitOptions{})
	if err != nil {
		return WaitRun{}, err
	}
	if final.Status != aether365.ScanStatusCompleted {
		return WaitRun{}, fmt.Errorf("scan %s ended %s", final.ID, final.Status)
	}
	return WaitRun{
		ScanDuration: scanDuration,
		Polls:        env.sim.Stats().ByRoute[routeGetScan],
		TimeToResult: clk.Now().Sub(started),
	}, nil
}

// SeedWait plays the seed's "Trigger a scan and wait for results" loop with
// plain HTTP, request for request: POST the scan, then GET it; while it is
// not completed or failed, sleep 30 s and GET again.
func SeedWait(ctx context.Context, scanDuration time.Duration, clk clock.Clock) (WaitRun, error) {
	env, err := newWaitEnv(scanDuration, true, clk)
	if err != nil {
		return WaitRun{}, err
	}
	defer env.close()
	started := clk.Now()
	var scan struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := seedRequest(ctx, http.MethodPost, env.srv.URL+"/tenants/me/scans", `{"scan_type": "compliance"}`, &scan); err != nil {
		return WaitRun{}, err
	}
	id := scan.ID
	for {
		if err := seedRequest(ctx, http.MethodGet, env.srv.URL+"/scans/"+id, "", &scan); err != nil {
			return WaitRun{}, err
		}
		if scan.Status == "completed" || scan.Status == "failed" {
			break
		}
		if err := clk.Sleep(ctx, SeedPollInterval); err != nil {
			return WaitRun{}, err
		}
	}
	return WaitRun{
		ScanDuration: scanDuration,
		Polls:        env.sim.Stats().ByRoute[routeGetScan],
		TimeToResult: clk.Now().Sub(started),
	}, nil
}

// SeedTimeToResult is the seed's loop in closed form: it polls at 0, 30 s,
// 60 s ... and so returns at the first multiple of 30 s at or after the scan
// finishes.
func SeedTimeToResult(scanDuration time.Duration) time.Duration {
	polls := int64((scanDuration + SeedPollInterval - 1) / SeedPollInterval)
	return time.Duration(polls) * SeedPollInterval
}

// seedRequest is what the seed's requests.get/post(...).json()["data"] does,
// with the error check the seed leaves out.
func seedRequest(ctx context.Context, method, url, body string, data any) error {
	var reader io.Reader
	if body != "" {
		reader = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+simulator.DemoAPIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	var envelope struct {
		Success bool            `json:"success"`
		Data    json.RawMessage `json:"data"`
		Meta    *struct {
			TotalPages int `json:"totalPages"`
		} `json:"meta"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&envelope); err != nil {
		return fmt.Errorf("%s %s: %d: %w", method, url, resp.StatusCode, err)
	}
	if !envelope.Success {
		return fmt.Errorf("%s %s: %d: not a success envelope", method, url, resp.StatusCode)
	}
	if pages, ok := data.(*seedPage); ok {
		if envelope.Meta == nil {
			return fmt.Errorf("%s %s: no meta", method, url)
		}
		pages.totalPages = envelope.Meta.TotalPages
		return json.Unmarshal(envelope.Data, &pages.results)
	}
	return json.Unmarshal(envelope.Data, data)
}

// PageEnv is a simulator holding one completed scan with many results,
// answering every request after a fixed latency.
type PageEnv struct {
	Results int
	Latency time.Duration
	ScanID  string

	sim    *simulator.Server
	srv    *httptest.Server
	flight inFlight
}

// NewPageEnv starts a simulator with one completed scan of results results,
// latency added to every response and, when rateLimit > 0, that many
// requests per second allowed (real time).
func NewPageEnv(ctx context.Context, results int, latency time.Duration, rateLimit float64) (*PageEnv, error) {
	sim, err := simulator.New(simulator.Config{ResultsPerScan: results, Latency: latency, RateLimit: rateLimit, Seed: 1})
	if err != nil {
		return nil, err
	}
	e := &PageEnv{Results: results, Latency: latency, sim: sim}
	e.srv = httptest.NewServer(e.flight.wrap(sim))
	c, err := e.Client(0, 0)
	if err != nil {
		e.Close()
		return nil, err
	}
	scan, err := c.StartScan(ctx, aether365.DefaultTenant, "compliance", "bench-pages")
	if err != nil {
		e.Close()
		return nil, err
	}
	e.ScanID = scan.ID
	// One read warms connections and caches; keep that out of the timings
	// (not under a rate limit, where it would spend the caller's budget).
	if rateLimit == 0 {
		if _, err := e.Pager(ctx, c); err != nil {
			e.Close()
			return nil, err
		}
	}
	return e, nil
}

// Close stops the server.
func (e *PageEnv) Close() { e.srv.Close() }

// URL is the simulator's base URL.
func (e *PageEnv) URL() string { return e.srv.URL }

// Client returns a client with the given page concurrency and client-side
// rate limit; 0 means the client's defaults.
func (e *PageEnv) Client(concurrency int, requestsPerSecond float64) (*aether365.Client, error) {
	return aether365.New(aether365.Config{
		BaseURL:           e.srv.URL,
		APIKey:            simulator.DemoAPIKey,
		PageConcurrency:   concurrency,
		RequestsPerSecond: requestsPerSecond,
	})
}

// Pager reads every result with the client's pager (ListResults, 100 per page).
func (e *PageEnv) Pager(ctx context.Context, c *aether365.Client) (int, error) {
	results, _, err := c.ListResults(ctx, e.ScanID, aether365.ListResultsOptions{PageSize: 100})
	if err != nil {
		return 0, err
	}
	if len(results) != e.Results {
		return 0, fmt.Errorf("pager read %d results, want %d", len(results), e.Results)
	}
	return len(results), nil
}

type seedPage struct {
	results    []aether365.Result
	totalPages int
}

// SeedSequential reads every result the way the seed does: page 1, 2, ...
// one after the other, 100 per page, until page >= meta.totalPages.
func (e *PageEnv) SeedSequential(ctx context.Context) (int, error) {
	var all []aether365.Result
	for page := 1; ; page++ {
		var p seedPage
		url := fmt.Sprintf("%s/scans/%s/results?page=%d&limit=100", e.srv.URL, e.ScanID, page)
		if err := seedRequest(ctx, http.MethodGet, url, "", &p); err != nil {
			return 0, err
		}
		all = append(all, p.results...)
		if page >= p.totalPages {
			break
		}
	}
	if len(all) != e.Results {
		return 0, fmt.Errorf("sequential loop read %d results, want %d", len(all), e.Results)
	}
	return len(all), nil
}

// RoundTrip times one request for a full page: the unit the pager's time is
// counted in.
func (e *PageEnv) RoundTrip(ctx context.Context) (time.Duration, error) {
	var p seedPage
	started := time.Now()
	err := seedRequest(ctx, http.MethodGet, fmt.Sprintf("%s/scans/%s/results?page=2&limit=100", e.srv.URL, e.ScanID), "", &p)
	return time.Since(started), err
}

// ResultRequests is how many result pages the simulator has served.
func (e *PageEnv) ResultRequests() int { return e.sim.Stats().ByRoute[routeListResults] }

// RateLimited is how many 429s the simulator has sent.
func (e *PageEnv) RateLimited() int { return e.sim.Stats().RateLimited }

// PeakInFlight is the most requests the server has had in flight at once
// since the last ResetPeak: the pager's effective concurrency.
func (e *PageEnv) PeakInFlight() int { return int(e.flight.peak.Load()) }

// ResetPeak forgets the peak.
func (e *PageEnv) ResetPeak() { e.flight.peak.Store(0) }

// PageRoundTrips is the least number of sequential round trips the pager
// needs for pages pages at the given concurrency: page 1, then the rest in
// waves of concurrency.
func PageRoundTrips(pages, concurrency int) int {
	if pages <= 1 {
		return pages
	}
	return 1 + (pages-1+concurrency-1)/concurrency
}

type inFlight struct {
	now, peak atomic.Int64
}

func (f *inFlight) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cur := f.now.Add(1)
		defer f.now.Add(-1)
		for seen := f.peak.Load(); cur > seen && !f.peak.CompareAndSwap(seen, cur); seen = f.peak.Load() {
		}
		next.ServeHTTP(w, r)
	})
}

// CurvePoint is the time to result for one scan duration.
type CurvePoint struct {
	ScanDuration                  time.Duration
	Provider                      time.Duration // measured: WaitForScan on the simulator
	ProviderNoHint                time.Duration // measured, Retry-After hints stripped
	Seed                          time.Duration // the seed's loop, ceil(d/30 s)·30 s
	Polls, PollsNoHint, SeedPolls int
}

// SimulatedCurve waits for one scan of each duration on a simulated clock,
// with and without the simulator's hints, next to the seed's loop.
func SimulatedCurve(ctx context.Context, durations []time.Duration) ([]CurvePoint, error) {
	points := make([]CurvePoint, 0, len(durations))
	for _, d := range durations {
		hinted, err := ProviderWait(ctx, d, true, NewFakeClock())
		if err != nil {
			return nil, fmt.Errorf("%s scan: %w", d, err)
		}
		bare, err := ProviderWait(ctx, d, false, NewFakeClock())
		if err != nil {
			return nil, fmt.Errorf("%s scan without hints: %w", d, err)
		}
		seed, err := SeedWait(ctx, d, NewFakeClock())
		if err != nil {
			return nil, fmt.Errorf("%s scan, seed loop: %w", d, err)
		}
		points = append(points, CurvePoint{
			ScanDuration: d, Provider: hinted.TimeToResult, ProviderNoHint: bare.TimeToResult, Seed: seed.TimeToResult,
			Polls: hinted.Polls, PollsNoHint: bare.Polls, SeedPolls: seed.Polls,
		})
	}
	return points, nil
}

// RealTimeWaits waits for one scan of each duration on the wall clock, all
// at once (each against its own simulator), and returns them in order.
func RealTimeWaits(ctx context.Context, durations []time.Duration) ([]WaitRun, error) {
	runs := make([]WaitRun, len(durations))
	errs := make([]error, len(durations))
	var wg sync.WaitGroup
	for i, d := range durations {
		wg.Go(func() { runs[i], errs[i] = ProviderWait(ctx, d, true, clock.Real{}) })
	}
	wg.Wait()
	return runs, errors.Join(errs...)
}
