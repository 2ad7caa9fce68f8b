package aether365

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// withoutPollHints plays a server that never says when a scan will be done:
// it drops Retry-After from successful answers and counts status polls.
type withoutPollHints struct {
	next  http.Handler
	strip bool
	polls atomic.Int32
}

func (h *withoutPollHints) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/scans/") && !strings.HasSuffix(r.URL.Path, "/results") {
		h.polls.Add(1)
	}
	if h.strip {
		w = &hintDropper{ResponseWriter: w}
	}
	h.next.ServeHTTP(w, r)
}

type hintDropper struct {
	http.ResponseWriter
	wrote bool
}

func (d *hintDropper) WriteHeader(status int) {
	if !d.wrote && status < 300 {
		d.Header().Del("Retry-After")
	}
	d.wrote = true
	d.ResponseWriter.WriteHeader(status)
}

func (d *hintDropper) Write(b []byte) (int, error) {
	if !d.wrote {
		d.WriteHeader(http.StatusOK)
	}
	return d.ResponseWriter.Write(b)
}

// waitOnSimulator starts a scan of duration d on the simulator (on a
// simulated clock) and waits for it as the provider does, returning how late
// the completion was seen and how many status polls it took.
func waitOnSimulator(t *testing.T, d time.Duration, hints bool) (late time.Duration, polls int) {
	t.Helper()
	clk := clock.NewFake(time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC))
	sim, err := simulator.New(simulator.Config{ScanDuration: d, Clock: clk, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	handler := &withoutPollHints{next: sim, strip: !hints}
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	c, err := New(Config{BaseURL: srv.URL, APIKey: simulator.DemoAPIKey, Clock: clk})
	if err != nil {
		t.Fatal(err)
	}
	started := clk.Now()
	scan, err := c.StartScan(context.Background(), "", "compliance", "")
	if err != nil {
		t.Fatal(err)
	}
	final, err := c.WaitForScan(context.Background(), scan.ID, WaitOptions{})
	if err != nil || final.Status != ScanStatusCompleted {
		t.Fatalf("wait: %+v, %v", final, err)
	}
	return clk.Now().Sub(started) - d, int(handler.polls.Load())
}

// Without Retry-After hints a scan of d is seen at most max(1 s, d/4) late;
// with them, as soon as it is done and at most every 30 s. Every count here
// is on the simulated clock: nothing sleeps.
func TestWaitForScanLatenessAndPollsWithAndWithoutHints(t *testing.T) {
	tests := []struct {
		duration time.Duration
		// maxPollsBare bounds the polls without hints: the geometric schedule
		// (1 s apart up to 4 s, then a quarter of the time waited), which is
		// the fewest polls that keep the lateness bound for every duration.
		maxPollsBare int
		// pollsHinted is today's exact count with hints.
		pollsHinted int
	}{
		{2 * time.Second, 4, 2},
		{5 * time.Second, 7, 2},
		{10 * time.Second, 11, 2},
		{time.Minute, 19, 3},
		{10 * time.Minute, 28, 21},
	}
	for _, tt := range tests {
		t.Run(tt.duration.String(), func(t *testing.T) {
			bound := max(time.Second, tt.duration/4)
			late, polls := waitOnSimulator(t, tt.duration, false)
			t.Logf("without hints: seen %s late (bound %s) after %d polls", late, bound, polls)
			if late < 0 || late > bound {
				t.Errorf("without hints a %s scan was seen %s late, want at most %s", tt.duration, late, bound)
			}
			if polls > tt.maxPollsBare {
				t.Errorf("without hints a %s scan took %d polls, want at most %d", tt.duration, polls, tt.maxPollsBare)
			}
			late, polls = waitOnSimulator(t, tt.duration, true)
			t.Logf("with hints: seen %s late after %d polls", late, polls)
			if late != 0 || polls != tt.pollsHinted {
				t.Errorf("with hints a %s scan was seen %s late after %d polls, want 0s and %d", tt.duration, late, polls, tt.pollsHinted)
			}
		})
	}
}
