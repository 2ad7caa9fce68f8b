package provider

import (
	"context"
	"fmt"
	"math"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// NewScanComparisonDataSource returns the aether365_scan_comparison data source.
func NewScanComparisonDataSource() datasource.DataSource {
	return &scanComparisonDataSource{}
}

// scanComparisonDataSource compares a scan with a baseline: the automation page's
// "block deployment if security posture drops" as a plan-time value. It is a
// data source rather than a provider function because the default baseline,
// the previous completed scan of the same type and tenant, has to be found
// through the API, and functions cannot call it.
type scanComparisonDataSource struct {
	dataSourceBase
}

type scanComparisonDataSourceModel struct {
	ID                         types.String  `tfsdk:"id"`
	ScanID                     types.String  `tfsdk:"scan_id"`
	BaselineScanID             types.String  `tfsdk:"baseline_scan_id"`
	TenantID                   types.String  `tfsdk:"tenant_id"`
	ScanType                   types.String  `tfsdk:"scan_type"`
	Score                      types.Float64 `tfsdk:"score"`
	BaselineScore              types.Float64 `tfsdk:"baseline_score"`
	ScoreChange                types.Float64 `tfsdk:"score_change"`
	NewFailures                types.List    `tfsdk:"new_failures"`
	ResolvedFailures           types.List    `tfsdk:"resolved_failures"`
	NewFailuresBySeverity      types.Object  `tfsdk:"new_failures_by_severity"`
	ResolvedFailuresBySeverity types.Object  `tfsdk:"resolved_failures_by_severity"`
}

func (d *scanComparisonDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scan_comparison"
}

func (d *scanComparisonDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resultAttrs := columnAttributes(resultColumns, "")
	resultList := func(desc string) schema.ListNestedAttribute {
		return schema.ListNestedAttribute{
			MarkdownDescription: desc + " Each is the result as the scan it comes from reports it (`id` is that scan's result ID).",
			Computed:            true,
			NestedObject:        schema.NestedAttributeObject{Attributes: resultAttrs},
		}
	}
	severityCounts := func(desc string) schema.Attribute {
		return dataSourceCounts.bySeverity(desc+", by severity.", func(severity string) string {
			return desc + " of severity " + severity + "."
		})
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Compares a completed scan with a baseline scan: the score change, the **new failures** " +
			"(failing now, passing or absent in the baseline) and the **resolved failures** (failing in the baseline, " +
			"not now), by severity. By default it compares the newest completed scan with the completed scan of the " +
			"same type and tenant before it. Use it in a `precondition` to block a deployment when the posture " +
			"regressed, for example on any new critical failure.\n\n" +
			"Results are matched across scans by `test_id` and `title`: result IDs belong to one scan, and a " +
			"check run on several objects (users, mailboxes, sites) may report one result per object, named in " +
			"the title (an assumption: the API reference shows one result per test ID).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of this comparison: the scan ID and the baseline scan ID.",
				Computed:            true,
			},
			"scan_id": schema.StringAttribute{
				MarkdownDescription: "Completed scan to judge. Defaults to the newest completed scan of `tenant_id` " +
					"(and `scan_type`, if set).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{idValidator()},
			},
			"baseline_scan_id": schema.StringAttribute{
				MarkdownDescription: "Completed scan to compare with, for example the scan of the last release. " +
					"Defaults to the completed scan of the same type and tenant before `scan_id`; when there is none " +
					"the read fails rather than reporting no change.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{idValidator()},
			},
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Tenant whose newest completed scan to judge when `scan_id` is omitted. Defaults to " +
					"the provider's `tenant_id`. After reading, the scan's tenant.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{idValidator(), stringvalidator.ConflictsWith(path.MatchRoot("scan_id"))},
			},
			"scan_type": schema.StringAttribute{
				MarkdownDescription: "When `scan_id` is omitted: judge the newest completed scan of this kind, for " +
					"example `compliance`. After reading, the scan's kind.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 64), stringvalidator.ConflictsWith(path.MatchRoot("scan_id"))},
			},
			"score":          schema.Float64Attribute{MarkdownDescription: "Score of `scan_id`, in percent.", Computed: true},
			"baseline_score": schema.Float64Attribute{MarkdownDescription: "Score of `baseline_scan_id`, in percent.", Computed: true},
			"score_change": schema.Float64Attribute{
				MarkdownDescription: "`score` minus `baseline_score`, in percentage points (rounded to one decimal): negative when the posture dropped.",
				Computed:            true,
			},
			"new_failures":                  resultList("Results that fail in `scan_id` and did not fail in the baseline (passed, another outcome, or absent), in the scan's order."),
			"resolved_failures":             resultList("Results that failed in the baseline and do not fail in `scan_id` (fixed, another outcome, or no longer checked), in the baseline's order."),
			"new_failures_by_severity":      severityCounts("How many `new_failures`"),
			"resolved_failures_by_severity": severityCounts("How many `resolved_failures`"),
		},
	}
}

