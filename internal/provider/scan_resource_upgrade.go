package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ resource.ResourceWithUpgradeState = (*scanResource)(nil)

// UpgradeState moves aether365_scan state written before the provider
// followed the published API (schema version 0) to version 1:
//
//   - summary's passed, failed and skipped become pass_count, fail_count and
//     skip_count (its total, warning, error and failed_by_severity have no
//     published counterpart and go);
//   - created_at goes (the published scan has started_at, which stays);
//   - failure_reason goes (the published scan has no reason);
//   - connection_id is new, null: the scan was of the active connection.
//
// Statuses and scan types are kept as recorded: a v0 "queued" or "running"
// scan is not terminal either way, so the next plan waits for it as before.
func (r *scanResource) UpgradeState(ctx context.Context) map[int64]resource.StateUpgrader {
	prior := scanResourceSchemaV0(ctx)
	return map[int64]resource.StateUpgrader{
		0: {PriorSchema: &prior, StateUpgrader: upgradeScanStateV0},
	}
}

// scanResourceModelV0 is the resource's state at schema version 0.
type scanResourceModelV0 struct {
	ID                types.String   `tfsdk:"id"`
	TenantID          types.String   `tfsdk:"tenant_id"`
	ScanType          types.String   `tfsdk:"scan_type"`
	Status            types.String   `tfsdk:"status"`
	Score             types.Float64  `tfsdk:"score"`
	CreatedAt         types.String   `tfsdk:"created_at"`
	StartedAt         types.String   `tfsdk:"started_at"`
	CompletedAt       types.String   `tfsdk:"completed_at"`
	FailureReason     types.String   `tfsdk:"failure_reason"`
	Summary           types.Object   `tfsdk:"summary"`
	Triggers          types.Map      `tfsdk:"triggers"`
	WaitForCompletion types.Bool     `tfsdk:"wait_for_completion"`
	FailOnScanFailure types.Bool     `tfsdk:"fail_on_scan_failure"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

// summaryV0Counts are the counts of version 0's summary; failed_by_severity
// was a nested object of five more.
var summaryV0Counts = []string{"total", "passed", "failed", "warning", "skipped", "error"}

var severityV0Counts = []string{"critical", "high", "medium", "low", "informational"}

func scanResourceSchemaV0(ctx context.Context) schema.Schema {
	computedString := schema.StringAttribute{Computed: true}
	summary := map[string]schema.Attribute{}
	for _, name := range summaryV0Counts {
		summary[name] = schema.Int64Attribute{Computed: true}
	}
	bySeverity := map[string]schema.Attribute{}
	for _, name := range severityV0Counts {
		bySeverity[name] = schema.Int64Attribute{Computed: true}
	}
	summary["failed_by_severity"] = schema.SingleNestedAttribute{Computed: true, Attributes: bySeverity}
	return schema.Schema{
		Attributes: map[string]schema.Attribute{
			"id":                   computedString,
			"scan_type":            schema.StringAttribute{Required: true},
			"tenant_id":            schema.StringAttribute{Optional: true, Computed: true},
			"triggers":             schema.MapAttribute{ElementType: types.StringType, Optional: true},
			"wait_for_completion":  schema.BoolAttribute{Optional: true, Computed: true},
			"fail_on_scan_failure": schema.BoolAttribute{Optional: true, Computed: true},
			"status":               computedString,
			"score":                schema.Float64Attribute{Computed: true},
			"created_at":           computedString,
			"started_at":           computedString,
			"completed_at":         computedString,
			"failure_reason":       computedString,
			"summary":              schema.SingleNestedAttribute{Computed: true, Attributes: summary},
		},
		Blocks: map[string]schema.Block{
			"timeouts": timeouts.Block(ctx, timeouts.Opts{Create: true, Update: true}),
		},
	}
}

func upgradeScanStateV0(ctx context.Context, req resource.UpgradeStateRequest, resp *resource.UpgradeStateResponse) {
	var old scanResourceModelV0
	resp.Diagnostics.Append(req.State.Get(ctx, &old)...)
	if resp.Diagnostics.HasError() {
		return
	}
	upgraded := scanResourceModel{
		scanAttributes: scanAttributes{
			ID:          old.ID,
			TenantID:    old.TenantID,
			ScanType:    old.ScanType,
			Status:      old.Status,
			Score:       old.Score,
			StartedAt:   old.StartedAt,
			CompletedAt: old.CompletedAt,
			PassCount:   summaryCountV0(old.Summary, "passed"),
			FailCount:   summaryCountV0(old.Summary, "failed"),
			SkipCount:   summaryCountV0(old.Summary, "skipped"),
		},
		ConnectionID:      types.StringNull(),
		Triggers:          old.Triggers,
		WaitForCompletion: old.WaitForCompletion,
		FailOnScanFailure: old.FailOnScanFailure,
		Timeouts:          old.Timeouts,
	}
	if upgraded.StartedAt.IsNull() {
		// A v0 scan still queued had no started_at; its request time is the
		// nearest published equivalent.
		upgraded.StartedAt = old.CreatedAt
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &upgraded)...)
}

// summaryCountV0 is one count of a v0 summary, null when the summary was
// (the scan had not completed).
func summaryCountV0(summary types.Object, name string) types.Int64 {
	if summary.IsNull() || summary.IsUnknown() {
		return types.Int64Null()
	}
	value, ok := summary.Attributes()[name].(types.Int64)
	if !ok {
		return types.Int64Null()
	}
	return value
}
