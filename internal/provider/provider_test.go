package provider

import (
	"fmt"
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// testAccProtoV6ProviderFactories runs the provider in-process for every
// acceptance test; Terraform itself is the real binary on PATH.
var testAccProtoV6ProviderFactories = map[string]func() (tfprotov6.ProviderServer, error){
	"aether365": NewProtocol6Server("test"),
}

const (
	testAPIKey = "ae_live_acceptance_test_key"
	testTenant = "contoso"
)

// TestMain clears the provider's environment variables, so every test is
// configured by its own provider block alone, whatever the developer's shell
// has set.
func TestMain(m *testing.M) {
	for _, env := range []string{envAPIKey, envBaseURL, envTenantID, envMaxRetries, envAllowInsecureHTTP, envRequestsPerSecond} {
		os.Unsetenv(env)
	}
	os.Exit(m.Run())
}

// testAccPreCheck verifies what the acceptance tests need: only Terraform on
// PATH (or TF_ACC_TERRAFORM_PATH), which terraform-plugin-testing checks itself.
func testAccPreCheck(t *testing.T) {
	t.Helper()
}

func TestAccProvider_configErrors(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	dataSource := `
data "aether365_scans" "all" {}
`
	resource.Test(t, resource.TestCase{
		PreCheck:                 func() { testAccPreCheck(t) },
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = %q\n}\n", sim.URL) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Missing Aether365 API Key.*AETHER365_API_KEY`),
			},
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = %q\n  api_key = \"ae_live_wrong\"\n}\n", sim.URL) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Aether365 Rejected the API Key.*401`),
			},
			{
				Config:      "provider \"aether365\" {\n  base_url = \"http://api.example.com\"\n  api_key = \"ae_live_x\"\n}\n" + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Insecure Aether365 Base URL.*allow_insecure_http`),
			},
			{
				Config:      "provider \"aether365\" {\n  base_url = \"not a url\"\n  api_key = \"ae_live_x\"\n}\n" + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 Base URL`),
			},
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = %q\n  api_key = \"ae_live secret\"\n}\n", sim.URL) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 API Key.*whitespace`),
			},
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = %q\n  api_key = %q\n  max_retries = 50\n}\n", sim.URL, testAPIKey) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)max_retries.*between 0 and 20`),
			},
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = %q\n  api_key = %q\n  tenant_id = \"northwind\"\n}\n", sim.URL, testAPIKey) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Aether365 Tenant Not Accessible.*tenant_id`),
			},
			// An empty tenant would silently mean "me" while state says "".
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = %q\n  api_key = %q\n  tenant_id = \"\"\n}\n", sim.URL, testAPIKey) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 ID.*tenant_id is empty`),
			},
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = %q\n  api_key = %q\n  tenant_id = \".\"\n}\n", sim.URL, testAPIKey) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 ID.*tenant_id is "\."`),
			},
		},
	})
}

func TestAccProvider_environmentVariables(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	sim.startCompletedScan(t, 91)
	resource.Test(t, resource.TestCase{
		// Not parallel: it sets the process environment.
		PreCheck: func() {
			t.Setenv(envAPIKey, testAPIKey)
			t.Setenv(envBaseURL, sim.URL)
			t.Setenv(envTenantID, "fabrikam")
		},
		ProtoV6ProviderFactories: testAccProtoV6ProviderFactories,
		Steps: []resource.TestStep{
			{
				// fabrikam has no scans yet: proves AETHER365_TENANT_ID was used.
				Config:      `data "aether365_scan" "latest" {}`,
				ExpectError: regexp.MustCompile(`(?s)No Matching Aether365 Scan.*no completed scan in\s+tenant\s+"fabrikam"`),
			},
			{
				Config: `data "aether365_scan" "latest" { tenant_id = "me" }`,
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("data.aether365_scan.latest", "tenant_id", testTenant),
				},
			},
			{
				// The environment gets the same check as the argument.
				PreConfig:   func() { t.Setenv(envTenantID, "..") },
				Config:      `data "aether365_scan" "latest" {}`,
				ExpectError: regexp.MustCompile(`(?s)Invalid Aether365 Tenant ID.*AETHER365_TENANT_ID\) is "\.\."`),
			},
			{
				// A valid tenant again, so the test's destroy can configure the provider.
				PreConfig: func() { t.Setenv(envTenantID, "fabrikam") },
				Config:    `data "aether365_scan" "latest" { tenant_id = "me" }`,
			},
		},
	})
}
