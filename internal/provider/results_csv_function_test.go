package provider

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

func TestAccResultsCSVFunction_exportsResults(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ResultsPerScan: 300})
	sim.startCompletedScan(t, 70)
	parallelAccTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: sim.providerConfig() + `
data "aether365_scan_results" "all" {
  result = "all"
}

output "csv" {
  value = provider::aether365::results_csv(data.aether365_scan_results.all.results)
}

output "count" {
  value = length(data.aether365_scan_results.all.results)
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("csv", knownvalue.StringFunc(func(got string) error {
						rows, err := csv.NewReader(strings.NewReader(got)).ReadAll()
						if err != nil {
							return fmt.Errorf("output is not valid CSV: %w", err)
						}
						if want := strings.Join(resultColumnNames, ","); strings.Join(rows[0], ",") != want {
							return fmt.Errorf("header = %v, want %s", rows[0], want)
						}
						if len(rows) != 301 {
							return fmt.Errorf("%d rows, want header + 300", len(rows))
						}
						for i, row := range rows[1:] {
							if !strings.HasPrefix(row[0], "result_") || row[4] == "" || row[5] == "" {
								return fmt.Errorf("row %d incomplete: %v", i+1, row)
							}
						}
						return nil
					})),
				},
			},
		},
	})
}

func TestAccResultsCSVFunction_quotingAndFormulas(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	parallelAccTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_8_0)},
		Steps: []resource.TestStep{
			{
				Config: sim.providerConfig() + `
output "csv" {
  value = provider::aether365::results_csv([
    {
      id = "result_1", test_id = "AE.1068", title = "Block \"auto-forward\", externally", framework = "cis",
      severity = "high", result = "failed", source_tool = "compliance", remediation_steps = "=HYPERLINK(\"http://evil\")\nstep two",
      help_url = null
    },
  ])
}

output "empty" {
  value = provider::aether365::results_csv([])
}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownOutputValue("csv", knownvalue.StringExact(
						"id,test_id,title,framework,severity,result,source_tool,remediation_steps,help_url\n"+
							"result_1,AE.1068,\"Block \"\"auto-forward\"\", externally\",cis,high,failed,compliance,\"'=HYPERLINK(\"\"http://evil\"\")\nstep two\",\n")),
					statecheck.ExpectKnownOutputValue("empty", knownvalue.StringExact(
						"id,test_id,title,framework,severity,result,source_tool,remediation_steps,help_url\n")),
				},
			},
		},
	})
}
