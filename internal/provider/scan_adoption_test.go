package provider

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// One scan runs at a time per tenant (published: 409 SCAN_ALREADY_RUNNING).
// These tests start scans outside Terraform the way a schedule, a person or
// an apply killed after its POST did, then run the resource.

// runningScan starts a scan as the plan schedule would, outside the API.
func runningScan(t *testing.T, sim *testSimulator, scanType string) string {
	t.Helper()
	id, err := sim.StartScheduledScan(testTenant, "", api.ScanType(scanType))
	if err != nil {
		t.Fatalf("starting the scheduled scan: %v", err)
	}
	return id
}

// A scan already running when the resource is created, of the same type (a
// schedule's, or one an apply killed before it saved state had started), is
// adopted instead of the apply failing or starting a second scan. Replacing
// the resource afterwards starts a new scan: the one it replaces is never
// adopted back, although it may still be running; the new one waits for it.
func TestAccScanResource_runningScanOfTheSameTypeIsAdopted(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: 3 * time.Second})
	var running string
	config := scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = false")
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { running = runningScan(t, sim, "compliance") },
				Config:    config,
				Check: func(s *terraform.State) error {
					if ids := sim.ScanIDs(testTenant); !slices.Equal(ids, []string{running}) {
						return fmt.Errorf("the server holds %v, want only the adopted scan %s", ids, running)
					}
					if id := s.RootModule().Resources[scanAddress].Primary.ID; id != running {
						return fmt.Errorf("state holds scan %s, want the adopted %s", id, running)
					}
					return nil
				},
			},
			{
				Taint:  []string{scanAddress},
				Config: config,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace)},
				},
				Check: func(s *terraform.State) error {
					ids := sim.ScanIDs(testTenant)
					if len(ids) != 2 || ids[0] != running || s.RootModule().Resources[scanAddress].Primary.ID != ids[1] {
						return fmt.Errorf("the server holds %v, want the replaced scan %s and its replacement in state", ids, running)
					}
					return nil
				},
			},
		},
	})
}

// A running scan of the other type is waited for, then the resource starts
// its own: before, the 409 was read as an Idempotency-Key clash and the
// apply sent 33 POSTs and failed.
func TestAccScanResource_runningScanOfAnotherTypeIsWaitedFor(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: 2 * time.Second})
	var running string
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { running = runningScan(t, sim, "exposure") },
				Config:    scanConfig(sim, "scan_type = \"compliance\""),
				ConfigStateChecks: []statecheck.StateCheck{
					expectString(scanAddress, "scan_type", "compliance"),
					expectString(scanAddress, "status", "completed"),
				},
				Check: func(s *terraform.State) error {
					ids := sim.ScanIDs(testTenant)
					id := s.RootModule().Resources[scanAddress].Primary.ID
					if len(ids) != 2 || ids[0] != running || ids[1] != id {
						return fmt.Errorf("the server holds %v and state %s; want the exposure scan %s, then the resource's own", ids, id, running)
					}
					if posts := sim.Stats().ByRoute[simulator.StatsKeyStartScan]; posts > 4 {
						return fmt.Errorf("%d POSTs to start one scan; waiting must not be a loop of triggers", posts)
					}
					return nil
				},
			},
		},
	})
}

// Two resources of one apply on one tenant and type are two scans: the
// second waits for the first instead of adopting it.
func TestAccScanResource_identicalResourcesGetAScanEach(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Second})
	config := sim.providerConfig() + `
resource "aether365_scan" "twin" {
  count     = 3
  scan_type = "compliance"
}
`
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config,
				Check: func(s *terraform.State) error {
					ids := sim.ScanIDs(testTenant)
					inState := map[string]bool{}
					for i := range 3 {
						inState[s.RootModule().Resources[fmt.Sprintf("aether365_scan.twin.%d", i)].Primary.ID] = true
					}
					if len(ids) != 3 || len(inState) != 3 {
						return fmt.Errorf("the server holds %v and state %v, want three distinct scans", ids, inState)
					}
					return nil
				},
			},
		},
	})
}

// The plan's scan quota (429 SCAN_PLAN_LIMIT_REACHED) fails the apply at
// once with a message that names the quota: before, it was retried five
// times as a rate limit, with advice to lower requests_per_second.
func TestAccScanResource_scanQuotaFailsAtOnce(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanQuota: 1})
	sim.startCompletedScan(t, 90)
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, "scan_type = \"compliance\""),
				ExpectError: diagnosticPattern(`Aether365 Scan Quota Used Up`, `SCAN_PLAN_LIMIT_REACHED`,
					`next\s+billing\s+period`, `did not retry`),
			},
		},
	})
	if posts := sim.Stats().ByRoute[simulator.StatsKeyStartScan]; posts != 2 {
		t.Errorf("%d POSTs, want 2 (the arranged scan and one refused trigger): the quota must not be retried", posts)
	}
}

