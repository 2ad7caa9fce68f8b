package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// Every page of a large scan is read, filters apply whatever their case (the
// REST API Automation guide's Failed and Critical as well as the reference's
// failed and critical), and max_results caps. With meta as the reference
// shows it, {total, page, limit} without totalPages, the provider reads every
// page too (before, every non-empty list failed as malformed).
func TestAccScanResultsDataSource_paginatesEverything(t *testing.T) {
	for _, omitTotalPages := range []bool{false, true} {
		t.Run(fmt.Sprintf("omit totalPages %v", omitTotalPages), func(t *testing.T) {
			testPaginatesEverything(t, omitTotalPages)
		})
	}
}

func testPaginatesEverything(t *testing.T, omitTotalPages bool) {
	const perScan = 1234
	sim := newTestSimulator(t, simulator.Config{ResultsPerScan: perScan, OmitTotalPages: omitTotalPages})
	scan := sim.startCompletedScan(t, 72)

	// The API's own answers, to compare the provider's with.
	client := sim.client(t)
	count := func(result, severity, framework string) int {
		t.Helper()
		_, meta, err := client.ListResults(context.Background(), scan.ID,
			aether365.ListResultsOptions{Result: result, Severity: severity, Framework: framework, MaxItems: 1})
		if err != nil {
			t.Fatalf("counting results: %v", err)
		}
		return meta.Total
	}
	failed, criticalFailed, cisFailed := count("failed", "", ""), count("failed", "critical", ""), count("failed", "", "cis")
	if failed <= aether365.MaxResultPageSize || criticalFailed == 0 || cisFailed == 0 || cisFailed == failed {
		t.Fatalf("simulator data too small for this test: %d failed, %d critical, %d of CIS", failed, criticalFailed, cisFailed)
	}

	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: sim.providerConfig() + fmt.Sprintf(`
data "aether365_scan_results" "all" {
  scan_id = %q
  result  = "all"
}

# Defaults: the latest completed scan's failures.
data "aether365_scan_results" "failures" {}

# As the REST API Automation guide spells the filters.
data "aether365_scan_results" "critical" {
  result   = "Failed"
  severity = "Critical"
}

data "aether365_scan_results" "cis" {
  framework = "cis"
}

data "aether365_scan_results" "first_ten" {
  result      = "all"
  max_results = 10
}
`, scan.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue("data.aether365_scan_results.all", "total", knownvalue.Int64Exact(perScan)),
					expectValue("data.aether365_scan_results.all", "results", knownvalue.ListSizeExact(perScan)),
					expectString("data.aether365_scan_results.all", "id", scan.ID+"/all/*/*/all"),

					expectString("data.aether365_scan_results.failures", "scan_id", scan.ID),
					expectValue("data.aether365_scan_results.failures", "total", knownvalue.Int64Exact(int64(failed))),
					expectValue("data.aether365_scan_results.failures", "results", knownvalue.ListSizeExact(failed)),
					expectEveryElement("data.aether365_scan_results.failures", "results", "result", "failed"),

					expectString("data.aether365_scan_results.critical", "result", "Failed"),
					expectValue("data.aether365_scan_results.critical", "results", knownvalue.ListSizeExact(criticalFailed)),
					expectEveryElement("data.aether365_scan_results.critical", "results", "severity", "critical"),
					expectEveryElement("data.aether365_scan_results.critical", "results", "result", "failed"),
					statecheck.ExpectKnownValue("data.aether365_scan_results.critical", tfjsonpath.New("counts_by_severity").AtMapKey("critical"),
						knownvalue.Int64Exact(int64(criticalFailed))),
					statecheck.ExpectKnownValue("data.aether365_scan_results.critical", tfjsonpath.New("counts_by_severity").AtMapKey("high"),
						knownvalue.Int64Exact(0)),

					expectValue("data.aether365_scan_results.cis", "results", knownvalue.ListSizeExact(cisFailed)),
					expectEveryElement("data.aether365_scan_results.cis", "results", "framework", "cis"),

					expectValue("data.aether365_scan_results.first_ten", "results", knownvalue.ListSizeExact(10)),
					expectValue("data.aether365_scan_results.first_ten", "total", knownvalue.Int64Exact(perScan)),
					statecheck.ExpectKnownValue("data.aether365_scan_results.first_ten", tfjsonpath.New("results").AtSliceIndex(0),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id":                knownvalue.StringRegexp(regexp.MustCompile(`^result_`)),
							"test_id":           knownvalue.StringRegexp(regexp.MustCompile(`^(CIS\.M365|AE)\.[0-9.]+$`)),
							"help_url":          knownvalue.StringRegexp(regexp.MustCompile(`^https://`)),
							"remediation_steps": knownvalue.StringRegexp(regexp.MustCompile(`^1\. `)),
							"source_tool":       knownvalue.StringExact("compliance"),
						})),
				},
			},
		},
	})
}

