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

// The test key's account, and another key's: a key sees its own account
// only (403 TENANT_ACCESS_DENIED for another's; its scans are 404).
const (
	testAPIKey   = "ae_live_acceptance_test_key"
	testTenant   = "contoso"
	otherAPIKey  = "ae_live_other_account_key"
	otherAccount = "northwind"
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

// parallelAccTest runs tc through Terraform (on PATH, or
// TF_ACC_TERRAFORM_PATH) against the provider in this process, in parallel
// with the other tests. tc names its provider factories only when it needs a
// provider set up differently.
func parallelAccTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	resource.ParallelTest(t, withTestProvider(tc))
}

// accTest is parallelAccTest for a test that must run alone because it sets
// the process environment, or that runs more than one TestCase (t.Parallel
// may be called only once).
func accTest(t *testing.T, tc resource.TestCase) {
	t.Helper()
	resource.Test(t, withTestProvider(tc))
}

func withTestProvider(tc resource.TestCase) resource.TestCase {
	if tc.ProtoV6ProviderFactories == nil {
		tc.ProtoV6ProviderFactories = testAccProtoV6ProviderFactories
	}
	return tc
}

func TestAccProvider_configErrors(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	dataSource := `
data "aether365_scans" "all" {}
`
	accTest(t, resource.TestCase{
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
				ExpectError: regexp.MustCompile(`(?s)Aether365 Tenant Not Accessible.*TENANT_ACCESS_DENIED.*tenant_id`),
			},
			// An empty base_url would silently send the key to the production API.
			{
				Config:      fmt.Sprintf("provider \"aether365\" {\n  base_url = \" \"\n  api_key = %q\n}\n", testAPIKey) + dataSource,
				ExpectError: regexp.MustCompile(`(?s)Empty Aether365 Base URL.*base_url is set but empty`),
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
	accTest(t, resource.TestCase{
		// Not parallel: it sets the process environment.
		PreCheck: func() {
			t.Setenv(envAPIKey, testAPIKey)
			t.Setenv(envBaseURL, sim.URL)
			t.Setenv(envTenantID, otherAccount)
		},
		Steps: []resource.TestStep{
			{
				// The key may not see northwind: proves AETHER365_TENANT_ID was used.
				Config:      `data "aether365_scan" "latest" {}`,
				ExpectError: regexp.MustCompile(`(?s)Aether365 Tenant Not Accessible.*/tenants/northwind/scans.*TENANT_ACCESS_DENIED`),
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
				PreConfig: func() { t.Setenv(envTenantID, otherAccount) },
				Config:    `data "aether365_scan" "latest" { tenant_id = "me" }`,
			},
		},
	})
}

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
	accTest(t, resource.TestCase{
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
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:      sim.providerConfig() + "\ndata \"aether365_scans\" \"all\" {}\n",
			ExpectError: regexp.MustCompile(`(?s)Invalid AETHER365_MAX_READ_MIB.*whole number of MiB`),
		}},
	})
}
