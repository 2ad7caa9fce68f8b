package bench

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// The benchmarks below are run by scripts/bench.sh (make bench) with
// -run '^$' -bench . and report their figures with b.ReportMetric; ns/op is
// incidental. The tests only count requests on a simulated clock, so no test
// here depends on how fast the machine is.

const (
	longScan  = 10 * time.Minute
	shortScan = 5 * time.Second

	pagedResults = 10000
	pageLatency  = 25 * time.Millisecond
	pages        = pagedResults / 100
)

// BenchmarkP2PolitePolling: GET /scans/{id} requests made while waiting for
// a 10-minute scan (simulated clock shared by client and simulator), with
// and without the simulator's Retry-After hints, against the seed's 30 s
// loop on the same clock. lateness_s is how long after the scan finished
// the wait returned; p1_lateness_s the same for a 5 s scan (P1 must hold).
func BenchmarkP2PolitePolling(b *testing.B) {
	for _, hints := range []bool{true, false} {
		name := "retry-after"
		if !hints {
			name = "no-hint"
		}
		b.Run(name, func(b *testing.B) {
			ctx := context.Background()
			var polls, guidePolls int
			var late, shortLate time.Duration
			for b.Loop() {
				run, err := ProviderWait(ctx, longScan, hints, NewFakeClock())
				if err != nil {
					b.Fatal(err)
				}
				guide, err := GuideWait(ctx, longScan, NewFakeClock())
				if err != nil {
					b.Fatal(err)
				}
				short, err := ProviderWait(ctx, shortScan, hints, NewFakeClock())
				if err != nil {
					b.Fatal(err)
				}
				polls += run.Polls
				guidePolls += guide.Polls
				late += run.Lateness()
				shortLate += short.Lateness()
			}
			n := float64(b.N)
			b.ReportMetric(float64(polls)/n, "polls/op")
			b.ReportMetric(float64(guidePolls)/n, "baseline_polls/op")
			b.ReportMetric(float64(polls)/float64(guidePolls), "polls_vs_baseline")
			b.ReportMetric(late.Seconds()/n, "lateness_s")
			b.ReportMetric(shortLate.Seconds()/n, "p1_lateness_s")
			if !hints {
				b.ReportMetric(HintlessLatenessBound(longScan).Seconds(), "lateness_bound_s")
				b.ReportMetric(float64(MinHintlessPolls(longScan)), "min_polls_within_bound")
			}
		})
	}
}

// BenchmarkP3Pagination: 10,000 results, 100 per page, 25 ms added to every
// response; each iteration reads them with the seed's page-by-page loop and
// with the client's pager (default concurrency). round_trips is the pager's
// time in units of one page request; limit_round_trips is
// 1 + ceil(99 / concurrency), concurrency being the peak number of requests
// the server saw in flight.
func BenchmarkP3Pagination(b *testing.B) {
	ctx := context.Background()
	env, roundTrip := newPagedEnv(b)
	c, err := env.Client(0, 0)
	if err != nil {
		b.Fatal(err)
	}

	var pagerTime, guideTime time.Duration
	peak, requests := 0, 0
	b.ResetTimer()
	for b.Loop() {
		started := time.Now()
		if _, err := env.GuideSequential(ctx); err != nil {
			b.Fatal(err)
		}
		guideTime += time.Since(started)

		env.ResetPeak()
		before := env.ResultRequests()
		started = time.Now()
		if _, err := env.Pager(ctx, c); err != nil {
			b.Fatal(err)
		}
		pagerTime += time.Since(started)
		requests += env.ResultRequests() - before
		peak = max(peak, env.PeakInFlight())
	}
	n := float64(b.N)
	roundTrips := pagerTime.Seconds() / n / roundTrip.Seconds()
	limit := PageRoundTrips(pages, peak)
	b.ReportMetric(pagerTime.Seconds()*1000/n, "pager_ms")
	b.ReportMetric(guideTime.Seconds()*1000/n, "baseline_ms")
	b.ReportMetric(guideTime.Seconds()/pagerTime.Seconds(), "speedup")
	b.ReportMetric(float64(peak), "concurrency")
	b.ReportMetric(roundTrip.Seconds()*1000, "round_trip_ms")
	b.ReportMetric(roundTrips, "round_trips")
	b.ReportMetric(float64(limit), "limit_round_trips")
	b.ReportMetric(roundTrips/float64(limit), "vs_limit")
	b.ReportMetric(float64(requests)/n, "requests/op")
}

