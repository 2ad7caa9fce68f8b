package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/compare"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

const scanAddress = "aether365_scan.test"

var scanIDPattern = regexp.MustCompile(`^scan_[0-9a-f]{24}$`)

// firstScanID is the ID of the one scan a test expects the server to hold.
func firstScanID(sim *testSimulator) string {
	ids := sim.ScanIDs(testTenant)
	if len(ids) != 1 {
		return fmt.Sprintf("<%d scans on the server>", len(ids))
	}
	return ids[0]
}

func scanConfig(sim *testSimulator, body string) string {
	return sim.providerConfig() + fmt.Sprintf("resource \"aether365_scan\" \"test\" {\n%s\n}\n", body)
}

// countsServedFor checks a scan's pass and fail counts against the results
// the API serves for the one scan sim holds.
func countsServedFor(t *testing.T, sim *testSimulator, result string) func(int64) error {
	return func(v int64) error {
		ids := sim.ScanIDs(testTenant)
		if len(ids) != 1 {
			return fmt.Errorf("simulator holds %d scans, want 1", len(ids))
		}
		_, meta, err := sim.client(t).ListResults(context.Background(), ids[0],
			aether365.ListResultsOptions{Result: result, MaxItems: 1})
		if err != nil {
			return err
		}
		if v != int64(meta.Total) {
			return fmt.Errorf("the scan counts %d %s checks, the API serves %d", v, result, meta.Total)
		}
		return nil
	}
}

// A scan is created, waited for (the simulator takes a moment, so the poller
// really polls), recorded with its score and the published counts, then
// imported.
func TestAccScanResource_createWaitAndImport(t *testing.T) {
	score := 87.5
	sim := newTestSimulator(t, simulator.Config{ScanDuration: 1500 * time.Millisecond, Score: &score, ResultsPerScan: 200})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, `scan_type = "compliance"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionCreate),
						plancheck.ExpectUnknownValue(scanAddress, tfjsonpath.New("score")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue(scanAddress, "id", knownvalue.StringRegexp(scanIDPattern)),
					expectString(scanAddress, "status", "completed"),
					// The tenant as requested (the provider's default), not its resolved ID.
					expectString(scanAddress, "tenant_id", "me"),
					expectString(scanAddress, "scan_type", "compliance"),
					expectValue(scanAddress, "score", knownvalue.Float64Exact(87.5)),
					expectValue(scanAddress, "completed_at", knownvalue.NotNull()),
					expectValue(scanAddress, "started_at", knownvalue.NotNull()),
					expectValue(scanAddress, "connection_id", knownvalue.Null()),
					expectValue(scanAddress, "wait_for_completion", knownvalue.Bool(true)),
					expectValue(scanAddress, "pass_count", knownvalue.Int64Func(countsServedFor(t, sim, "passed"))),
					expectValue(scanAddress, "fail_count", knownvalue.Int64Func(countsServedFor(t, sim, "failed"))),
					expectValue(scanAddress, "skip_count", knownvalue.Int64Func(countsServedFor(t, sim, "skipped"))),
				},
				Check: expectScanCount(sim, 1, "simulator holds %d scans, want exactly 1"),
			},
			{
				// Nothing changes on a second plan: the finished scan is stable.
				Config: scanConfig(sim, `scan_type = "compliance"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				ResourceName:            scanAddress,
				ImportState:             true,
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				// Local settings change in place, without a new scan.
				Config: scanConfig(sim, "scan_type = \"compliance\"\nfail_on_scan_failure = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectKnownValue(scanAddress, tfjsonpath.New("score"), knownvalue.Float64Exact(87.5)),
					},
				},
				Check: expectScanCount(sim, 1, "simulator holds %d scans after an in-place update, want 1"),
			},
		},
	})
}

