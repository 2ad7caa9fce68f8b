package provider

import (
	"context"
	"fmt"
	"regexp"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/list"
	fwresource "github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/querycheck"
	"github.com/hashicorp/terraform-plugin-testing/querycheck/queryfilter"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// scanHistory is a tenant with four scans an hour apart, oldest first:
// compliance 70, exposure (failed), compliance 85, exposure 92.
type scanHistory struct {
	sim   *testSimulator
	start time.Time
	scans []*aether365.Scan
}

func newScanHistory(t *testing.T) *scanHistory {
	t.Helper()
	clk := simtest.NewClock()
	h := &scanHistory{sim: newTestSimulator(t, simulator.Config{Clock: clk}), start: simtest.Epoch}
	client := h.sim.client(t)
	for _, s := range []struct {
		scanType string
		score    float64
		outcome  string
	}{
		{"compliance", 70, simulator.OutcomeCompleted},
		{"exposure", 0, simulator.OutcomeFailed},
		{"compliance", 85, simulator.OutcomeCompleted},
		{"exposure", 92, simulator.OutcomeCompleted},
	} {
		h.sim.SetScore(s.score)
		h.sim.SetScanOutcome(s.outcome)
		scan, err := client.StartScan(context.Background(), aether365.StartScanRequest{ScanType: s.scanType})
		if err != nil {
			t.Fatal(err)
		}
		h.scans = append(h.scans, scan)
		clk.Advance(time.Hour)
	}
	h.sim.SetScanOutcome(simulator.OutcomeCompleted)
	return h
}

func (h *scanHistory) query(blocks string) string {
	return h.sim.providerConfig() + blocks
}

func identityOf(scan *aether365.Scan) map[string]knownvalue.Check {
	return map[string]knownvalue.Check{"tenant_id": knownvalue.StringExact("me"), "id": knownvalue.StringExact(scan.ID)}
}

func TestAccScanListResource_query(t *testing.T) {
	h := newScanHistory(t)
	newest := h.scans[3]
	accTest(t, resource.TestCase{
		TerraformVersionChecks: skipBelowActions,
		Steps: []resource.TestStep{
			filteredQueriesStep(h),
			{
				Query: true,
				Config: h.query(`
list "aether365_scan" "full" {
  provider         = aether365
  include_resource = true
  config {
    scan_type = "Exposure"
    status    = "completed"
  }
}
`),
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("aether365_scan.full", 1),
					querycheck.ExpectResourceKnownValues("aether365_scan.full", queryfilter.ByResourceIdentity(identityOf(newest)),
						[]querycheck.KnownValueCheck{
							{Path: tfjsonpath.New("score"), KnownValue: knownvalue.Float64Exact(92)},
							{Path: tfjsonpath.New("tenant_id"), KnownValue: knownvalue.StringExact("me")},
							{Path: tfjsonpath.New("status"), KnownValue: knownvalue.StringExact("completed")},
						}),
				},
			},
		},
	})
	if n := h.sim.ScanCount(testTenant); n != 4 {
		t.Errorf("%d scans after the queries, want the 4 arranged: a query must not start scans", n)
	}
}

