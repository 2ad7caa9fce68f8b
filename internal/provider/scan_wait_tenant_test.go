package provider

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-log/tflogtest"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// A wait checks every answer against the scan's tenant, unless that is "me".
func TestScanWaitChecksTheTenant(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
	client := sim.client(t)
	scan, err := client.StartScan(context.Background(), aether365.StartScanRequest{Tenant: testTenant, ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	r := &scanResource{}
	r.data = &providerData{client: client, defaultTenant: aether365.DefaultTenant}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()

	_, err = r.waitForScan(ctx, otherAccount, scan.ID)
	var malformed *aether365.MalformedResponseError
	if !errors.As(err, &malformed) || malformed.Field != "data.tenant_id" {
		t.Fatalf("waiting for a %s scan as one of northwind: want a wrong data.tenant_id, got %v", testTenant, err)
	}

	// "me" checks nothing: the wait goes on until its context ends.
	shortCtx, shortCancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer shortCancel()
	if _, err := r.waitForScan(shortCtx, aether365.DefaultTenant, scan.ID); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("waiting under \"me\": want the context's deadline, got %v", err)
	}
}

// A poll that fails while the wait goes on is a structured warning at once,
// before the wait gives up.
func TestScanWaitWarnsAboutFailedPolls(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
	client := sim.client(t)
	scan, err := client.StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	sim.Close()

	var logs bytes.Buffer
	ctx, cancel := context.WithTimeout(tflogtest.RootLogger(context.Background(), &logs), time.Minute)
	defer cancel()
	r := &scanResource{}
	r.data = &providerData{client: client, defaultTenant: testTenant}
	if _, err := r.waitForScan(ctx, testTenant, scan.ID); !errors.Is(err, aether365.ErrUnreachable) {
		t.Fatalf("want the wait to give up on an unreachable API, got %v", err)
	}

	entries, err := tflogtest.MultilineJSONDecode(&logs)
	if err != nil {
		t.Fatal(err)
	}
	var warnings []map[string]any
	for _, e := range entries {
		if e["@level"] == "warn" && e["@message"] == "Polling Aether365 scan failed; still waiting" {
			warnings = append(warnings, e)
		}
	}
	if len(warnings) == 0 {
		t.Fatalf("no warning about the failed poll; logs:\n%v", entries)
	}
	w := warnings[0]
	if w["scan_id"] != scan.ID || w["failed_in_row"] != float64(1) {
		t.Errorf("warning fields = %v, want scan_id %s and failed_in_row 1", w, scan.ID)
	}
	if giveUp, ok := w["give_up_after"].(float64); !ok || giveUp < 2 {
		t.Errorf("give_up_after = %v, want the number of failures the wait tolerates", w["give_up_after"])
	}
	if msg, _ := w["error"].(string); !regexp.MustCompile(`nothing answered at`).MatchString(msg) {
		t.Errorf("error field = %q, want the unreachable API named", msg)
	}
}

// Reading by id checks the scan against the provider's tenant when that is
// a tenant ID: another tenant's scan fails with an attribute error naming
// both, in aether365_scan and in aether365_scan_comparison; its own tenant
// reads it.
func TestAccScanDataSource_idChecksProviderTenant(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	scan := sim.startCompletedScan(t, 80)
	configWith := func(tenant, dataSource string) string {
		return fmt.Sprintf(`
provider "aether365" {
  base_url  = %q
  api_key   = %q
  tenant_id = %q
}
`, sim.URL, testAPIKey, tenant) + fmt.Sprintf(dataSource, scan.ID)
	}
	config := func(tenant string) string {
		return configWith(tenant, `data "aether365_scan" "one" { id = %q }`)
	}
	wrongTenant := regexp.MustCompile(`(?s)Belongs to Another Tenant.*not a scan of tenant\s+"northwind"`)
	accTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      config(otherAccount),
				ExpectError: wrongTenant,
			},
			{
				Config:      configWith(otherAccount, `data "aether365_scan_comparison" "c" { scan_id = %q }`),
				ExpectError: wrongTenant,
			},
			{
				Config: config(testTenant),
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aether365_scan.one", tfjsonpath.New("tenant_id"), knownvalue.StringExact(testTenant)),
					statecheck.ExpectKnownValue("data.aether365_scan.one", tfjsonpath.New("score"), knownvalue.Float64Exact(80)),
				},
			},
		},
	})
}