// BenchmarkP3Concurrency shows what other page concurrencies would give on
// the same 10,000 results (informational; the default is chosen in
// internal/aether365).
func BenchmarkP3Concurrency(b *testing.B) {
	ctx := context.Background()
	env, roundTrip := newPagedEnv(b)
	for _, concurrency := range []int{2, 4, 6, 8, 12, 16} {
		b.Run(fmt.Sprintf("c=%d", concurrency), func(b *testing.B) {
			c, err := env.Client(concurrency, 0)
			if err != nil {
				b.Fatal(err)
			}
			perOp := timePagerReads(ctx, b, env, c)
			b.ReportMetric(perOp.Seconds()*1000, "pager_ms")
			b.ReportMetric(perOp.Seconds()/roundTrip.Seconds(), "round_trips")
			b.ReportMetric(float64(PageRoundTrips(pages, concurrency)), "limit_round_trips")
			b.ReportMetric(float64(pages)*roundTrip.Seconds()/perOp.Seconds(), "speedup")
		})
	}
}

// BenchmarkP3RateLimited reads 5,000 results (50 pages, 25 ms latency) from
// a simulator allowing 20 requests per second: with the client-side limit a
// bit under it (18/s) the server sends no 429; without it the pager's bursts
// meet 429s, which the retry policy absorbs after Retry-After.
func BenchmarkP3RateLimited(b *testing.B) {
	const serverLimit = 20
	for _, tc := range []struct {
		name string
		rps  float64
	}{{"client-limit-18", 18}, {"no-client-limit", 0}} {
		b.Run(tc.name, func(b *testing.B) {
			ctx := context.Background()
			env, err := NewPageEnv(ctx, 5000, pageLatency, serverLimit)
			if err != nil {
				b.Fatal(err)
			}
			defer env.Close()
			c, err := env.Client(0, tc.rps)
			if err != nil {
				b.Fatal(err)
			}
			// A second's rest refills the server's bucket after the set-up.
			time.Sleep(time.Second)
			before := env.RateLimited()
			perOp := timePagerReads(ctx, b, env, c)
			b.ReportMetric(perOp.Seconds()*1000, "pager_ms")
			b.ReportMetric(float64(env.RateLimited()-before)/float64(b.N), "429s/op")
		})
	}
}

// newPagedEnv starts the 10,000-result simulator of the P3 benchmarks for
// the rest of b and measures one page request on it.
func newPagedEnv(b *testing.B) (*PageEnv, time.Duration) {
	b.Helper()
	env, err := NewPageEnv(context.Background(), pagedResults, pageLatency, 0)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(env.Close)
	return env, medianRoundTrip(b, env)
}

// timePagerReads reads every result with c once per iteration of b and
// returns the mean time of one read.
func timePagerReads(ctx context.Context, b *testing.B, env *PageEnv, c *aether365.Client) time.Duration {
	b.Helper()
	var took time.Duration
	for b.Loop() {
		started := time.Now()
		if _, err := env.Pager(ctx, c); err != nil {
			b.Fatal(err)
		}
		took += time.Since(started)
	}
	return took / time.Duration(b.N)
}

func medianRoundTrip(b *testing.B, env *PageEnv) time.Duration {
	b.Helper()
	var samples []time.Duration
	for range 7 {
		d, err := env.RoundTrip(context.Background())
		if err != nil {
			b.Fatal(err)
		}
		samples = append(samples, d)
	}
	slices.Sort(samples)
	return samples[len(samples)/2]
}

