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

// Every page of a large scan is read, filters apply, and max_results caps.
func TestAccScanResultsDataSource_paginatesEverything(t *testing.T) {
	const perScan = 1234
	sim := newTestSimulator(t, simulator.Config{ResultsPerScan: perScan})
	scan := sim.startCompletedScan(t, 72)

	// The API's own answers, to compare the provider's with.
	client := sim.client(t)
	count := func(result, severity string) int {
		t.Helper()
		_, meta, err := client.ListResults(context.Background(), scan.ID, aether365.ListResultsOptions{Result: result, Severity: severity, MaxItems: 1})
		if err != nil {
			t.Fatalf("counting results: %v", err)
		}
		return meta.Total
	}
	failed, criticalFailed := count("Failed", ""), count("Failed", "Critical")
	if failed <= aether365.MaxPageSize || criticalFailed == 0 {
		t.Fatalf("simulator data too small for this test: %d failed, %d critical", failed, criticalFailed)
	}

	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: sim.providerConfig() + fmt.Sprintf(`
data "aether365_scan_results" "all" {
  scan_id = %q
  result  = "All"
}

# Defaults: the latest completed scan's failures.
data "aether365_scan_results" "failures" {}

data "aether365_scan_results" "critical" {
  result   = "Failed"
  severity = "Critical"
}

data "aether365_scan_results" "first_ten" {
  result      = "All"
  max_results = 10
}
`, scan.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue("data.aether365_scan_results.all", "total", knownvalue.Int64Exact(perScan)),
					expectValue("data.aether365_scan_results.all", "results", knownvalue.ListSizeExact(perScan)),
					expectString("data.aether365_scan_results.all", "id", scan.ID+"/All/*/all"),

					expectString("data.aether365_scan_results.failures", "scan_id", scan.ID),
					expectValue("data.aether365_scan_results.failures", "total", knownvalue.Int64Exact(int64(failed))),
					expectValue("data.aether365_scan_results.failures", "results", knownvalue.ListSizeExact(failed)),
					expectEveryElement("data.aether365_scan_results.failures", "results", "result", "Failed"),

					expectValue("data.aether365_scan_results.critical", "results", knownvalue.ListSizeExact(criticalFailed)),
					expectEveryElement("data.aether365_scan_results.critical", "results", "severity", "Critical"),
					expectEveryElement("data.aether365_scan_results.critical", "results", "result", "Failed"),
					statecheck.ExpectKnownValue("data.aether365_scan_results.critical", tfjsonpath.New("counts_by_severity").AtMapKey("critical"),
						knownvalue.Int64Exact(int64(criticalFailed))),
					statecheck.ExpectKnownValue("data.aether365_scan_results.critical", tfjsonpath.New("counts_by_severity").AtMapKey("high"),
						knownvalue.Int64Exact(0)),

					expectValue("data.aether365_scan_results.first_ten", "results", knownvalue.ListSizeExact(10)),
					expectValue("data.aether365_scan_results.first_ten", "total", knownvalue.Int64Exact(perScan)),
					statecheck.ExpectKnownValue("data.aether365_scan_results.first_ten", tfjsonpath.New("results").AtSliceIndex(0),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{
							"id":            knownvalue.StringRegexp(regexp.MustCompile(`^res_`)),
							"control_id":    knownvalue.NotNull(),
							"reference_url": knownvalue.StringRegexp(regexp.MustCompile(`^https://`)),
						})),
				},
			},
		},
	})
}

func TestAccScanResultsDataSource_errors(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "none" {}`,
				ExpectError: regexp.MustCompile(`(?s)No Matching Aether365 Scan.*run one first`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { result = "failed" }`,
				ExpectError: regexp.MustCompile(`(?s)result.*value must be one of.*"Failed"`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { severity = "critical" }`,
				ExpectError: regexp.MustCompile(`(?s)severity.*value must be one of.*"Critical"`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan_results" "x" { max_results = 0 }`,
				ExpectError: regexp.MustCompile(`(?s)max_results.*between 1`),
			},
			{
				PreConfig: func() {
					sim.SetScanDuration(time.Hour)
					if _, err := sim.client(t).StartScan(context.Background(), "me", "compliance", ""); err != nil {
						t.Fatal(err)
					}
				},
				Config:      sim.providerConfig() + `data "aether365_scans" "running" { status = "queued" }` + "\n" + `data "aether365_scan_results" "x" { scan_id = data.aether365_scans.running.scans[0].id }`,
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
		controls[results[i].ControlID] = knownvalue.ObjectExact(control)
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
  result  = "All"
}

data "aether365_scan_results" "slim" {
  scan_id              = %[1]q
  result               = "All"
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
