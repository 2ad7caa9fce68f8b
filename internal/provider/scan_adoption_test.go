package provider

import (
	"context"
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

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

func TestStartKeyBase(t *testing.T) {
	base := startKeyBase("me", "compliance", map[string]string{"a": "1", "b": "2"})
	if again := startKeyBase("me", "compliance", map[string]string{"b": "2", "a": "1"}); again != base {
		t.Errorf("the key depends on map order: %s vs %s", base, again)
	}
	for name, other := range map[string]string{
		"tenant":       startKeyBase("contoso", "compliance", map[string]string{"a": "1", "b": "2"}),
		"scan type":    startKeyBase("me", "identity", map[string]string{"a": "1", "b": "2"}),
		"trigger":      startKeyBase("me", "compliance", map[string]string{"a": "1", "b": "3"}),
		"no triggers":  startKeyBase("me", "compliance", nil),
		"shifted text": startKeyBase("me", "compliance", map[string]string{"a": "1b", "": "2"}),
	} {
		if other == base {
			t.Errorf("another %s gives the same key", name)
		}
	}
	if key := startKey(base, 31); len(key) > 255 || regexp.MustCompile(`[^A-Za-z0-9-]`).MatchString(key) {
		t.Errorf("key %q is not a short, header-safe token", key)
	}
}

// orphanScan starts a scan the way an apply killed after its POST did: with
// the first key the resource derives, and nothing in state.
func orphanScan(t *testing.T, sim *testSimulator, tenant, scanType string) string {
	t.Helper()
	scan, err := sim.client(t).StartScan(context.Background(), tenant, scanType, startKey(startKeyBase(tenant, scanType, nil), 0))
	if err != nil {
		t.Fatalf("starting the orphaned scan: %v", err)
	}
	return scan.ID
}

// A scan started by an apply that was killed before Terraform saved state is
// adopted by the next apply instead of a second scan being started. Replacing
// the resource afterwards starts a new scan: the one it replaces is never
// adopted back, although it is still running.
func TestAccScanResource_orphanedScanIsAdopted(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
	var orphan string
	config := scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = false")
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() { orphan = orphanScan(t, sim, "me", "compliance") },
				Config:    config,
				Check: func(s *terraform.State) error {
					if ids := sim.ScanIDs(testTenant); !slices.Equal(ids, []string{orphan}) {
						return fmt.Errorf("the server holds %v, want only the adopted scan %s", ids, orphan)
					}
					if id := s.RootModule().Resources[scanAddress].Primary.ID; id != orphan {
						return fmt.Errorf("state holds scan %s, want the adopted %s", id, orphan)
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
					if len(ids) != 2 || ids[0] != orphan || s.RootModule().Resources[scanAddress].Primary.ID != ids[1] {
						return fmt.Errorf("the server holds %v, want the replaced scan %s and its replacement in state", ids, orphan)
					}
					return nil
				},
			},
		},
	})
}

// A finished scan started with the resource's first key, by an earlier
// configuration with the same arguments, is not the resource's own scan when
// the POST that reaches it is a retry (the first attempt was refused): the
// resource starts a new scan rather than take that one and its old score.
func TestAccScanResource_retryReachingAnEarlierFinishedScanStartsANewOne(t *testing.T) {
	simClock := simtest.NewClock()
	var refuseNextPost atomic.Bool
	sim := newTestSimulatorBehind(t, simulator.Config{Clock: simClock}, func(sim *simulator.Server) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == http.MethodPost && refuseNextPost.CompareAndSwap(true, false) {
				w.Header().Set("Content-Type", "application/json")
				w.WriteHeader(http.StatusServiceUnavailable)
				_, _ = fmt.Fprintf(w, `{"success":false,"error":{"code":%q,"message":"try again"}}`, apicode.ServiceUnavailable)
				return
			}
			sim.ServeHTTP(w, r)
		})
	})
	var earlier string
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				PreConfig: func() {
					earlier = orphanScan(t, sim, "me", "compliance")
					simClock.Advance(10 * time.Minute)
					refuseNextPost.Store(true)
				},
				Config: scanConfig(sim, "scan_type = \"compliance\""),
				Check: func(s *terraform.State) error {
					ids := sim.ScanIDs(testTenant)
					id := s.RootModule().Resources[scanAddress].Primary.ID
					if id == earlier || len(ids) != 2 || !slices.Contains(ids, id) {
						return fmt.Errorf("state holds scan %s and the server %v; want a new scan besides the earlier %s", id, ids, earlier)
					}
					if refuseNextPost.Load() {
						return errors.New("no POST was refused: the test proved nothing")
					}
					return nil
				},
			},
		},
	})
}

// Two resources with the same arguments are two scans, even though they
// derive the same idempotency keys.
func TestAccScanResource_identicalResourcesGetAScanEach(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
	config := sim.providerConfig() + `
resource "aether365_scan" "twin" {
  count               = 3
  scan_type           = "compliance"
  wait_for_completion = false
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
					`same idempotency key \(tf-aether365-v1-[0-9a-f]{32}-0\)`),
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
				Check:             expectScanCount(sim, testTenant, 2, "the server holds %d scans, want the failed one and its replacement"),
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
				ExpectError: diagnosticPattern(`Timed Out Waiting for Aether365 Scan`, `last known status is "queued"`,
					`from Aether365's answer when it accepted the scan; no later poll was answered`),
			},
		},
	})
}
