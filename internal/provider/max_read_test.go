package provider

import (
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// One read may not take more than max_read_mib: 5,000 results (about 3 MiB)
// under a 1 MiB cap fail with a message that says how to narrow the query or
// raise the cap; out-of-range values fail at plan.
func TestAccProvider_maxReadMiB(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ResultsPerScan: 5000})
	scan := sim.startCompletedScan(t, 50)
	config := func(provider string) string {
		return fmt.Sprintf(`
provider "aether365" {
  base_url = %q
  api_key  = %q
  %s
}

data "aether365_scan_results" "all" {
  scan_id = %q
  result  = "All"
}
`, sim.URL, testAPIKey, provider, scan.ID)
	}
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      config("max_read_mib = 1"),
				ExpectError: regexp.MustCompile(`(?s)read limit\s+of\s+1\s+MiB.*max_results.*max_read_mib`),
			},
			{
				Config:      config("max_read_mib = 0"),
				ExpectError: regexp.MustCompile(`(?s)max_read_mib.*between\s+1\s+and`),
				PlanOnly:    true,
			},
			{
				Config: config("max_read_mib = 64"),
			},
		},
	})
}

func TestAccProvider_maxReadMiBFromEnvironment(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	t.Setenv(envMaxReadMiB, "none")
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{{
			Config:      sim.providerConfig() + "\ndata \"aether365_scans\" \"all\" {}\n",
			ExpectError: regexp.MustCompile(`(?s)Invalid AETHER365_MAX_READ_MIB.*whole number of MiB`),
		}},
	})
}
