package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// failureCounts are a scan's failed results by severity.
type failureCounts struct{ Critical, High, Medium, Low int }

// failedBySeverity counts a scan's failed results by severity as the API
// serves them, the independent truth the comparison is checked against.
func (s *testSimulator) failedBySeverity(t *testing.T, id string) failureCounts {
	t.Helper()
	results, _, err := s.client(t).ListResults(context.Background(), id, aether365.ListResultsOptions{Result: "failed"})
	if err != nil {
		t.Fatalf("reading the failures of scan %s: %v", id, err)
	}
	var c failureCounts
	for _, r := range results {
		switch r.Severity {
		case "critical":
			c.Critical++
		case "high":
			c.High++
		case "medium":
			c.Medium++
		case "low":
			c.Low++
		default:
			t.Fatalf("result %s has severity %q, not one of the API's four", r.ID, r.Severity)
		}
	}
	return c
}

func severityCountsCheck(c failureCounts) knownvalue.Check {
	return knownvalue.ObjectExact(map[string]knownvalue.Check{
		"critical": knownvalue.Int64Exact(int64(c.Critical)),
		"high":     knownvalue.Int64Exact(int64(c.High)),
		"medium":   knownvalue.Int64Exact(int64(c.Medium)),
		"low":      knownvalue.Int64Exact(int64(c.Low)),
	})
}

func total(c failureCounts) int {
	return c.Critical + c.High + c.Medium + c.Low
}

// A flawless baseline makes every failure of the next scan new, and a
// flawless scan resolves every failure of its baseline: exact expectations
// that do not depend on how the simulator shuffles its results.
func TestAccScanComparison_defaultBaselineIsThePreviousCompletedScan(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	release := sim.startCompletedScan(t, 100)
	regressed := sim.startCompletedScan(t, 60)
	regressedFailures := sim.failedBySeverity(t, regressed.ID)
	if regressedFailures.Critical == 0 {
		t.Fatalf("scan %s has no critical failure; the test needs one", regressed.ID)
	}
	config := sim.providerConfig() + `
data "aether365_scan_comparison" "since_last" {
  scan_type = "compliance"
}
`
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("data.aether365_scan_comparison.since_last", "scan_id", regressed.ID),
					expectString("data.aether365_scan_comparison.since_last", "baseline_scan_id", release.ID),
					expectString("data.aether365_scan_comparison.since_last", "tenant_id", testTenant),
					expectValue("data.aether365_scan_comparison.since_last", "score", knownvalue.Float64Exact(60)),
					expectValue("data.aether365_scan_comparison.since_last", "baseline_score", knownvalue.Float64Exact(100)),
					expectValue("data.aether365_scan_comparison.since_last", "score_change", knownvalue.Float64Exact(-40)),
					expectValue("data.aether365_scan_comparison.since_last", "new_failures_by_severity", severityCountsCheck(regressedFailures)),
					expectValue("data.aether365_scan_comparison.since_last", "new_failures", knownvalue.ListSizeExact(total(regressedFailures))),
					expectEveryElement("data.aether365_scan_comparison.since_last", "new_failures", "result", "failed"),
					expectValue("data.aether365_scan_comparison.since_last", "resolved_failures", knownvalue.ListExact([]knownvalue.Check{})),
					expectValue("data.aether365_scan_comparison.since_last", "resolved_failures_by_severity", severityCountsCheck(failureCounts{})),
				},
			},
			{
				// A fixed tenant: the newest scan is now flawless, and every
				// failure of the regressed scan is resolved.
				PreConfig: func() { sim.startCompletedScan(t, 100) },
				Config:    config,
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("data.aether365_scan_comparison.since_last", "baseline_scan_id", regressed.ID),
					expectValue("data.aether365_scan_comparison.since_last", "score_change", knownvalue.Float64Exact(40)),
					expectValue("data.aether365_scan_comparison.since_last", "new_failures", knownvalue.ListExact([]knownvalue.Check{})),
					expectValue("data.aether365_scan_comparison.since_last", "resolved_failures_by_severity", severityCountsCheck(regressedFailures)),
					statecheck.ExpectKnownValue("data.aether365_scan_comparison.since_last",
						tfjsonpath.New("resolved_failures").AtSliceIndex(0).AtMapKey("result"), knownvalue.StringExact("failed")),
				},
			},
		},
	})
}

