package provider

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// A fraction where a whole number is wanted is the user's mistake, said as
// such at plan: before, Terraform showed the framework's "This is always an
// error in the provider" with "%!s(*big.Float=1.5)".
func TestAccWholeNumberArgumentsRejectFractionsAtPlan(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	for name, c := range map[string]struct{ config, want string }{
		"provider max_retries": {
			config: fmt.Sprintf(`provider "aether365" {
  base_url    = %q
  api_key     = %q
  max_retries = 2.5
}
data "aether365_scans" "test" {}`, sim.URL, testAPIKey),
			want: `max_retries must be a whole number, not 2\.5: write 2 or 3\.`,
		},
		"scans limit": {
			config: `data "aether365_scans" "test" { limit = 1.5 }`,
			want:   `limit must be a whole number, not 1\.5: write 1 or 2\.`,
		},
		"scans limit out of range": {
			config: `data "aether365_scans" "test" { limit = 1e30 }`,
			want:   `limit must be a whole number, not 1e\+30: it is out of range\.`,
		},
		"results max_results": {
			config: `data "aether365_scan_results" "test" {
  scan_id     = "scan_x"
  max_results = 2.25
}`,
			want: `max_results must be a whole number, not 2\.25`,
		},
		"schedule minute": {
			config: `resource "aether365_scheduled_scan" "test" {
  name      = "Nightly"
  scan_type = "compliance"
  frequency = "daily"
  hour      = 2
  minute    = -0.5
  timezone  = "UTC"
}`,
			want: `minute must be a whole number, not -0\.5: write -1 or 0\.`,
		},
	} {
		t.Run(name, func(t *testing.T) {
			parallelAccTest(t, resource.TestCase{
				Steps: []resource.TestStep{{
					Config:      withProviderBlock(sim, c.config),
					PlanOnly:    true,
					ExpectError: regexp.MustCompile(c.want),
				}},
			})
		})
	}
}

// withProviderBlock adds sim's provider block to config unless it has one.
func withProviderBlock(sim *testSimulator, config string) string {
	if strings.Contains(config, `provider "aether365"`) {
		return config
	}
	return sim.providerConfig() + config
}
