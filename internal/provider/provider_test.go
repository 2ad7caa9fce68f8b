package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
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

// testSimulator is an in-process aether365-sim for one test.
type testSimulator struct {
	*simulator.Server
	URL string
}

// newTestSimulator starts a simulator whose scans finish at once unless cfg
// says otherwise, with testAPIKey for tenant testTenant.
func newTestSimulator(t *testing.T, cfg simulator.Config) *testSimulator {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = map[string][]string{testAPIKey: {testTenant, "fabrikam"}, "ae_live_other": {"northwind"}}
	}
	if cfg.Seed == 0 {
		cfg.Seed = 365
	}
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatalf("starting simulator: %v", err)
	}
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	return &testSimulator{Server: sim, URL: server.URL}
}

// providerConfig is the provider block a user would write for aether365-sim.
func (s *testSimulator) providerConfig() string {
	return fmt.Sprintf(`
provider "aether365" {
  base_url = %q
  api_key  = %q
}
`, s.URL, testAPIKey)
}

// client talks to the simulator directly, to arrange scans before a test
// step or to compare the provider's view with the API's.
func (s *testSimulator) client(t *testing.T) *aether365.Client {
	t.Helper()
	c, err := aether365.New(aether365.Config{BaseURL: s.URL, APIKey: testAPIKey})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// startCompletedScan creates a scan that completes at once with score; the
// simulator must have ScanDuration 0.
func (s *testSimulator) startCompletedScan(t *testing.T, score float64) *aether365.Scan {
	t.Helper()
	s.SetScore(score)
	scan, err := s.client(t).StartScan(context.Background(), "me", "compliance", "")
	if err != nil {
		t.Fatalf("start scan: %v", err)
	}
	if scan.Status != aether365.ScanStatusCompleted {
		t.Fatalf("scan %s is %s; the test simulator should complete scans at once", scan.ID, scan.Status)
	}
	return scan
}

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
		},
	})
}
