package bench

import (
	"context"
	"fmt"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// PageEnv is a simulator holding one completed scan with many results,
// answering every request after a fixed latency.
type PageEnv struct {
	Results int
	Latency time.Duration
	ScanID  string

	sim    *simtest.Server
	flight inFlight
}

// NewPageEnv starts a simulator with one completed scan of results results,
// latency added to every response and, when rateLimit > 0, that many
// requests per second allowed (real time).
func NewPageEnv(ctx context.Context, results int, latency time.Duration, rateLimit float64) (*PageEnv, error) {
	e := &PageEnv{Results: results, Latency: latency}
	sim, err := simtest.New(simulator.Config{ResultsPerScan: results, Latency: latency, RateLimit: rateLimit, Seed: 1},
		func(sim *simulator.Server) http.Handler { return e.flight.wrap(sim) })
	if err != nil {
		return nil, err
	}
	e.sim = sim
	c, err := e.Client(0, 0)
	if err != nil {
		e.Close()
		return nil, err
	}
	scan, err := c.StartScan(ctx, aether365.StartScanRequest{ScanType: "compliance"})
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
func (e *PageEnv) Close() { e.sim.Close() }

// URL is the simulator's base URL.
func (e *PageEnv) URL() string { return e.sim.URL }

// Client returns a client with the given page concurrency and client-side
// rate limit; 0 means the client's defaults.
func (e *PageEnv) Client(concurrency int, requestsPerSecond float64) (*aether365.Client, error) {
	return aether365.New(aether365.Config{
		BaseURL:           e.sim.URL,
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

// GuideSequential reads every result the way the seed does: page 1, 2, ...
// one after the other, 100 per page, until page >= meta.totalPages.
func (e *PageEnv) GuideSequential(ctx context.Context) (int, error) {
	var all []aether365.Result
	for page := 1; ; page++ {
		var p guidePage
		url := fmt.Sprintf("%s/scans/%s/results?page=%d&limit=100", e.sim.URL, e.ScanID, page)
		if err := guideRequest(ctx, http.MethodGet, url, "", &p); err != nil {
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
	var p guidePage
	started := time.Now()
	err := guideRequest(ctx, http.MethodGet, fmt.Sprintf("%s/scans/%s/results?page=2&limit=100", e.sim.URL, e.ScanID), "", &p)
	return time.Since(started), err
}

// ResultRequests is how many result pages the simulator has served.
func (e *PageEnv) ResultRequests() int { return e.sim.Stats().ByRoute[simulator.StatsKeyListResults] }

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