// Changing triggers runs a new scan: the plan says replace and the server
// then holds two scans.
func TestAccScanResource_triggersReplace(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	compareIDs := statecheck.CompareValue(compare.ValuesDiffer())
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, "scan_type = \"compliance\"\ntriggers = { release = \"1.0.0\" }"),
				ConfigStateChecks: []statecheck.StateCheck{
					compareIDs.AddStateValue(scanAddress, tfjsonpath.New("id")),
				},
			},
			{
				Config: scanConfig(sim, "scan_type = \"compliance\"\ntriggers = { release = \"1.1.0\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace),
						plancheck.ExpectUnknownValue(scanAddress, tfjsonpath.New("id")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					compareIDs.AddStateValue(scanAddress, tfjsonpath.New("id")),
					statecheck.ExpectKnownValue(scanAddress, tfjsonpath.New("triggers").AtMapKey("release"), knownvalue.StringExact("1.1.0")),
				},
				Check: expectScanCount(sim, 2, "simulator holds %d scans, want 2 (one per trigger value)"),
			},
			{
				// Changing the scan type is also a new scan.
				Config: scanConfig(sim, "scan_type = \"exposure\"\ntriggers = { release = \"1.1.0\" }"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectString(scanAddress, "scan_type", "exposure")},
			},
		},
	})
}

