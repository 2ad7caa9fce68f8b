package aether365

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// The simulator tests share a fake clock between the simulator and the
// client, so that ten-minute scans run (and are waited for) at once.

// claims is what a caller that starts several scans remembers: the scans it
// has, which another of its calls may not adopt.
type claims struct {
	mu  sync.Mutex
	ids []string
}

func (c *claims) mayAdopt(s *Scan) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return !slices.Contains(c.ids, s.ID)
}

func (c *claims) add(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ids = append(c.ids, id)
}

// loseEvery201 fronts the simulator: every POST it answers 201 (a scan was
// created) is answered as lose says instead; everything else passes.
func loseEvery201(t *testing.T, lose func(*testing.T, http.ResponseWriter)) simtest.Front {
	return func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method != http.MethodPost {
				sim.ServeHTTP(w, r)
				return
			}
			processed := httptest.NewRecorder()
			sim.ServeHTTP(processed, r)
			if processed.Code == http.StatusCreated {
				lose(t, w)
				return
			}
			recordedAnswer(w, processed)
		})
	}
}

// On the simulator, every answer that would have told the caller of its
// new scan is lost: each call still ends with exactly the one scan it
// created, found again through 409 SCAN_ALREADY_RUNNING, and a later call
// waits for the earlier call's scan instead of adopting it. Fails against
// the old client, which relied on Idempotency-Key replays (no
// StartOrAdoptScan; the published simulator ignores the header).
func TestStartOrAdoptScanAfterLostAnswersOnTheSimulator(t *testing.T) {
	for name, lose := range loseAs {
		t.Run(name, func(t *testing.T) {
			clk := simtest.NewClock()
			server := simtest.StartBehind(t, simulator.Config{Clock: clk, ScanDuration: 10 * time.Minute, Seed: 3}, loseEvery201(t, lose))
			c := newSimulatorClient(t, server.URL, func(cfg *Config) { cfg.Clock = clk })
			var mine claims
			for i := range 3 {
				started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{MayAdopt: mine.mayAdopt})
				if err != nil {
					t.Fatalf("call %d: %v", i, err)
				}
				mine.add(started.Scan.ID)
				ids := server.ScanIDs(simulator.DemoTenant)
				if len(ids) != i+1 || ids[i] != started.Scan.ID || !started.Adopted || !started.AfterLostAnswer {
					t.Fatalf("after call %d the simulator holds %v; the call got %+v, want the newest, adopted after a lost answer", i, ids, started)
				}
				if (i == 0) != (len(started.WaitedFor) == 0) {
					t.Errorf("call %d waited for %v; each later call waits for the one before", i, started.WaitedFor)
				}
			}
			if stats := server.Stats(); stats.ScansCreated != 3 {
				t.Errorf("%d scans created, want 3", stats.ScansCreated)
			}
		})
	}
}

// Against the simulator's own faults (503s, resets after the work was done,
// broken bodies), every call of a client with enough retries succeeds, and
// every start leaves exactly one scan: the one the caller got, now through
// 409 and adoption where the old client had Idempotency-Key replays.
func TestClientSurvivesSimulatorFaults(t *testing.T) {
	clk := simtest.NewClock()
	sim := simtest.Start(t, simulator.Config{Clock: clk, ScanDuration: 10 * time.Minute, ErrorRate: 0.3, ResetRate: 0.1, MalformedRate: 0.1, Seed: 6})
	c := newSimulatorClient(t, sim.URL, func(cfg *Config) { cfg.Clock = clk; cfg.MaxRetries = new(15) })
	ctx := context.Background()
	var (
		ids  []string
		mine claims
		lost int
	)
	for i := range 25 {
		started, err := c.StartOrAdoptScan(ctx, StartScanRequest{ScanType: "compliance"}, StartOptions{MayAdopt: mine.mayAdopt})
		if err != nil {
			t.Fatalf("StartOrAdoptScan %d: %v", i, err)
		}
		if started.AfterLostAnswer {
			lost++
		}
		mine.add(started.Scan.ID)
		ids = append(ids, started.Scan.ID)
		final, err := c.WaitForScan(ctx, started.Scan.ID, WaitOptions{SeenAt: c.Now()})
		if err != nil || final.ID != started.Scan.ID || string(final.Status) != ScanStatusCompleted {
			t.Fatalf("WaitForScan %s: %+v, %v", started.Scan.ID, final, err)
		}
	}
	results, meta, err := c.ListResults(ctx, ids[0], ListResultsOptions{PageSize: 10})
	if err != nil || len(results) != meta.Total || meta.Total != simulator.DefaultResultsPerScan {
		t.Fatalf("ListResults: %d results, meta %+v, err %v", len(results), meta, err)
	}
	if held := sim.ScanIDs(simulator.DemoTenant); !slices.Equal(held, ids) {
		t.Errorf("the simulator holds %d scans %v; the caller started %d %v", len(held), held, len(ids), ids)
	}
	stats := sim.Stats()
	if stats.InjectedErrors == 0 || stats.InjectedResets == 0 || stats.InjectedMalformed < 4 || lost == 0 {
		t.Errorf("too few faults to prove anything: %+v, %d starts after a lost answer", stats, lost)
	}
	t.Logf("%d requests: %d injected 503s, %d resets, %d malformed; %d starts recovered a lost answer",
		stats.Requests, stats.InjectedErrors, stats.InjectedResets, stats.InjectedMalformed, lost)
}