// filteredQueriesStep queries h's scans with each filter and a limit.
func filteredQueriesStep(h *scanHistory) resource.TestStep {
	oldest, failed, newest := h.scans[0], h.scans[1], h.scans[3]
	return resource.TestStep{
		Query: true,
		Config: h.query(`
list "aether365_scan" "all" {
  provider = aether365
}
list "aether365_scan" "compliance" {
  provider = aether365
  config {
    scan_type = "compliance"
  }
}
list "aether365_scan" "failed" {
  provider = aether365
  config {
    status = "failed"
  }
}
list "aether365_scan" "recent" {
  provider = aether365
  config {
    started_after = "` + h.start.Add(90*time.Minute).Format(time.RFC3339) + `"
  }
}
list "aether365_scan" "two" {
  provider = aether365
  limit    = 2
}
`),
		QueryResultChecks: []querycheck.QueryResultCheck{
			querycheck.ExpectLength("aether365_scan.all", 4),
			querycheck.ExpectIdentity("aether365_scan.all", identityOf(oldest)),
			querycheck.ExpectIdentity("aether365_scan.all", identityOf(newest)),
			querycheck.ExpectResourceDisplayName("aether365_scan.all", queryfilter.ByResourceIdentity(identityOf(oldest)),
				knownvalue.StringExact("compliance "+oldest.ID+" completed, score 70 (2026-11-28 10:00 UTC)")),
			querycheck.ExpectResourceDisplayName("aether365_scan.all", queryfilter.ByResourceIdentity(identityOf(failed)),
				knownvalue.StringExact("exposure "+failed.ID+" failed (2026-11-28 11:00 UTC)")),
			querycheck.ExpectLength("aether365_scan.compliance", 2),
			querycheck.ExpectLength("aether365_scan.failed", 1),
			querycheck.ExpectIdentity("aether365_scan.failed", identityOf(failed)),
			querycheck.ExpectLength("aether365_scan.recent", 2),
			querycheck.ExpectIdentity("aether365_scan.recent", identityOf(newest)),
			// Newest first, so the limit keeps the two latest.
			querycheck.ExpectLength("aether365_scan.two", 2),
			querycheck.ExpectIdentity("aether365_scan.two", identityOf(newest)),
		},
	}
}

