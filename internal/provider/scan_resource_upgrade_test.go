package provider

import (
	"context"
	"math/big"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// State written by v0.1 (schema version 0, the imagined API's summary,
// created_at and failure_reason) upgrades to version 1 without losing the
// scan: the published counts come from the summary, and nothing else of the
// scan changes. Before the upgrader, Terraform refused such state outright
// ("Unable to upgrade resource state ... version 0").
func TestScanStateUpgradesFromVersion0(t *testing.T) {
	ctx := context.Background()
	r := &scanResource{}
	upgraders := r.UpgradeState(ctx)
	upgrader, ok := upgraders[0]
	if !ok || upgrader.PriorSchema == nil {
		t.Fatal("no upgrader from version 0 with its schema")
	}
	var current resource.SchemaResponse
	r.Schema(ctx, resource.SchemaRequest{}, &current)
	if current.Schema.Version != 1 {
		t.Fatalf("schema version %d, want 1", current.Schema.Version)
	}

	for name, tc := range map[string]struct {
		summary                      map[string]tftypes.Value
		startedAt, wantStarted       string
		wantPass, wantFail, wantSkip any
	}{
		"completed": {summary: v0Summary(150, 120, 20, 6, 3, 1), startedAt: "2026-11-28T10:00:30Z",
			wantStarted: "2026-11-28T10:00:30Z", wantPass: 120, wantFail: 20, wantSkip: 3},
		"queued, no summary, no started_at": {startedAt: "",
			wantStarted: "2026-11-28T10:00:00Z", wantPass: nil, wantFail: nil, wantSkip: nil},
	} {
		t.Run(name, func(t *testing.T) {
			old := v0State(t, *upgrader.PriorSchema, tc.summary, tc.startedAt)
			req := resource.UpgradeStateRequest{State: &old}
			resp := resource.UpgradeStateResponse{State: tfsdk.State{Schema: current.Schema, Raw: tftypes.NewValue(current.Schema.Type().TerraformType(ctx), nil)}}
			upgrader.StateUpgrader(ctx, req, &resp)
			if resp.Diagnostics.HasError() {
				t.Fatalf("upgrade: %v", resp.Diagnostics)
			}
			var got scanResourceModel
			if diags := resp.State.Get(ctx, &got); diags.HasError() {
				t.Fatalf("reading the upgraded state: %v", diags)
			}
			if got.ID.ValueString() != "scn_1" || got.TenantID.ValueString() != "me" || got.ScanType.ValueString() != "compliance" ||
				got.Score.ValueFloat64() != 85.7 || got.StartedAt.ValueString() != tc.wantStarted ||
				!got.ConnectionID.IsNull() || got.WaitForCompletion.ValueBool() != true {
				t.Errorf("upgraded scan = %+v", got)
			}
			for attr, pair := range map[string]struct {
				value types.Int64
				want  any
			}{
				"pass_count": {got.PassCount, tc.wantPass}, "fail_count": {got.FailCount, tc.wantFail}, "skip_count": {got.SkipCount, tc.wantSkip},
			} {
				value := pair.value
				switch want := pair.want.(type) {
				case nil:
					if !value.IsNull() {
						t.Errorf("%s = %d, want null", attr, value.ValueInt64())
					}
				case int:
					if value.IsNull() || value.ValueInt64() != int64(want) {
						t.Errorf("%s = %v, want %d", attr, value, want)
					}
				}
			}
		})
	}
}

func v0Summary(total, passed, failed, warning, skipped, errored int) map[string]tftypes.Value {
	number := func(n int) tftypes.Value { return tftypes.NewValue(tftypes.Number, big.NewFloat(float64(n))) }
	bySeverity := map[string]tftypes.Value{}
	for _, s := range severityV0Counts {
		bySeverity[s] = number(1)
	}
	return map[string]tftypes.Value{
		"total": number(total), "passed": number(passed), "failed": number(failed), "warning": number(warning),
		"skipped": number(skipped), "error": number(errored),
		"failed_by_severity": tftypes.NewValue(severityV0Type(), bySeverity),
	}
}

func severityV0Type() tftypes.Object {
	types := map[string]tftypes.Type{}
	for _, s := range severityV0Counts {
		types[s] = tftypes.Number
	}
	return tftypes.Object{AttributeTypes: types}
}

// v0State is an aether365_scan state as v0.1 wrote it, for scan scn_1 of
// "me", created at 10:00:00 and scored 85.7 when summary is set.
func v0State(t *testing.T, prior schema.Schema, summary map[string]tftypes.Value, startedAt string) tfsdk.State {
	t.Helper()
	objectType, ok := prior.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		t.Fatal("the v0 schema is not an object")
	}
	str := func(s string) tftypes.Value {
		if s == "" {
			return tftypes.NewValue(tftypes.String, nil)
		}
		return tftypes.NewValue(tftypes.String, s)
	}
	values := map[string]tftypes.Value{
		"id": str("scn_1"), "tenant_id": str("me"), "scan_type": str("compliance"), "status": str("queued"),
		"created_at": str("2026-11-28T10:00:00Z"), "started_at": str(startedAt), "completed_at": str(""),
		"failure_reason": str(""), "wait_for_completion": tftypes.NewValue(tftypes.Bool, true),
		"fail_on_scan_failure": tftypes.NewValue(tftypes.Bool, true),
		"score":                tftypes.NewValue(tftypes.Number, nil),
	}
	if summary != nil {
		values["status"] = str("completed")
		values["completed_at"] = str("2026-11-28T10:14:23Z")
		values["score"] = tftypes.NewValue(tftypes.Number, big.NewFloat(85.7))
		values["summary"] = tftypes.NewValue(objectType.AttributeTypes["summary"], summary)
	} else {
		values["score"] = tftypes.NewValue(tftypes.Number, big.NewFloat(85.7))
	}
	for name, typ := range objectType.AttributeTypes {
		if _, set := values[name]; !set {
			values[name] = tftypes.NewValue(typ, nil)
		}
	}
	return tfsdk.State{Schema: prior, Raw: tftypes.NewValue(objectType, values)}
}
