package provider

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/list"
	listschema "github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	resourceschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	tfresource "github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// stringValidatorsOf are the validators of the tenant_id and scan_type
// attributes of the resource, the action and the list resource.
func stringValidatorsOf(t *testing.T) map[string]map[string][]validator.String {
	t.Helper()
	ctx := context.Background()
	out := map[string]map[string][]validator.String{}

	var res resource.SchemaResponse
	NewScanResource().Schema(ctx, resource.SchemaRequest{}, &res)
	var act action.SchemaResponse
	NewRunScanAction().Schema(ctx, action.SchemaRequest{}, &act)
	var lst list.ListResourceSchemaResponse
	NewScanListResource().ListResourceConfigSchema(ctx, list.ListResourceSchemaRequest{}, &lst)

	for _, name := range []string{"tenant_id", "scan_type"} {
		resAttr, resOK := res.Schema.Attributes[name].(resourceschema.StringAttribute)
		actAttr, actOK := act.Schema.Attributes[name].(actionschema.StringAttribute)
		lstAttr, lstOK := lst.Schema.Attributes[name].(listschema.StringAttribute)
		if !resOK || !actOK || !lstOK {
			t.Fatalf("%s is not a string attribute everywhere (resource %t, action %t, list %t)", name, resOK, actOK, lstOK)
		}
		out[name] = map[string][]validator.String{
			"aether365_scan resource": resAttr.Validators,
			"aether365_run_scan":      actAttr.Validators,
			"aether365_scan list":     lstAttr.Validators,
		}
	}
	return out
}

func runStringValidators(validators []validator.String, attr, value string) *validator.StringResponse {
	out := &validator.StringResponse{}
	for _, v := range validators {
		v.ValidateString(context.Background(), validator.StringRequest{Path: path.Root(attr), ConfigValue: types.StringValue(value)}, out)
	}
	return out
}

// The action and the list resource check tenant_id and scan_type as the
// resource does: a tenant that is no plain path segment is an error, and so
// is a scan type the reference does not name, in any case.
func TestTenantAndScanTypeValidatedAlike(t *testing.T) {
	byAttr := stringValidatorsOf(t)
	for where, validators := range byAttr["tenant_id"] {
		for _, bad := range []string{".", "..", "a/b", "x?y"} {
			if d := runStringValidators(validators, "tenant_id", bad).Diagnostics; !d.HasError() ||
				d.Errors()[0].Summary() != "Invalid Aether365 ID" {
				t.Errorf("%s: tenant_id %q: want Invalid Aether365 ID, got %v", where, bad, d)
			}
		}
		if d := runStringValidators(validators, "tenant_id", "contoso").Diagnostics; len(d) != 0 {
			t.Errorf("%s: tenant_id contoso: %v", where, d)
		}
	}
	for where, validators := range byAttr["scan_type"] {
		for _, ok := range []string{"compliance", "Exposure"} {
			if d := runStringValidators(validators, "scan_type", ok).Diagnostics; len(d) != 0 {
				t.Errorf("%s: scan_type %s: %v", where, ok, d)
			}
		}
		if d := runStringValidators(validators, "scan_type", "posture").Diagnostics; !d.HasError() || d.ErrorsCount() != 1 ||
			d.Errors()[0].Summary() != "Invalid Value" {
			t.Errorf("%s: scan_type posture: want one Invalid Value error, got %v", where, d)
		}
		if d := runStringValidators(validators, "scan_type", "").Diagnostics; !d.HasError() {
			t.Errorf("%s: empty scan_type accepted", where)
		}
	}
}

// A dot-segment tenant fails the action and the list resource at plan,
// before any request.
func TestAccDotSegmentTenantFailsActionAndList(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	invalidTenant := diagnosticPattern(`Invalid Aether365 ID`, `tenant_id is "\.\."`)
	accTest(t, tfresource.TestCase{
		TerraformVersionChecks: skipBelowActions,
		Steps: []tfresource.TestStep{{
			Config:      runScanActionConfigHCL(sim, "dots", `scan_type = "compliance"`+"\n    tenant_id = \"..\""),
			ExpectError: invalidTenant,
		}},
	})
	// A query runs in a configuration of its own.
	accTest(t, tfresource.TestCase{
		TerraformVersionChecks: skipBelowActions,
		Steps: []tfresource.TestStep{
			{
				Query: true,
				Config: sim.providerConfig() + `
list "aether365_scan" "dots" {
  provider = aether365
  config {
    tenant_id = ".."
  }
}
`,
				ExpectError: invalidTenant,
			},
		},
	})
	if n := sim.Stats().Requests; n != 0 {
		t.Errorf("%d requests reached Aether365 for an invalid tenant", n)
	}
}