func TestAccScanListResource_invalidConfig(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	for name, tc := range map[string]struct{ body, want string }{
		"status":        {`status = "done"`, `must be one of "in_progress", "completed", "failed"`},
		"started_after": {`started_after = "yesterday"`, `"yesterday" is not an RFC 3339 timestamp`},
	} {
		t.Run(name, func(t *testing.T) {
			accTest(t, resource.TestCase{
				TerraformVersionChecks: skipBelowActions,
				Steps: []resource.TestStep{{
					Query: true,
					Config: sim.providerConfig() + fmt.Sprintf(`
list "aether365_scan" "bad" {
  provider = aether365
  config {
    %s
  }
}
`, tc.body),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
		})
	}
}

// capturedString checks a value against a string captured by an earlier
// test step, so a query can be checked against scans Terraform created.
type capturedString struct{ value *string }

func (c capturedString) CheckValue(v any) error {
	s, ok := v.(string)
	if !ok || s != *c.value {
		return fmt.Errorf("got %v, want %q", v, *c.value)
	}
	return nil
}

func (c capturedString) String() string { return *c.value }

// Scans created by Terraform in one step are found by a query in the next,
// with the identity the resources recorded.
func TestAccScanListResource_findsScansCreatedEarlier(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	var complianceID, exposureID string
	created := sim.providerConfig() + `
resource "aether365_scan" "compliance" {
  scan_type = "compliance"
}
resource "aether365_scan" "exposure" {
  scan_type = "exposure"
}
`
	accTest(t, resource.TestCase{
		TerraformVersionChecks: skipBelowActions,
		Steps: []resource.TestStep{
			{
				Config: created,
				Check: resource.ComposeTestCheckFunc(
					captureID("aether365_scan.compliance", &complianceID),
					captureID("aether365_scan.exposure", &exposureID),
				),
			},
			{
				// The configuration of the previous step, provider included,
				// stays in place beside the query.
				Query: true,
				Config: `
list "aether365_scan" "exposure" {
  provider = aether365
  config {
    scan_type = "exposure"
  }
}
list "aether365_scan" "completed" {
  provider = aether365
  config {
    status = "completed"
  }
}
`,
				QueryResultChecks: []querycheck.QueryResultCheck{
					querycheck.ExpectLength("aether365_scan.exposure", 1),
					querycheck.ExpectIdentity("aether365_scan.exposure", map[string]knownvalue.Check{
						"tenant_id": knownvalue.StringExact("me"), "id": capturedString{&exposureID},
					}),
					querycheck.ExpectLength("aether365_scan.completed", 2),
					querycheck.ExpectIdentity("aether365_scan.completed", map[string]knownvalue.Check{
						"tenant_id": knownvalue.StringExact("me"), "id": capturedString{&complianceID},
					}),
					querycheck.ExpectResourceDisplayName("aether365_scan.completed", queryfilter.ByResourceIdentity(map[string]knownvalue.Check{
						"tenant_id": knownvalue.StringExact("me"), "id": capturedString{&complianceID},
					}), knownvalue.StringRegexp(regexp.MustCompile(`^compliance scan_\w+ completed, score \d+(\.\d+)? \(\d{4}-\d\d-\d\d \d\d:\d\d UTC\)$`))),
				},
			},
		},
	})
}

// listScans calls List directly, as the framework does for terraform query,
// and collects the results until push returns false.
func listScans(t *testing.T, sim *testSimulator, limit int64, config map[string]tftypes.Value, stopAfter int) []list.ListResult {
	t.Helper()
	ctx := context.Background()
	l := &scanListResource{}
	l.data = &providerData{client: sim.client(t), defaultTenant: aether365.DefaultTenant}
	var schemaResp list.ListResourceSchemaResponse
	l.ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &schemaResp)
	r := &scanResource{}
	var resourceSchema fwresource.SchemaResponse
	r.Schema(ctx, fwresource.SchemaRequest{}, &resourceSchema)
	var identitySchema fwresource.IdentitySchemaResponse
	r.IdentitySchema(ctx, fwresource.IdentitySchemaRequest{}, &identitySchema)

	typ := schemaResp.Schema.Type().TerraformType(ctx)
	raw, err := objectValue(t, typ, config).Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	var stream list.ListResultsStream
	l.List(ctx, list.ListRequest{
		Config:                 tfsdk.Config{Schema: schemaResp.Schema, Raw: raw},
		Limit:                  limit,
		IncludeResource:        true,
		ResourceSchema:         resourceSchema.Schema,
		ResourceIdentitySchema: identitySchema.IdentitySchema,
	}, &stream)
	var results []list.ListResult
	stream.Results(func(result list.ListResult) bool {
		results = append(results, result)
		if result.Diagnostics.HasError() {
			t.Fatalf("result diagnostics: %v", result.Diagnostics)
		}
		return stopAfter == 0 || len(results) < stopAfter
	})
	return results
}

// The request's limit bounds what is read from Aether365, not only what is
// returned: 250 scans (three pages of 100) and a limit of 5 cost one request.
func TestScanListResource_limitBoundsRequests(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	client := sim.client(t)
	for range 250 {
		if _, err := client.StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"}); err != nil {
			t.Fatal(err)
		}
	}
	before := sim.Stats().ByRoute[simulator.StatsKeyListScans]
	results := listScans(t, sim, 5, nil, 0)
	if len(results) != 5 {
		t.Errorf("%d results with limit 5", len(results))
	}
	if n := sim.Stats().ByRoute[simulator.StatsKeyListScans] - before; n != 1 {
		t.Errorf("limit 5 cost %d list requests, want 1", n)
	}
	// Terraform stops reading once it has enough: so does the provider.
	if got := listScans(t, sim, 100, nil, 3); len(got) != 3 {
		t.Errorf("%d results pushed after push returned false at 3", len(got))
	}
	// With the provider-side started_after filter, every page is read.
	before = sim.Stats().ByRoute[simulator.StatsKeyListScans]
	all := listScans(t, sim, 1000, map[string]tftypes.Value{
		"started_after": tftypes.NewValue(tftypes.String, "2000-01-01T00:00:00Z"),
	}, 0)
	if len(all) != 250 {
		t.Errorf("%d results, want all 250", len(all))
	}
	if n := sim.Stats().ByRoute[simulator.StatsKeyListScans] - before; n != 3 {
		t.Errorf("reading 250 scans cost %d list requests, want 3 pages", n)
	}
	var m scanResourceModel
	if diags := all[0].Resource.Get(context.Background(), &m); diags.HasError() {
		t.Fatal(diags)
	}
	if m.TenantID.ValueString() != "me" || !m.WaitForCompletion.ValueBool() || m.Status.ValueString() != "completed" {
		t.Errorf("included resource = %+v; want tenant me, wait_for_completion true, status completed", m)
	}
}