func TestTenMinuteScanPollCounts(t *testing.T) {
	ctx := context.Background()
	hinted, err := ProviderWait(ctx, longScan, true, NewFakeClock())
	if err != nil {
		t.Fatal(err)
	}
	// Hints of 600, 570 ... 30 s, capped at 30 s: a poll at once, then one
	// every 30 s, the last exactly when the scan finishes.
	if hinted.Polls != 21 || hinted.Lateness() != 0 {
		t.Errorf("with hints: %d polls, %s late; want 21, 0s", hinted.Polls, hinted.Lateness())
	}
	bare, err := ProviderWait(ctx, longScan, false, NewFakeClock())
	if err != nil {
		t.Fatal(err)
	}
	// Without hints the waiter polls after a quarter of the time waited
	// (at least 1 s), so the scan is seen at most a quarter of its duration
	// late; reaching 600 s that way takes 28 polls.
	if bare.Polls > 28 || bare.Lateness() > longScan/4 {
		t.Errorf("without hints: %d polls, %s late; want at most 28 polls and %s", bare.Polls, bare.Lateness(), longScan/4)
	}
	guide, err := GuideWait(ctx, longScan, NewFakeClock())
	if err != nil {
		t.Fatal(err)
	}
	if guide.Polls != 21 || guide.TimeToResult != longScan {
		t.Errorf("seed loop: %d polls in %s; want 21 in 10m", guide.Polls, guide.TimeToResult)
	}
}

func TestMinHintlessPolls(t *testing.T) {
	// Polls at 1, 2, 3, 4, 5 s, then a quarter later each time: 6.25 s ...
	// 542 s, 677.5 s.
	for d, want := range map[time.Duration]int{time.Second: 1, 5 * time.Second: 5, 6 * time.Second: 6, longScan: 27} {
		if got := MinHintlessPolls(d); got != want {
			t.Errorf("MinHintlessPolls(%s) = %d, want %d", d, got, want)
		}
	}
}

func TestShortScanIsSeenAsItFinishes(t *testing.T) {
	for _, d := range []time.Duration{2 * time.Second, shortScan, 10 * time.Second, 95 * time.Second} {
		run, err := ProviderWait(context.Background(), d, true, NewFakeClock())
		if err != nil {
			t.Fatal(err)
		}
		if run.Lateness() != 0 || run.Polls > 2+int(d/(30*time.Second)) {
			t.Errorf("%s scan: %d polls, %s late", d, run.Polls, run.Lateness())
		}
	}
}

func TestGuideWaitMatchesItsClosedForm(t *testing.T) {
	for _, d := range []time.Duration{time.Second, shortScan, 30 * time.Second, 31 * time.Second, 7 * time.Minute} {
		run, err := GuideWait(context.Background(), d, NewFakeClock())
		if err != nil {
			t.Fatal(err)
		}
		if want := GuideTimeToResult(d); run.TimeToResult != want {
			t.Errorf("%s scan: the seed loop returned after %s, closed form says %s", d, run.TimeToResult, want)
		}
	}
}

func TestPageRoundTrips(t *testing.T) {
	for _, tc := range []struct{ pages, concurrency, want int }{
		{100, 8, 14}, {100, 4, 26}, {100, 1, 100}, {1, 8, 1}, {0, 8, 0}, {9, 8, 2}, {10, 8, 3},
	} {
		if got := PageRoundTrips(tc.pages, tc.concurrency); got != tc.want {
			t.Errorf("PageRoundTrips(%d, %d) = %d, want %d", tc.pages, tc.concurrency, got, tc.want)
		}
	}
}

func TestPagerAndGuideLoopReadEverything(t *testing.T) {
	ctx := context.Background()
	env, err := NewPageEnv(ctx, 1234, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	c, err := env.Client(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	before := env.ResultRequests()
	if n, err := env.Pager(ctx, c); err != nil || n != 1234 {
		t.Errorf("pager: %d results, %v", n, err)
	}
	if n, err := env.GuideSequential(ctx); err != nil || n != 1234 {
		t.Errorf("seed loop: %d results, %v", n, err)
	}
	if got := env.ResultRequests() - before; got != 2*13 {
		t.Errorf("%d page requests, want 13 each", got)
	}
}