// One check's result by its test ID, with its remediation steps; an unknown
// test ID is an error that says how to find the right one.
func TestAccScanResultDataSource_byTestID(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	scan := sim.startCompletedScan(t, 70)
	results, _, err := sim.client(t).ListResults(context.Background(), scan.ID, aether365.ListResultsOptions{Result: "failed", MaxItems: 1})
	if err != nil || len(results) != 1 {
		t.Fatalf("finding a failure: %v", err)
	}
	want := results[0]
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: sim.providerConfig() + fmt.Sprintf(`
data "aether365_scan_result" "check" {
  test_id = %q
}
`, want.TestID),
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("data.aether365_scan_result.check", "scan_id", scan.ID),
					expectString("data.aether365_scan_result.check", "id", want.ID),
					expectString("data.aether365_scan_result.check", "result", "failed"),
					expectString("data.aether365_scan_result.check", "title", want.Title),
					expectString("data.aether365_scan_result.check", "remediation_steps", want.RemediationSteps),
					expectString("data.aether365_scan_result.check", "framework", string(want.Framework)),
				},
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_result" "missing" { test_id = "CIS.M365.99.99.99" }`,
				ExpectError: regexp.MustCompile(`(?s)Aether365 Result Not Found.*CIS\.M365\.99\.99\.99.*aether365_scan_results`),
			},
		},
	})
}

func TestAccScanResultsDataSource_errors(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	requestsBefore := 0
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "none" {}`,
				ExpectError: regexp.MustCompile(`(?s)No Matching Aether365 Scan.*run one first`),
			},
			{
				PreConfig:   func() { requestsBefore = sim.Stats().Requests },
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { result = "warning" }`,
				ExpectError: regexp.MustCompile(`(?s)result is "warning"; it must be one of\s+"all",\s+"passed",\s+"failed",\s+"skipped"`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { severity = "informational" }`,
				ExpectError: regexp.MustCompile(`(?s)severity.*must be one of\s+"critical",\s+"high",\s+"medium",\s+"low"`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { severity = "Critcal" }`,
				ExpectError: regexp.MustCompile(`(?s)Did you mean "critical"\?`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { framework = "iso27001" }`,
				ExpectError: regexp.MustCompile(`(?s)framework.*"cis",\s+"eidsca",\s+"cisa",\s+"nis2"`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { max_results = 0 }`,
				ExpectError: regexp.MustCompile(`(?s)max_results.*between 1`),
			},
			{
				PreConfig: func() {
					if n := sim.Stats().Requests - requestsBefore; n != 0 {
						t.Errorf("%d requests reached Aether365 for arguments that are wrong at plan", n)
					}
					sim.SetScanDuration(time.Hour)
					if _, err := sim.client(t).StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"}); err != nil {
						t.Fatal(err)
					}
				},
				Config:      sim.providerConfig() + `data "aether365_scans" "running" { status = "in_progress" }` + "\n" + `data "aether365_scan_results" "x" { scan_id = data.aether365_scans.running.scans[0].id }`,
				ExpectError: regexp.MustCompile(`(?s)Aether365 Scan Has No Results Yet`),
			},
		},
	})
}

// Every result's values reach state exactly as the API sent them; with
// include_control_text = false the per-control text moves, once per control,
// into controls.
func TestAccScanResultsDataSource_controlText(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ResultsPerScan: 300})
	scan := sim.startCompletedScan(t, 60)
	results, _, err := sim.client(t).ListResults(context.Background(), scan.ID, aether365.ListResultsOptions{})
	if err != nil {
		t.Fatalf("listing results: %v", err)
	}
	withText, withoutText := make([]knownvalue.Check, len(results)), make([]knownvalue.Check, len(results))
	controls := map[string]knownvalue.Check{}
	for i := range results {
		full, slim, control := expectedResult(&results[i])
		withText[i], withoutText[i] = knownvalue.ObjectExact(full), knownvalue.ObjectExact(slim)
		controls[results[i].TestID] = knownvalue.ObjectExact(control)
	}
	if len(controls) >= len(results) {
		t.Fatalf("simulator data has no control with several results (%d controls, %d results)", len(controls), len(results))
	}

	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: sim.providerConfig() + fmt.Sprintf(`
data "aether365_scan_results" "default" {
  scan_id = %[1]q
  result  = "all"
}

data "aether365_scan_results" "slim" {
  scan_id              = %[1]q
  result               = "all"
  include_control_text = false
}
`, scan.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue("data.aether365_scan_results.default", "include_control_text", knownvalue.Bool(true)),
					expectValue("data.aether365_scan_results.default", "results", knownvalue.ListExact(withText)),
					expectValue("data.aether365_scan_results.default", "controls", knownvalue.Null()),

					expectValue("data.aether365_scan_results.slim", "include_control_text", knownvalue.Bool(false)),
					expectValue("data.aether365_scan_results.slim", "results", knownvalue.ListExact(withoutText)),
					expectValue("data.aether365_scan_results.slim", "controls", knownvalue.MapExact(controls)),
				},
			},
		},
	})
}

// expectedResult is what state must hold for r: with its control text, without
// it, and its element of controls.
func expectedResult(r *aether365.Result) (full, slim, control map[string]knownvalue.Check) {
	full, slim, control = map[string]knownvalue.Check{}, map[string]knownvalue.Check{}, map[string]knownvalue.Check{}
	for _, c := range resultColumns {
		full[c.name] = knownvalue.StringExact(c.value(r))
		slim[c.name] = full[c.name]
		if c.controlText {
			slim[c.name] = knownvalue.Null()
			control[c.name] = full[c.name]
		}
	}
	return full, slim, control
}