// A failed scan fails the apply naming the scan, stays in state tainted, and
// the next apply replaces it rather than orphaning it.
func TestAccScanResource_failedScanIsTaintedAndReplaced(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanOutcome: "failed"})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      scanConfig(sim, `scan_type = "compliance"`),
				ExpectError: regexp.MustCompile(`(?s)Aether365 Scan Failed.*scan_[0-9a-f]{24}.*tainted`),
			},
			{
				PreConfig: func() { sim.SetScanOutcome("completed") },
				Config:    scanConfig(sim, `scan_type = "compliance"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectString(scanAddress, "status", "completed")},
				Check:             expectScanCount(sim, 2, "simulator holds %d scans, want 2 (the failed one and its replacement)"),
			},
		},
	})
}

// With fail_on_scan_failure = false a failed scan is recorded, not an error.
func TestAccScanResource_failedScanRecordedWhenAllowed(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanOutcome: "failed"})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, "scan_type = \"compliance\"\nfail_on_scan_failure = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					expectString(scanAddress, "status", "failed"),
					expectValue(scanAddress, "score", knownvalue.Null()),
					expectValue(scanAddress, "fail_count", knownvalue.Null()),
				},
			},
		},
	})
}

// A scan slower than the create timeout fails the apply with the scan ID and
// its last status; the ID stays in state, so the next apply replaces it. The
// replacement waits for the timed-out scan, still running, to end (one scan
// at a time per tenant), then starts its own.
func TestAccScanResource_createTimeoutKeepsScanInState(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: 5 * time.Second})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\ntimeouts {\n  create = \"2s\"\n}"),
				ExpectError: regexp.MustCompile(`(?s)Timed Out Waiting for Aether365 Scan.*scan_[0-9a-f]{24}.*last known status\s+is\s+"in_progress"`),
			},
			{
				PreConfig: func() {
					if n := sim.ScanCount(testTenant); n != 1 {
						t.Errorf("after the timeout the simulator holds %d scans, want 1", n)
					}
					sim.SetScanDuration(0)
				},
				Config: scanConfig(sim, "scan_type = \"compliance\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					// Replace, not Create: the timed-out scan was in state, tainted.
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace),
						expectPriorStateString(scanAddress, "id", func() string { return firstScanID(sim) }),
						expectPriorStateString(scanAddress, "status", func() string { return "in_progress" }),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectString(scanAddress, "status", "completed")},
				Check:             expectScanCount(sim, 2, "simulator holds %d scans, want the timed-out one and its replacement"),
			},
		},
	})
}

// Without waiting, apply records the scan in progress; turning waiting on
// later waits in place for the same scan.
func TestAccScanResource_noWait(t *testing.T) {
	// The scan takes 20 minutes on a fake clock that moves only while the
	// provider waits: it is still in progress when step 2 plans, however slow the
	// machine, and the wait of step 2 plays the 20 minutes out at once.
	sim, clk := newFakeClockSimulator(t, 20*time.Minute, 77)
	parallelAccTest(t, resource.TestCase{
		ProtoV6ProviderFactories: fakeClockFactories(sim, clk),
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = false"),
				ConfigStateChecks: []statecheck.StateCheck{
					expectString(scanAddress, "status", "in_progress"),
					expectValue(scanAddress, "score", knownvalue.Null()),
					expectValue(scanAddress, "pass_count", knownvalue.Null()),
				},
			},
			{
				Config: scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionUpdate),
						plancheck.ExpectUnknownValue(scanAddress, tfjsonpath.New("score")),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectString(scanAddress, "status", "completed"),
					expectValue(scanAddress, "score", knownvalue.Float64Exact(77)),
				},
				Check: func(*terraform.State) error {
					if n := sim.ScanCount(testTenant); n != 1 {
						return fmt.Errorf("simulator holds %d scans, want 1: waiting must not start a new scan", n)
					}
					if waited, _ := clk.Slept(); waited < 20*time.Minute {
						return fmt.Errorf("the wait spent %s of fake time; the scan takes 20 minutes", waited)
					}
					return nil
				},
			},
		},
	})
}

// Score gating with a postcondition: a low score fails the apply with the
// user's own message and nothing that depends on the scan is deployed. The
// verdict stands until a new scan is triggered.
func TestAccScanResource_postconditionGatesOnScore(t *testing.T) {
	low := 61.0
	sim := newTestSimulator(t, simulator.Config{Score: &low})
	config := func(attempt int) string {
		return scanConfig(sim, fmt.Sprintf(`scan_type = "compliance"
triggers  = { attempt = "%d" }

lifecycle {
  postcondition {
    condition     = self.score >= 80
    error_message = "Security score ${self.score} is below 80; blocking the deploy."
  }
}`, attempt)) + `
resource "terraform_data" "deploy" {
  input      = aether365_scan.test.score
  depends_on = [aether365_scan.test]
}`
	}
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      config(1),
				ExpectError: regexp.MustCompile(`(?s)Resource postcondition failed.*Security score 61 is below 80; blocking the deploy`),
			},
			{
				// After fixing the tenant, a new scan (new trigger) opens the gate.
				PreConfig: func() { sim.SetScore(92) },
				Config:    config(2),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace),
						// The failed gate kept the deploy from happening at all.
						plancheck.ExpectResourceAction("terraform_data.deploy", plancheck.ResourceActionCreate),
					},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue(scanAddress, "score", knownvalue.Float64Exact(92)),
					statecheck.ExpectKnownValue("terraform_data.deploy", tfjsonpath.New("output"), knownvalue.Float64Exact(92)),
				},
			},
		},
	})
}

// A scan deleted on the server (retention) disappears from state on refresh
// and is planned again.
func TestAccScanResource_removedOnServerIsRecreated(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	var id string
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, `scan_type = "compliance"`),
				Check:  captureID(scanAddress, &id),
			},
			{
				PreConfig: func() {
					if !sim.ForgetScan(id) {
						t.Fatalf("simulator did not hold scan %s", id)
					}
				},
				Config: scanConfig(sim, `scan_type = "compliance"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionCreate)},
				},
			},
		},
	})
}

