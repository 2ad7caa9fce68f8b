package aether365

import (
	"context"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// waitOnSimulator starts a scan of duration d on the simulator (on a
// simulated clock) and waits for it as the provider does (with SeenAt, the
// moment StartScan answered, when seen is set), returning how late the
// completion was seen and how many status polls it took.
func waitOnSimulator(t *testing.T, d time.Duration, hints, seen bool) (late time.Duration, polls int) {
	t.Helper()
	clk := simtest.NewClock()
	// Polling hints are SILENT in the reference: only the assumed profile
	// sends them, and the published one is the server without hints.
	profile := simulator.ProfilePublished
	if hints {
		profile = simulator.ProfileAssumed
	}
	srv := simtest.Start(t, simulator.Config{Profile: profile, ScanDuration: d, Clock: clk, Seed: 1})
	c, err := New(Config{BaseURL: srv.URL, APIKey: simulator.DemoAPIKey, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	started := clk.Now()
	scan, err := c.StartScan(context.Background(), StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	var opts WaitOptions
	if seen {
		opts.SeenAt = c.Now()
	}
	final, err := c.WaitForScan(context.Background(), scan.ID, opts)
	if err != nil || string(final.Status) != ScanStatusCompleted {
		t.Fatalf("wait: %+v, %v", final, err)
	}
	return clk.Now().Sub(started) - d, srv.Stats().ByRoute[simulator.StatsKeyGetScan]
}

// fewestPolls is how many polls, after the scan was seen unfinished at 0,
// any schedule needs to see a scan of d while seeing every scan at most
// max(1 s, its duration/4) late: the k-th poll comes no later than g(k),
// g(0) = 0, g(k) = g(k-1) + max(1 s, g(k-1)/4) (see unhintedDivisor).
func fewestPolls(d time.Duration) int {
	polls := 0
	for at := time.Duration(0); at < d; polls++ {
		at += max(time.Second, at/unhintedDivisor)
	}
	return polls
}

func TestFewestPollsForATenMinuteScanIs27(t *testing.T) {
	for _, tt := range []struct {
		d     time.Duration
		polls int
	}{{time.Second, 1}, {4 * time.Second, 4}, {5 * time.Second, 5}, {6 * time.Second, 6}, {6250 * time.Millisecond, 6},
		{433 * time.Second, 25}, {434 * time.Second, 26}, {542 * time.Second, 26}, {543 * time.Second, 27}, {10 * time.Minute, 27}} {
		if got := fewestPolls(tt.d); got != tt.polls {
			t.Errorf("fewestPolls(%s) = %d, want %d", tt.d, got, tt.polls)
		}
	}
}

// Without Retry-After hints a scan of d is seen at most max(1 s, d/4) late,
// after exactly as many polls as any schedule keeping that bound needs when
// the wait knows the scan was just seen (SeenAt); without SeenAt after one
// more, the immediate first poll (and the first wait's jitter, a tenth of a
// second at most, can cost another near a boundary, though not at ten
// minutes). With hints, as soon as it is done and at most every 30 s, either
// way. Every count here is on the simulated clock: nothing sleeps.
func TestWaitForScanLatenessAndPollsWithAndWithoutHints(t *testing.T) {
	tests := []struct {
		duration time.Duration
		// pollsHinted is the exact count with hints.
		pollsHinted int
	}{
		{2 * time.Second, 2},
		{5 * time.Second, 2},
		{10 * time.Second, 2},
		{time.Minute, 3},
		{5 * time.Minute, 11},
		{10 * time.Minute, 21},
	}
	for _, tt := range tests {
		t.Run(tt.duration.String(), func(t *testing.T) {
			bound := max(time.Second, tt.duration/4)
			fewest := fewestPolls(tt.duration)
			for _, seen := range []bool{true, false} {
				late, polls := waitOnSimulator(t, tt.duration, false, seen)
				t.Logf("without hints, seen at start %t: seen %s late (bound %s) after %d polls (fewest possible %d)", seen, late, bound, polls, fewest)
				if late < 0 || late > bound {
					t.Errorf("without hints a %s scan was seen %s late, want at most %s", tt.duration, late, bound)
				}
				allowed := fewest
				if !seen {
					allowed += 2 // the immediate first poll, and perhaps the jitter
					if tt.duration == 10*time.Minute {
						allowed--
					}
				}
				if polls > allowed || polls < fewest {
					t.Errorf("without hints (seen at start %t) a %s scan took %d polls, want %d..%d", seen, tt.duration, polls, fewest, allowed)
				}
				late, polls = waitOnSimulator(t, tt.duration, true, seen)
				t.Logf("with hints, seen at start %t: seen %s late after %d polls", seen, late, polls)
				if late != 0 || polls != tt.pollsHinted {
					t.Errorf("with hints (seen at start %t) a %s scan was seen %s late after %d polls, want 0s and %d", seen, tt.duration, late, polls, tt.pollsHinted)
				}
			}
		})
	}
}