func (d *scanComparisonDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	model, ok := configuredModel[scanComparisonDataSourceModel](ctx, d.data, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}

	var scan *aether365.Scan
	if id := model.ScanID.ValueString(); id != "" {
		scan = d.completedScan(ctx, path.Root("scan_id"), id, &resp.Diagnostics)
	} else {
		scan = latestScan(ctx, d.data, model.TenantID, types.StringNull(), model.ScanType, &resp.Diagnostics)
	}
	if scan == nil {
		return
	}

	var baseline *aether365.Scan
	if id := model.BaselineScanID.ValueString(); id != "" {
		baseline = d.completedScan(ctx, path.Root("baseline_scan_id"), id, &resp.Diagnostics)
		if baseline != nil && baseline.ID == scan.ID {
			resp.Diagnostics.AddAttributeError(path.Root("baseline_scan_id"), "Baseline Is the Scan Itself",
				fmt.Sprintf("baseline_scan_id and scan_id are both %s; compare with an earlier scan, or omit "+
					"baseline_scan_id to use the previous completed scan.", scan.ID))
			return
		}
		if baseline != nil && (baseline.TenantID != scan.TenantID || baseline.ScanType != scan.ScanType) {
			resp.Diagnostics.AddAttributeWarning(path.Root("baseline_scan_id"), "Baseline Is Another Kind of Scan",
				fmt.Sprintf("Scan %s is a %s scan of tenant %q, its baseline %s a %s scan of tenant %q: results are "+
					"still matched by test_id and title, but checks that only one kind runs show as new or resolved.",
					scan.ID, scan.ScanType, scan.TenantID, baseline.ID, baseline.ScanType, baseline.TenantID))
		}
	} else {
		baseline = d.previousCompletedScan(ctx, scan, &resp.Diagnostics)
	}
	if baseline == nil {
		return
	}

	current, ok := d.failures(ctx, scan.ID, &resp.Diagnostics)
	if !ok {
		return
	}
	before, ok := d.failures(ctx, baseline.ID, &resp.Diagnostics)
	if !ok {
		return
	}
	diff := compareFailures(before, current)
	tflog.Debug(ctx, "Compared Aether365 scans", map[string]any{
		"scan_id": scan.ID, "baseline_scan_id": baseline.ID, "new": len(diff.added), "resolved": len(diff.resolved),
	})

	model.ID = types.StringValue(scan.ID + "/" + baseline.ID)
	model.ScanID = types.StringValue(scan.ID)
	model.BaselineScanID = types.StringValue(baseline.ID)
	model.TenantID = types.StringValue(scan.TenantID)
	model.ScanType = types.StringValue(string(scan.ScanType))
	model.Score = float64OrNull(scan.Score)
	model.BaselineScore = float64OrNull(baseline.Score)
	model.ScoreChange = types.Float64Null()
	if scan.Score != nil && baseline.Score != nil {
		model.ScoreChange = types.Float64Value(math.Round((*scan.Score-*baseline.Score)*10) / 10)
	}
	model.NewFailures, model.NewFailuresBySeverity = resultListAndCounts(diff.added)
	model.ResolvedFailures, model.ResolvedFailuresBySeverity = resultListAndCounts(diff.resolved)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// completedScan reads a scan by ID and insists it has completed: only a
// completed scan has results to compare.
func (d *scanComparisonDataSource) completedScan(ctx context.Context, attr path.Path, id string, diags *diag.Diagnostics) *aether365.Scan {
	scan := d.data.readScanByID(ctx, attr, id, diags)
	switch {
	case scan == nil:
		return nil
	case string(scan.Status) != aether365.ScanStatusCompleted:
		diags.AddAttributeError(attr, "Aether365 Scan Not Completed",
			fmt.Sprintf("Scan %s is %s; only completed scans have results to compare. Compare completed scans, or "+
				"let the aether365_scan resource wait for this one (depends_on).", id, scan.Status))
		return nil
	}
	return scan
}

// previousCompletedScan finds the completed scan of scan's tenant and type
// listed right after it (the API lists newest first).
func (d *scanComparisonDataSource) previousCompletedScan(ctx context.Context, scan *aether365.Scan, diags *diag.Diagnostics) *aether365.Scan {
	scans, err := d.data.client.ListScans(ctx, scan.TenantID, aether365.ListScansOptions{
		Status: aether365.ScanStatusCompleted, ScanType: string(scan.ScanType),
	})
	if err != nil {
		addAPIError(diags, "Listing Aether365 Scans", err)
		return nil
	}
	for i := range scans {
		if scans[i].ID == scan.ID && i+1 < len(scans) {
			previous := scans[i+1]
			return &previous
		}
	}
	diags.AddAttributeError(path.Root("baseline_scan_id"), "No Baseline Scan to Compare With",
		fmt.Sprintf("Scan %s is the first completed %s scan of tenant %q, so there is no previous scan to compare it "+
			"with. Set baseline_scan_id, or run another scan first.", scan.ID, scan.ScanType, scan.TenantID))
	return nil
}

func (d *scanComparisonDataSource) failures(ctx context.Context, scanID string, diags *diag.Diagnostics) ([]aether365.Result, bool) {
	results, _, err := d.data.client.ListResults(ctx, scanID, aether365.ListResultsOptions{Result: string(api.ResultValueFailed)})
	if err != nil {
		addAPIError(diags, "Reading the Failures of Aether365 Scan "+scanID, err)
		return nil, false
	}
	return results, true
}

// resultKey identifies a result across scans: the check's test ID (which the
// API reference publishes) and what it was checked on, which the simulator
// and, we assume, Aether365 put in the title of a check run on many objects.
type resultKey struct{ testID, title string }

func keyOf(r *aether365.Result) resultKey { return resultKey{r.TestID, r.Title} }

type failureDiff struct {
	added, resolved []aether365.Result
}

// compareFailures returns the failures of current that baseline lacks, in
// current's order, and those of baseline that current lacks, in baseline's.
func compareFailures(baseline, current []aether365.Result) failureDiff {
	inBaseline := make(map[resultKey]bool, len(baseline))
	for i := range baseline {
		inBaseline[keyOf(&baseline[i])] = true
	}
	inCurrent := make(map[resultKey]bool, len(current))
	for i := range current {
		inCurrent[keyOf(&current[i])] = true
	}
	diff := failureDiff{added: []aether365.Result{}, resolved: []aether365.Result{}}
	for _, r := range current {
		if !inBaseline[keyOf(&r)] {
			diff.added = append(diff.added, r)
		}
	}
	for _, r := range baseline {
		if !inCurrent[keyOf(&r)] {
			diff.resolved = append(diff.resolved, r)
		}
	}
	return diff
}

func resultListAndCounts(results []aether365.Result) (types.List, types.Object) {
	counts := severityCounts{}
	elements := make([]attr.Value, 0, len(results))
	for i := range results {
		r := &results[i]
		counts.add(string(r.Severity))
		values := make(map[string]attr.Value, len(resultColumns))
		for _, c := range resultColumns {
			values[c.name] = types.StringValue(c.value(r))
		}
		elements = append(elements, types.ObjectValueMust(resultAttrTypes, values))
	}
	return types.ListValueMust(types.ObjectType{AttrTypes: resultAttrTypes}, elements), counts.value()
}

func float64OrNull(v *float64) types.Float64 {
	if v == nil {
		return types.Float64Null()
	}
	return types.Float64Value(*v)
}