func TestAccScanResource_invalidInput(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// The reference names two scan types: anything else fails at plan.
				Config:      scanConfig(sim, `scan_type = "posture"`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Value.*scan_type is "posture".*"compliance", "exposure"`),
			},
			{
				Config:      scanConfig(sim, `scan_type = ""`),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Value.*scan_type is ""`),
			},
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\nconnection_id = \"conn/../x\""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 ID.*connection_id`),
			},
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\ntimeouts {\n  create = \"soon\"\n}"),
				ExpectError: regexp.MustCompile(`(?s)(?i)timeout|duration`),
			},
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\ntenant_id = \"northwind\""),
				ExpectError: regexp.MustCompile(`(?s)Aether365 Tenant Not Accessible.*TENANT_ACCESS_DENIED`),
			},
			// Rejected at plan, before any request: IDs that are not one plain
			// path segment, and timeouts that would give up at once.
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\ntenant_id = \"..\""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 ID.*tenant_id is "\.\."`),
			},
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\ntenant_id = \"me/../other\""),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 ID.*tenant_id`),
			},
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\ntimeouts {\n  create = \"-5m\"\n}"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Timeout.*timeouts.create = "-5m" must be a positive duration`),
			},
			{
				Config:      scanConfig(sim, "scan_type = \"compliance\"\nwait_for_completion = false\ntimeouts {\n  update = \"0s\"\n}"),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Timeout.*timeouts.update = "0s"`),
			},
		},
		CheckDestroy: expectScanCount(sim, 0, "rejected input still started %d scans"),
	})
}

// The tenant is part of what a scan is: changing the provider's tenant
// replaces a scan that relies on it, and spelling out the default does not.
func TestAccScanResource_tenantFollowsProvider(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	withProviderTenant := func(tenant, body string) string {
		return fmt.Sprintf(`
provider "aether365" {
  base_url  = %q
  api_key   = %q
  tenant_id = %q
}

resource "aether365_scan" "test" {
%s
}
`, sim.URL, testAPIKey, tenant, body)
	}
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:            withProviderTenant("me", `scan_type = "compliance"`),
				ConfigStateChecks: []statecheck.StateCheck{expectString(scanAddress, "tenant_id", "me")},
			},
			{
				Config: withProviderTenant("me", "scan_type = \"compliance\"\ntenant_id = \"me\""),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()},
				},
			},
			{
				// Naming the account instead of "me" is another tenant_id: a new scan.
				Config: withProviderTenant(testTenant, `scan_type = "compliance"`),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{
						plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace),
						plancheck.ExpectKnownValue(scanAddress, tfjsonpath.New("tenant_id"), knownvalue.StringExact(testTenant)),
					},
				},
				Check: expectScanCount(sim, 2, "the account holds %d scans, want 2"),
			},
			{
				// Import as TENANT/SCAN_ID.
				ResourceName: scanAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return testTenant + "/" + s.RootModule().Resources[scanAddress].Primary.ID, nil
				},
				ImportStateVerify:       true,
				ImportStateVerifyIgnore: []string{"timeouts"},
			},
			{
				ResourceName:  scanAddress,
				ImportState:   true,
				ImportStateId: "northwind/scan_000000000000000000000000",
				ExpectError:   regexp.MustCompile(`(?s)Aether365 Scan Not Found.*scan_000000000000000000000000`),
			},
			{
				ResourceName: scanAddress,
				ImportState:  true,
				ImportStateIdFunc: func(s *terraform.State) (string, error) {
					return otherAccount + "/" + s.RootModule().Resources[scanAddress].Primary.ID, nil
				},
				ExpectError: regexp.MustCompile(`(?s)Aether365 Scan Belongs to Another Tenant.*` + testTenant + `/scan_`),
			},
		},
	})
}

// Switching fail_on_scan_failure on for a recorded failed scan asks for a
// passing scan, so it plans a new one.
func TestAccScanResource_failOnFailureSwitchedOnRescans(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanOutcome: "failed"})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:            scanConfig(sim, "scan_type = \"compliance\"\nfail_on_scan_failure = false"),
				ConfigStateChecks: []statecheck.StateCheck{expectString(scanAddress, "status", "failed")},
			},
			{
				PreConfig: func() { sim.SetScanOutcome("completed") },
				Config:    scanConfig(sim, "scan_type = \"compliance\"\nfail_on_scan_failure = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionReplace)},
				},
				ConfigStateChecks: []statecheck.StateCheck{expectString(scanAddress, "status", "completed")},
			},
			{
				// On a completed scan the same switch is only a local setting.
				Config: scanConfig(sim, "scan_type = \"compliance\"\nfail_on_scan_failure = false"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction(scanAddress, plancheck.ResourceActionUpdate)},
				},
			},
		},
	})
}