// Every part of an import ID or identity must be a plain path segment, as
// the tenant_id and id attributes must: "../scn" would otherwise ask
// Aether365 about another path.
func TestAccScanResource_importRejectsPathSegments(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	scan := sim.startCompletedScan(t, 80)
	steps := []tfresource.TestStep{
		{
			Config:      importConfig(sim, "", "", fmt.Sprintf("id = %q", "../"+scan.ID)),
			ExpectError: diagnosticPattern(`Invalid Import ID`, `the tenant is "\.\.", which names a directory`),
		},
		{
			Config:      importConfig(sim, "", "", `id = "contoso/.."`),
			ExpectError: diagnosticPattern(`Invalid Import ID`, `the scan ID is "\.\.", which names a directory`),
		},
		{
			Config:      importConfig(sim, "", "", `id = "contoso/"`),
			ExpectError: diagnosticPattern(`Invalid Import ID`, `the scan ID is empty`),
		},
	}
	parallelAccTest(t, tfresource.TestCase{Steps: steps})
}

func TestAccScanResource_importIdentityRejectsPathSegments(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	scan := sim.startCompletedScan(t, 80)
	parallelAccTest(t, tfresource.TestCase{
		TerraformVersionChecks: skipBelowIdentity,
		Steps: []tfresource.TestStep{
			{
				Config:      importConfig(sim, "", "", `identity = { id = ".." }`),
				ExpectError: diagnosticPattern(`Invalid Import Identity`, `the scan ID is "\.\."`),
			},
			{
				Config:      importConfig(sim, "", "", fmt.Sprintf("identity = { id = %q, tenant_id = \"x?y\" }", scan.ID)),
				ExpectError: diagnosticPattern(`Invalid Import Identity`, `the tenant is "x\?y"`),
			},
		},
	})
}

// Every scan and tenant ID a data source takes is checked at plan as the
// resource's are, before it becomes a path: "a/b" or ".." would otherwise
// reach the API and come back as a confusing 403 or 404 at read.
func TestAccDataSourceIDsAreCheckedAtPlan(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	var steps []tfresource.TestStep
	for _, tt := range []struct{ dataSource, attr, value string }{
		{"aether365_scan_results", "scan_id", "scn/../x"},
		{"aether365_scan_results", "tenant_id", "a/b"},
		{"aether365_scan_comparison", "scan_id", ".."},
		{"aether365_scan_comparison", "baseline_scan_id", "a/b"},
		{"aether365_scan_comparison", "tenant_id", "demo?x=1"},
		{"aether365_scan_result", "scan_id", "scan/../x"},
		{"aether365_scans", "connection_id", "conn/x"},
		{"aether365_policies", "connection_id", ".."},
		{"aether365_threats", "connection_id", "conn?x=1"},
	} {
		steps = append(steps, tfresource.TestStep{
			Config: sim.providerConfig() + fmt.Sprintf("data %q \"bad\" {\n  %s = %q\n%s}\n", tt.dataSource, tt.attr, tt.value,
				map[bool]string{true: "  test_id = \"AE.1068\"\n"}[tt.dataSource == "aether365_scan_result"]),
			PlanOnly:    true,
			ExpectError: regexp.MustCompile(fmt.Sprintf(`(?s)Invalid Aether365 ID.*%s is %s`, tt.attr, regexp.QuoteMeta(strconv.Quote(tt.value)))),
		})
	}
	parallelAccTest(t, tfresource.TestCase{Steps: steps})
	if requests := sim.Stats().Requests; requests != 0 {
		t.Errorf("%d requests reached the simulator; the IDs should have been refused before any read", requests)
	}
}