// A scan the plan schedule started outside the API (StartScheduledScan):
// a compliance trigger adopts it, an exposure trigger waits for it and then
// starts its own; a scheduled scan on another connection blocks neither the
// primary connection nor, for its own connection, adoption. Fails against
// the old client (no StartOrAdoptScan; the old simulator allowed any number
// of running scans).
func TestStartOrAdoptScanMeetsAScheduledScanOnTheSimulator(t *testing.T) {
	clk := simtest.NewClock()
	sim := simtest.Start(t, simulator.Config{
		Clock: clk, ScanDuration: 10 * time.Minute,
		Connections: map[string][]string{simulator.DemoTenant: {primaryConnection, otherConnection}},
	})
	c := newSimulatorClient(t, sim.URL, func(cfg *Config) { cfg.Clock = clk })
	ctx := context.Background()
	compliance := api.ScanTypeCompliance

	scheduled, err := sim.StartScheduledScan(simulator.DemoTenant, "", compliance)
	if err != nil {
		t.Fatal(err)
	}
	started, err := c.StartOrAdoptScan(ctx, StartScanRequest{ScanType: "compliance"}, StartOptions{})
	if err != nil || started.Scan.ID != scheduled || !started.Adopted || started.AfterLostAnswer {
		t.Fatalf("compliance: %+v, %v; want the scheduled scan %s adopted", started, err, scheduled)
	}

	started, err = c.StartOrAdoptScan(ctx, StartScanRequest{ScanType: "exposure"}, StartOptions{})
	if err != nil || started.Adopted || !slices.Equal(started.WaitedFor, []string{scheduled}) || started.Scan.ScanType != api.ScanTypeExposure {
		t.Fatalf("exposure: %+v, %v; want a new exposure scan after waiting for %s", started, err, scheduled)
	}
	exposure := started.Scan.ID
	if ids := sim.ScanIDs(simulator.DemoTenant); !slices.Equal(ids, []string{scheduled, exposure}) {
		t.Errorf("scans %v, want %s then %s", ids, scheduled, exposure)
	}
	if _, err := c.WaitForScan(ctx, exposure, WaitOptions{}); err != nil {
		t.Fatal(err)
	}

	onB, err := sim.StartScheduledScan(simulator.DemoTenant, otherConnection, compliance)
	if err != nil {
		t.Fatal(err)
	}
	started, err = c.StartOrAdoptScan(ctx, StartScanRequest{ScanType: "compliance"}, StartOptions{})
	if err != nil || started.Adopted || started.Scan.ID == onB || len(started.WaitedFor) != 0 {
		t.Errorf("primary connection: %+v, %v; want a new scan, not %s of %s", started, err, onB, otherConnection)
	}
	if connection, _ := sim.ScanConnection(started.Scan.ID); connection != primaryConnection {
		t.Errorf("the new scan ran on %q, want %s", connection, primaryConnection)
	}
	started, err = c.StartOrAdoptScan(ctx, StartScanRequest{ConnectionID: otherConnection, ScanType: "compliance"}, StartOptions{})
	if err != nil || started.Scan.ID != onB || !started.Adopted {
		t.Errorf("%s: %+v, %v; want %s adopted", otherConnection, started, err, onB)
	}
}

// The simulator's quota: the trigger past it is one request, answered 429
// SCAN_PLAN_LIMIT_REACHED, never retried, never a rate limit. Fails against
// the old client, which retried it as a rate limit.
func TestScanQuotaOnTheSimulator(t *testing.T) {
	clk := simtest.NewClock()
	sim := simtest.Start(t, simulator.Config{Clock: clk, ScanQuota: 1})
	c := newSimulatorClient(t, sim.URL, func(cfg *Config) { cfg.Clock = clk })
	if _, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{}); err != nil {
		t.Fatal(err)
	}
	before := sim.Stats().ByRoute[simulator.StatsKeyStartScan]
	_, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
	if !errors.Is(err, ErrScanQuotaReached) || errors.Is(err, ErrRateLimited) {
		t.Errorf("err = %v, want ErrScanQuotaReached only", err)
	}
	if posts := sim.Stats().ByRoute[simulator.StatsKeyStartScan] - before; posts != 1 {
		t.Errorf("%d POSTs for the refused trigger, want 1", posts)
	}
}
