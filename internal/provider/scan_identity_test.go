package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// Identities exist from Terraform 1.12 on.
var skipBelowIdentity = []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_12_0)}

func expectScanIdentity(address, tenant string, id knownvalue.Check) statecheck.StateCheck {
	return statecheck.ExpectIdentity(address, map[string]knownvalue.Check{
		"tenant_id": knownvalue.StringExact(tenant),
		"id":        id,
	})
}

// Create records the identity {tenant_id, id}; importing by that identity
// and by the TENANT/SCAN_ID string both give the same state.
func TestAccScanResource_identity(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	existing := sim.startCompletedScan(t, 90)
	var scanID string
	accTest(t, resource.TestCase{
		TerraformVersionChecks: skipBelowIdentity,
		Steps: []resource.TestStep{
			{
				Config: scanConfig(sim, `scan_type = "compliance"`),
				ConfigStateChecks: []statecheck.StateCheck{
					expectScanIdentity(scanAddress, "me", knownvalue.StringRegexp(regexp.MustCompile(`^scan_`))),
				},
				Check: captureID(scanAddress, &scanID),
			},
			{
				ResourceName:    scanAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithResourceIdentity,
				Config:          scanConfig(sim, `scan_type = "compliance"`),
			},
			{
				ResourceName:    scanAddress,
				ImportState:     true,
				ImportStateKind: resource.ImportBlockWithID,
				Config:          scanConfig(sim, `scan_type = "compliance"`),
			},
			{
				// An identity block without tenant_id means the provider's tenant.
				Config: sim.providerConfig() + `
resource "aether365_scan" "adopted" {
  scan_type = "compliance"
}
import {
  to       = aether365_scan.adopted
  identity = { id = "` + existing.ID + `" }
}
resource "aether365_scan" "test" {
  scan_type = "compliance"
}
`,
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PreApply: []plancheck.PlanCheck{plancheck.ExpectResourceAction("aether365_scan.adopted", plancheck.ResourceActionNoop)},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					expectScanIdentity("aether365_scan.adopted", "me", knownvalue.StringExact(existing.ID)),
					expectString("aether365_scan.adopted", "tenant_id", "me"),
				},
			},
		},
	})
	if n := sim.ScanCount(testTenant); n != 2 {
		t.Errorf("%d scans, want 2 (one arranged, one created): imports must not start scans", n)
	}
}

// importConfig is a configuration that imports scan into aether365_scan.adopted.
func importConfig(sim *testSimulator, providerTenant, resourceTenant, importLine string) string {
	provider := sim.providerConfig()
	if providerTenant != "" {
		provider = fmt.Sprintf(`
provider "aether365" {
  base_url  = %q
  api_key   = %q
  tenant_id = %q
}
`, sim.URL, testAPIKey, providerTenant)
	}
	tenantLine := ""
	if resourceTenant != "" {
		tenantLine = fmt.Sprintf("tenant_id = %q", resourceTenant)
	}
	return provider + fmt.Sprintf(`
resource "aether365_scan" "adopted" {
  scan_type = "compliance"
  %s
}
import {
  to = aether365_scan.adopted
  %s
}
`, tenantLine, importLine)
}

// Importing a scan the key's account does not own fails, whatever form the
// import takes: another account's scan is invisible to the key (404
// SCAN_NOT_FOUND, as published), and the error says so instead of
// Terraform's generic "non-existent remote object"; the key's own scan
// imported under another account's name fails and names the right one.
func TestAccScanResource_importUnderWrongTenantFails(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	ctx := context.Background()
	own, err := sim.client(t).StartScan(ctx, aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := sim.otherClient(t).StartScan(ctx, aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	invisible := regexp.MustCompile(`(?s)Aether365 Scan Not Found.*` + other.ID + `.*another\s+account`)
	steps := []resource.TestStep{
		{Config: importConfig(sim, "", "", fmt.Sprintf("id = %q", other.ID)), ExpectError: invisible},
		// A schedule's ID says which resource imports it.
		{Config: importConfig(sim, "", "", `id = "sched_abc123"`),
			ExpectError: regexp.MustCompile(`(?s)"sched_abc123"\s+looks\s+like\s+a\s+scheduled\s+scan's\s+ID:\s+import\s+it\s+into\s+an\s+aether365_scheduled_scan\s+resource`)},
		{Config: importConfig(sim, "", "me", fmt.Sprintf("id = %q", "me/"+other.ID)), ExpectError: invisible},
		{Config: importConfig(sim, "", testTenant, fmt.Sprintf("id = %q", testTenant+"/"+other.ID)), ExpectError: invisible},
		{Config: importConfig(sim, otherAccount, "", fmt.Sprintf("id = %q", own.ID)),
			ExpectError: regexp.MustCompile(`(?s)` + own.ID + `\s+belongs\s+to\s+tenant\s+"` + testTenant + `"`)},
		{
			// The right tenant imports, recorded as the configuration names it.
			Config:            importConfig(sim, "", "", fmt.Sprintf("id = %q", own.ID)),
			ConfigStateChecks: []statecheck.StateCheck{expectString("aether365_scan.adopted", "tenant_id", "me")},
		},
	}
	accTest(t, resource.TestCase{ProtoV6ProviderFactories: testAccProtoV6ProviderFactories, Steps: steps})
}

func TestAccScanResource_importIdentityOfAnotherAccountsScanFails(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	own := sim.startCompletedScan(t, 90)
	other, err := sim.otherClient(t).StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	invisible := regexp.MustCompile(`(?s)Aether365 Scan Not Found.*` + other.ID)
	accTest(t, resource.TestCase{
		TerraformVersionChecks: skipBelowIdentity,
		Steps: []resource.TestStep{
			{Config: importConfig(sim, "", "", fmt.Sprintf("identity = { id = %q }", other.ID)), ExpectError: invisible},
			{Config: importConfig(sim, "", testTenant, fmt.Sprintf("identity = { id = %q, tenant_id = %q }", other.ID, testTenant)), ExpectError: invisible},
			{
				Config: importConfig(sim, "", testTenant, fmt.Sprintf("identity = { id = %q, tenant_id = %q }", own.ID, testTenant)),
				ConfigStateChecks: []statecheck.StateCheck{
					expectScanIdentity("aether365_scan.adopted", testTenant, knownvalue.StringExact(own.ID)),
				},
			},
		},
	})
}