// releaseGateConfig is the posture-regression guide's gate: no new Critical
// failure since the scan of the last release.
func releaseGateConfig(sim *testSimulator, releaseScanID string) string {
	return sim.providerConfig() + fmt.Sprintf(`
data "aether365_scan_comparison" "since_release" {
  scan_type        = "compliance"
  baseline_scan_id = %q
}

resource "terraform_data" "deploy" {
  input = "release-43"

  lifecycle {
    precondition {
      condition     = data.aether365_scan_comparison.since_release.new_failures_by_severity.critical == 0
      error_message = "${data.aether365_scan_comparison.since_release.new_failures_by_severity.critical} new Critical failures since the last release: ${join(", ", [for r in data.aether365_scan_comparison.since_release.new_failures : r.test_id if r.severity == "critical"])}."
    }
  }
}
`, releaseScanID)
}

func TestAccScanComparison_noNewCriticalFailuresSinceTheRelease(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	release := sim.startCompletedScan(t, 100)
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// A scan after the release that is just as clean passes.
				PreConfig: func() { sim.startCompletedScan(t, 100) },
				Config:    releaseGateConfig(sim, release.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("data.aether365_scan_comparison.since_release", "baseline_scan_id", release.ID),
					expectValue("data.aether365_scan_comparison.since_release", "score_change", knownvalue.Float64Exact(0)),
					expectValue("terraform_data.deploy", "id", knownvalue.NotNull()),
				},
			},
			{
				// A regressed scan, several scans after the release, blocks the plan.
				PreConfig: func() {
					sim.startCompletedScan(t, 95)
					sim.startCompletedScan(t, 55)
				},
				Config:      releaseGateConfig(sim, release.ID),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Resource precondition failed.*[1-9][0-9]* new Critical failures since the\s+last release: (CIS\.M365|AE)\.[0-9.]+`),
			},
		},
	})
}

func TestAccScanComparison_errors(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	only := sim.startCompletedScan(t, 80)
	sim.SetScanDuration(3600 * 1e9)
	running, err := sim.client(t).StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	comparison := func(args string) string {
		return sim.providerConfig() + "\ndata \"aether365_scan_comparison\" \"c\" {\n" + args + "\n}\n"
	}
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      comparison(`scan_id = "` + only.ID + `"`),
				ExpectError: regexp.MustCompile(`(?s)No Baseline Scan to Compare With.*first completed compliance scan.*Set\s+baseline_scan_id`),
			},
			{
				Config:      comparison(fmt.Sprintf("scan_id = %q\nbaseline_scan_id = %q", only.ID, only.ID)),
				ExpectError: regexp.MustCompile(`(?s)Baseline Is the Scan Itself`),
			},
			{
				Config:      comparison(fmt.Sprintf("baseline_scan_id = %q", "scan_does_not_exist")),
				ExpectError: regexp.MustCompile(`(?s)Aether365 Scan Not Found.*scan_does_not_exist`),
			},
			{
				Config:      comparison(fmt.Sprintf("scan_id = %q\nbaseline_scan_id = %q", running.ID, only.ID)),
				ExpectError: regexp.MustCompile(`(?s)Aether365 Scan Not Completed.*` + running.ID + ` is in_progress`),
			},
			{
				Config:      comparison(fmt.Sprintf("scan_id = %q\nscan_type = \"compliance\"", only.ID)),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination`),
			},
		},
	})
}

func TestCompareFailuresMatchesByTestIDAndTitle(t *testing.T) {
	failed := func(id, testID, title string) aether365.Result {
		return aether365.Result{ID: id, TestID: testID, Title: title, Result: "failed"}
	}
	baseline := []aether365.Result{
		failed("result_1", "CIS.M365.1.1.1", "MFA is enforced"),
		failed("result_2", "AE.1068", "Auditing is on (mailbox-0001)"),
	}
	current := []aether365.Result{
		// Same control and subject under a new result ID: still failing, not new.
		failed("result_9", "CIS.M365.1.1.1", "MFA is enforced"),
		// Same control on another object: a new failure.
		failed("result_8", "AE.1068", "Auditing is on (mailbox-0002)"),
	}
	diff := compareFailures(baseline, current)
	if len(diff.added) != 1 || diff.added[0].ID != "result_8" {
		t.Errorf("new failures = %+v, want only result_8", diff.added)
	}
	if len(diff.resolved) != 1 || diff.resolved[0].ID != "result_2" {
		t.Errorf("resolved failures = %+v, want only result_2", diff.resolved)
	}
}
