// Package bench measures the provider's client against the simulator: how
// many status polls a wait costs and how soon it sees a scan finish (P1,
// P2), and how fast the pager reads 10,000 results (P3), each next to the
// seed's own pattern (a 30 s polling loop, a page-by-page loop) run on the
// same simulator. bench_test.go turns these into Go
// benchmarks; cmd/benchrun adds the parts where Terraform itself runs and
// writes the report. Nothing in the provider imports this package.
package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// GuidePollInterval is the seed's "time.sleep(30)" between status polls.
const GuidePollInterval = 30 * time.Second

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

// newWaitSim starts a simulator on clk behind a loopback server, without
// its Retry-After hints unless hints is set.
// Polling hints (Retry-After) are the assumed profile's: the published API
// sends none, so without hints is what the real service is documented to do.
func newWaitSim(scanDuration time.Duration, hints bool, clk clock.Clock) (*simtest.Server, error) {
	profile := simulator.ProfilePublished
	if hints {
		profile = simulator.ProfileAssumed
	}
	return simtest.New(simulator.Config{Profile: profile, ScanDuration: scanDuration, Clock: clk, Seed: 1}, nil)
}

// ProviderWait starts a scan of the given duration and waits for it with
// the client's WaitForScan and its default options, from the moment
// StartScan answered (SeenAt), as the aether365_scan resource does. hints=false strips the simulator's Retry-After hints.
func ProviderWait(ctx context.Context, scanDuration time.Duration, hints bool, clk clock.Clock) (WaitRun, error) {
	sim, err := newWaitSim(scanDuration, hints, clk)
	if err != nil {
		return WaitRun{}, err
	}
	defer sim.Close()
	c, err := aether365.New(aether365.Config{BaseURL: sim.URL, APIKey: simulator.DemoAPIKey, Clock: clk})
	if err != nil {
		return WaitRun{}, err
	}
	started := clk.Now()
	scan, err := c.StartScan(ctx, aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		return WaitRun{}, err
	}
	final, err := c.WaitForScan(ctx, scan.ID, aether365.WaitOptions{SeenAt: c.Now()})
	if err != nil {
		return WaitRun{}, err
	}
	if string(final.Status) != aether365.ScanStatusCompleted {
		return WaitRun{}, fmt.Errorf("scan %s ended %s", final.ID, final.Status)
	}
	return WaitRun{
		ScanDuration: scanDuration,
		Polls:        sim.Stats().ByRoute[simulator.StatsKeyGetScan],
		TimeToResult: clk.Now().Sub(started),
	}, nil
}

// GuideWait plays the seed's "Trigger a scan and wait for results" loop with
// plain HTTP, request for request: POST the scan, then GET it; while it is
// not completed or failed, sleep 30 s and GET again.
func GuideWait(ctx context.Context, scanDuration time.Duration, clk clock.Clock) (WaitRun, error) {
	sim, err := newWaitSim(scanDuration, true, clk)
	if err != nil {
		return WaitRun{}, err
	}
	defer sim.Close()
	started := clk.Now()
	var scan struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	}
	if err := guideRequest(ctx, http.MethodPost, sim.URL+"/tenants/me/scans", `{"scan_type": "compliance"}`, &scan); err != nil {
		return WaitRun{}, err
	}
	id := scan.ID
	for {
		if err := guideRequest(ctx, http.MethodGet, sim.URL+"/scans/"+id, "", &scan); err != nil {
			return WaitRun{}, err
		}
		if scan.Status == "completed" || scan.Status == "failed" {
			break
		}
		if err := clk.Sleep(ctx, GuidePollInterval); err != nil {
			return WaitRun{}, err
		}
	}
	return WaitRun{
		ScanDuration: scanDuration,
		Polls:        sim.Stats().ByRoute[simulator.StatsKeyGetScan],
		TimeToResult: clk.Now().Sub(started),
	}, nil
}

// HintlessLatenessBound is how late a waiter may see a scan of duration d
// finish when the server gives no polling hint: a quarter of d, and at
// least a second.
func HintlessLatenessBound(d time.Duration) time.Duration { return max(time.Second, d/4) }

// MinHintlessPolls is the fewest status polls with which any waiter that
// does not know d sees a scan of duration d finish within
// HintlessLatenessBound. A scan that finishes just after a poll at t is seen
// at the next poll, so the next may come at most HintlessLatenessBound(t)
// later; taking each such longest step reaches d with the fewest polls.
// The POST that starts the scan is the look at t = 0.
func MinHintlessPolls(d time.Duration) int {
	polls := 0
	for at := time.Duration(0); at < d; polls++ {
		at += HintlessLatenessBound(at)
	}
	return polls
}

// GuideTimeToResult is the seed's loop in closed form: it polls at 0, 30 s,
// 60 s ... and so returns at the first multiple of 30 s at or after the scan
// finishes.
func GuideTimeToResult(scanDuration time.Duration) time.Duration {
	polls := int64((scanDuration + GuidePollInterval - 1) / GuidePollInterval)
	return time.Duration(polls) * GuidePollInterval
}

// CurvePoint is the time to result for one scan duration.
type CurvePoint struct {
	ScanDuration                   time.Duration
	Provider                       time.Duration // measured: WaitForScan on the simulator
	ProviderNoHint                 time.Duration // measured, Retry-After hints stripped
	Guide                          time.Duration // the seed's loop, ceil(d/30 s)·30 s
	Polls, PollsNoHint, GuidePolls int
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
		guide, err := GuideWait(ctx, d, NewFakeClock())
		if err != nil {
			return nil, fmt.Errorf("%s scan, seed loop: %w", d, err)
		}
		points = append(points, CurvePoint{
			ScanDuration: d, Provider: hinted.TimeToResult, ProviderNoHint: bare.TimeToResult, Guide: guide.TimeToResult,
			Polls: hinted.Polls, PollsNoHint: bare.Polls, GuidePolls: guide.Polls,
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
