package provider

import (
	"fmt"
	"regexp"
	"testing"

	tfjson "github.com/hashicorp/terraform-json"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// gateConfig is the plan-time gate: a resource that must not be planned
// while the latest completed scan scores below the threshold.
func gateConfig(sim *testSimulator, threshold int) string {
	return sim.providerConfig() + fmt.Sprintf(`
data "aether365_scan" "latest" {}

resource "terraform_data" "deploy" {
  input = "release-42"

  lifecycle {
    precondition {
      condition     = data.aether365_scan.latest.score >= %d
      error_message = "Microsoft 365 posture is ${data.aether365_scan.latest.score}%%, below %d%%: fix the failures before deploying."
    }
  }
}
`, threshold, threshold)
}

func TestAccScanDataSource_planTimeGate(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	sim.startCompletedScan(t, 64.5)
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// terraform plan itself fails, with the user's message.
				Config:      gateConfig(sim, 80),
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Resource precondition failed.*posture is 64.5%, below 80%`),
			},
			{
				// A newer, better scan opens the gate.
				PreConfig: func() { sim.startCompletedScan(t, 93) },
				Config:    gateConfig(sim, 80),
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue("data.aether365_scan.latest", "score", knownvalue.Float64Exact(93)),
					expectString("data.aether365_scan.latest", "status", "completed"),
					expectValue("terraform_data.deploy", "id", knownvalue.NotNull()),
				},
			},
		},
	})
}

func TestAccScanDataSource_byIDAndFilters(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	first := sim.startCompletedScan(t, 70)
	sim.startCompletedScan(t, 80)
	config := sim.providerConfig() + fmt.Sprintf(`
data "aether365_scan" "first" {
  id = %q
}

data "aether365_scan" "exposure" {
  scan_type = "Exposure"
  status    = "Completed"
}
`, first.ID)
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				// No exposure scan exists yet: a clear error, not an empty object.
				Config:      config,
				ExpectError: regexp.MustCompile(`(?s)No Matching Aether365 Scan.*completed\s+exposure\s+scan`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan" "missing" { id = "scan_000000000000000000000000" }`,
				ExpectError: regexp.MustCompile(`(?s)Aether365 Scan Not Found`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scan" "bad" { status = "done" }`,
				ExpectError: regexp.MustCompile(`(?s)status is "done"; it must be one of "in_progress", "completed", "failed"`),
			},
			{
				Config:      sim.providerConfig() + fmt.Sprintf("data \"aether365_scan\" \"both\" {\n  id = %q\n  status = \"failed\"\n}\n", first.ID),
				ExpectError: regexp.MustCompile(`(?s)Invalid Attribute Combination`),
			},
			// A dot-segment would be sent as /scans/.. and read another path.
			{
				Config:      sim.providerConfig() + `data "aether365_scan" "dots" { id = ".." }`,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 ID.*id is "\.\."`),
			},
			{
				Config:      sim.providerConfig() + `data "aether365_scans" "dots" { tenant_id = "." }`,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 ID.*tenant_id is "\."`),
			},
			{
				Config: sim.providerConfig() + fmt.Sprintf("data \"aether365_scan\" \"first\" {\n  id = %q\n}\n", first.ID),
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("data.aether365_scan.first", "id", first.ID),
					expectValue("data.aether365_scan.first", "score", knownvalue.Float64Exact(70)),
					expectValue("data.aether365_scan.first", "pass_count", knownvalue.NotNull()),
					expectValue("data.aether365_scan.first", "skip_count", knownvalue.NotNull()),
				},
			},
		},
	})
}

// A check block reports a low score as a warning and lets apply succeed.
func TestAccScanDataSource_checkBlockWarns(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	sim.startCompletedScan(t, 55)
	config := sim.providerConfig() + `
check "posture" {
  data "aether365_scan" "latest" {}

  assert {
    condition     = data.aether365_scan.latest.score >= 80
    error_message = "Microsoft 365 posture dropped to ${data.aether365_scan.latest.score}%."
  }
}

resource "terraform_data" "app" {
  input = "still deployed"
}
`
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: config,
				// Terraform plans to re-read a check block's scoped data source on
				// every plan, so the plan after apply is never empty with one.
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					expectCheckStatus("posture", tfjson.CheckStatusFail),
					expectString("terraform_data.app", "output", "still deployed"),
				},
			},
			{
				PreConfig:          func() { sim.startCompletedScan(t, 95) },
				Config:             config,
				ExpectNonEmptyPlan: true,
				ConfigStateChecks: []statecheck.StateCheck{
					expectCheckStatus("posture", tfjson.CheckStatusPass),
				},
			},
		},
	})
}

func TestAccScansDataSource_list(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	var ids []string
	for _, score := range []float64{70, 75, 80} {
		ids = append(ids, sim.startCompletedScan(t, score).ID)
	}
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      sim.providerConfig() + `data "aether365_scans" "bad" { limit = 0 }`,
				ExpectError: regexp.MustCompile(`(?s)limit.*between 1 and 1000`),
			},
			{
				Config: sim.providerConfig() + `
data "aether365_scans" "recent" {
  status = "completed"
  limit  = 2
}

data "aether365_scans" "all" {}
`,
				ConfigStateChecks: []statecheck.StateCheck{
					// Newest first, capped by limit.
					expectValue("data.aether365_scans.recent", "scans", knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[2]), "score": knownvalue.Float64Exact(80)}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact(ids[1]), "score": knownvalue.Float64Exact(75)}),
					})),
					expectValue("data.aether365_scans.all", "scans", knownvalue.ListSizeExact(3)),
					expectString("data.aether365_scans.all", "tenant_id", "me"),
				},
			},
		},
	})
}