// A trigger whose answer is lost after the scan started (a reset
// connection) is sent again; the retry meets 409 and the resource takes the
// scan it started, so exactly one scan exists.
func TestAccScanResource_lostTriggerAnswerDoesNotStartASecondScan(t *testing.T) {
	var dropped atomic.Bool
	sim := newTestSimulatorBehind(t, simulator.Config{ScanDuration: 2 * time.Second}, func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && dropped.CompareAndSwap(false, true) {
				sim.ServeHTTP(httptest.NewRecorder(), r) // the scan starts
				hijackAndClose(w)                        // its answer never arrives
				return
			}
			sim.ServeHTTP(w, r)
		})
	})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, "scan_type = \"compliance\""),
				Check: func(s *terraform.State) error {
					ids := sim.ScanIDs(testTenant)
					if !dropped.Load() {
						return errors.New("no answer was dropped: the test proved nothing")
					}
					if len(ids) != 1 || s.RootModule().Resources[scanAddress].Primary.ID != ids[0] {
						return fmt.Errorf("the server holds %v; want exactly the one scan, in state", ids)
					}
					return nil
				},
			},
		},
	})
}

// hijackAndClose drops the connection without an answer.
func hijackAndClose(w http.ResponseWriter) {
	hijacker, ok := w.(http.Hijacker)
	if !ok {
		panic("the test server cannot hijack connections")
	}
	conn, _, err := hijacker.Hijack()
	if err == nil {
		_ = conn.Close()
	}
}

// The create timeout bounds the POST that starts the scan too: a server that
// does not answer fails the apply within about the timeout, naming it, not
// after a bound of its own.
func TestAccScanResource_createTimeoutBoundsTheStartRequest(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{Latency: time.Minute})
	var timer stepTimer
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: timer.start,
				Config:    scanConfig(sim, "scan_type = \"compliance\"\ntimeouts {\n  create = \"2s\"\n}"),
				ExpectError: diagnosticPattern(`Timed Out Starting Aether365 Scan`, `create timeout of 2s \(timeouts.create\)`,
					`the\s+next\s+apply's\s+trigger\s+is\s+answered\s+409`),
			},
			{
				PreConfig: func() {
					// The plan before the apply waits for nothing; the apply
					// is cut at 2s. Far below the minute the server takes.
					if err := timer.within(2*time.Second, 40*time.Second); err != nil {
						t.Error(err)
					}
				},
				Config:   scanConfig(sim, "scan_type = \"compliance\""),
				PlanOnly: true,
				// Nothing was recorded, so the resource is still to be created.
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// A scan that fails while Update waits for it (wait_for_completion switched
// on) is replaced by the next plan: Terraform does not taint on Update errors,
// so the recorded status decides.
func TestAccScanResource_failureSeenByUpdateIsReplacedNextPlan(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: 10 * time.Second, ScanOutcome: simulator.OutcomeFailed})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = false"),
			},
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = true"),
				ExpectError: regexp.MustCompile(`(?s)Aether365 Scan Failed.*(next plan replaces it|tainted)`),
			},
			{
				PreConfig: func() {
					sim.SetScanOutcome(simulator.OutcomeCompleted)
					sim.SetScanDuration(0)
				},
				Config: scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectString(scanAddress, "status", "completed")},
				Check:             expectScanCount(sim, 2, "the server holds %d scans, want the failed one and its replacement"),
			},
		},
	})
}

// An update that times out waiting leaves the wait pending: the next plan
// plans to wait again instead of "No changes".
func TestAccScanResource_updateTimeoutWaitsAgainNextPlan(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
	waiting := scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = true\ntimeouts {\n  update = \"1s\"\n}")
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = false\ntimeouts {\n  update = \"1s\"\n}"),
			},
			{
				Config:      waiting,
				ExpectError: diagnosticPattern(`Timed Out Waiting for Aether365 Scan`, `update timeout of 1s`, `next plan waits for it again`),
			},
			{
				Config:             waiting,
				PlanOnly:           true,
				ExpectNonEmptyPlan: true,
			},
		},
	})
}

// pollBlackHole answers everything through the simulator except a poll of
// one scan, which it holds until the client gives up.
type pollBlackHole struct{ sim http.Handler }

func (p pollBlackHole) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/scans/") {
		<-r.Context().Done()
		return
	}
	p.sim.ServeHTTP(w, r)
}

// When no poll is ever answered, the timeout message says where the last
// known status came from instead of contradicting the client's "no status
// seen yet".
func TestAccScanResource_timeoutWithNoPollAnsweredSaysWhereTheStatusCameFrom(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
	server := httptest.NewServer(pollBlackHole{sim: sim.Server})
	t.Cleanup(server.Close)
	gated := &testSimulator{Server: &simtest.Server{Server: sim.Server.Server, URL: server.URL, HTTP: server}}
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(gated, "scan_type = \"compliance\"\ntimeouts {\n  create = \"2s\"\n}"),
				ExpectError: diagnosticPattern(`Timed Out Waiting for Aether365 Scan`, `last known status is "in_progress"`,
					`from Aether365's answer when it accepted the scan; no later poll was answered`),
			},
		},
	})
}
