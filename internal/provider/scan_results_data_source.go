package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// resultFilterAll asks for results of every outcome; the API itself has no
// such value, it simply omits the filter.
const (
	resultFilterAll     = "All"
	defaultResultFilter = "Failed"
	maxResultsLimit     = 1_000_000
)

var (
	_ datasource.DataSource              = (*scanResultsDataSource)(nil)
	_ datasource.DataSourceWithConfigure = (*scanResultsDataSource)(nil)
)

// NewScanResultsDataSource returns the aether365_scan_results data source.
func NewScanResultsDataSource() datasource.DataSource {
	return &scanResultsDataSource{}
}

// scanResultsDataSource reads every page of a scan's results, by default the
// failures of the latest completed scan: the seed's paging loop, declared.
type scanResultsDataSource struct {
	data *providerData
}

type scanResultsDataSourceModel struct {
	ID               types.String `tfsdk:"id"`
	ScanID           types.String `tfsdk:"scan_id"`
	TenantID         types.String `tfsdk:"tenant_id"`
	Result           types.String `tfsdk:"result"`
	Severity         types.String `tfsdk:"severity"`
	MaxResults       types.Int64  `tfsdk:"max_results"`
	Total            types.Int64  `tfsdk:"total"`
	Results          types.List   `tfsdk:"results"`
	CountsBySeverity types.Object `tfsdk:"counts_by_severity"`
}

var resultAttrTypes = map[string]attr.Type{
	"id":            types.StringType,
	"control_id":    types.StringType,
	"title":         types.StringType,
	"category":      types.StringType,
	"severity":      types.StringType,
	"result":        types.StringType,
	"description":   types.StringType,
	"remediation":   types.StringType,
	"reference_url": types.StringType,
}

// resultColumns is the order of a result's attributes wherever they are laid
// out in a row, as in the CSV export.
var resultColumns = []string{"id", "control_id", "title", "category", "severity", "result", "description", "remediation", "reference_url"}

var resultAttrDescriptions = map[string]string{
	"id":            "Result ID, unique within the scan.",
	"control_id":    "Identifier of the control that was checked, for example `AAD-001`.",
	"title":         "What the control checks.",
	"category":      "Area of Microsoft 365 the control belongs to, for example `Identity` or `Exchange Online`.",
	"severity":      "`Critical`, `High`, `Medium`, `Low` or `Informational`.",
	"result":        "`Passed`, `Failed`, `Warning`, `Skipped` or `Error`.",
	"description":   "Why the control matters.",
	"remediation":   "How to fix a failure.",
	"reference_url": "Link to Microsoft's documentation for the control.",
}

func (d *scanResultsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scan_results"
}

func (d *scanResultsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resultAttrs := make(map[string]schema.Attribute, len(resultColumns))
	for _, name := range resultColumns {
		resultAttrs[name] = schema.StringAttribute{MarkdownDescription: resultAttrDescriptions[name], Computed: true}
	}
	severityCount := func(level string) schema.Int64Attribute {
		return schema.Int64Attribute{MarkdownDescription: "Returned results of severity " + level + ".", Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads a scan's results, every page of them (fetched concurrently), by default the " +
			"failures of the latest completed scan. Use it to report critical failures, to gate on them, or " +
			"with `provider::aether365::results_csv` to export them.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of this query, made from the scan ID and the filters.",
				Computed:            true,
			},
			"scan_id": schema.StringAttribute{
				MarkdownDescription: "Scan whose results to read. Defaults to the newest completed scan of " +
					"`tenant_id`; after reading, the scan actually read. The scan must be `completed`.",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{stringvalidator.LengthBetween(1, 128)},
			},
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Tenant whose latest completed scan to read when `scan_id` is omitted. " +
					"Defaults to the provider's `tenant_id`.",
				Optional: true,
				Validators: []validator.String{
					stringvalidator.LengthBetween(1, 128),
					stringvalidator.ConflictsWith(path.MatchRoot("scan_id")),
				},
			},
			"result": schema.StringAttribute{
				MarkdownDescription: "Only results with this outcome: `Passed`, `Failed` (the default), `Warning`, " +
					"`Skipped` or `Error`; `All` for every result. Spelled as shown, capital first letter.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(append([]string{resultFilterAll}, aether365.ResultValues...)...)},
			},
			"severity": schema.StringAttribute{
				MarkdownDescription: "Only results of this severity: `Critical`, `High`, `Medium`, `Low` or " +
					"`Informational`. Every severity when omitted.",
				Optional:   true,
				Validators: []validator.String{stringvalidator.OneOf(aether365.SeverityValues...)},
			},
			"max_results": schema.Int64Attribute{
				MarkdownDescription: "Return at most this many results (in the API's order); only the pages " +
					"needed are fetched. `total` still counts every match. No cap when omitted.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, maxResultsLimit)},
			},
			"total": schema.Int64Attribute{
				MarkdownDescription: "How many results match the filters on the server, even when `max_results` returned fewer.",
				Computed:            true,
			},
			"results": schema.ListNestedAttribute{
				MarkdownDescription: "The matching results, in the API's stable order.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: resultAttrs},
			},
			"counts_by_severity": schema.SingleNestedAttribute{
				MarkdownDescription: "How many of the returned `results` have each severity.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"critical":      severityCount("Critical"),
					"high":          severityCount("High"),
					"medium":        severityCount("Medium"),
					"low":           severityCount("Low"),
					"informational": severityCount("Informational"),
				},
			},
		},
	}
}

func (d *scanResultsDataSource) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	data, err := providerDataFrom(req.ProviderData)
	if err != nil {
		addUnexpectedProviderData(&resp.Diagnostics, err)
		return
	}
	d.data = data
}

func (d *scanResultsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if d.data == nil {
		resp.Diagnostics.AddError("Provider Not Configured", "The aether365 provider was not configured; check the provider block.")
		return
	}
	var model scanResultsDataSourceModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &model)...)
	if resp.Diagnostics.HasError() {
		return
	}

	scanID := model.ScanID.ValueString()
	if scanID == "" {
		latest, ok := latestScan(ctx, d.data, model.TenantID, types.StringNull(), types.StringNull(), &resp.Diagnostics)
		if !ok {
			return
		}
		scanID = latest.ID
	}
	resultFilter := defaultResultFilter
	if !model.Result.IsNull() {
		resultFilter = model.Result.ValueString()
	}
	opts := aether365.ListResultsOptions{Severity: model.Severity.ValueString()}
	if resultFilter != resultFilterAll {
		opts.Result = resultFilter
	}
	if !model.MaxResults.IsNull() {
		opts.MaxItems = int(model.MaxResults.ValueInt64())
	}

	results, meta, err := d.data.client.ListResults(ctx, scanID, opts)
	switch {
	case errors.Is(err, aether365.ErrNotFound):
		resp.Diagnostics.AddAttributeError(path.Root("scan_id"), "Aether365 Scan Not Found",
			fmt.Sprintf("No scan %q is visible to this API key. Check the ID and the key's tenant.", scanID))
		return
	case errors.Is(err, aether365.ErrConflict):
		resp.Diagnostics.AddAttributeError(path.Root("scan_id"), "Aether365 Scan Has No Results Yet",
			fmt.Sprintf("Scan %s has not completed, so it has no results. Read a completed scan, or let the "+
				"aether365_scan resource wait for it (depends_on).\n\nOriginal error: %s", scanID, err))
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, "Reading Aether365 Scan Results", err)
		return
	}
	tflog.Debug(ctx, "Read Aether365 scan results", map[string]any{
		"scan_id": scanID, "returned": len(results), "total": meta.Total,
	})

	var counts aether365.SeverityCounts
	elements := make([]attr.Value, 0, len(results))
	for i := range results {
		r := &results[i]
		countSeverity(&counts, r.Severity)
		elements = append(elements, types.ObjectValueMust(resultAttrTypes, map[string]attr.Value{
			"id":            types.StringValue(r.ID),
			"control_id":    types.StringValue(r.ControlID),
			"title":         types.StringValue(r.Title),
			"category":      types.StringValue(r.Category),
			"severity":      types.StringValue(r.Severity),
			"result":        types.StringValue(r.Result),
			"description":   types.StringValue(r.Description),
			"remediation":   types.StringValue(r.Remediation),
			"reference_url": types.StringValue(r.ReferenceURL),
		}))
	}

	model.ScanID = types.StringValue(scanID)
	model.Total = types.Int64Value(int64(meta.Total))
	model.Results = types.ListValueMust(types.ObjectType{AttrTypes: resultAttrTypes}, elements)
	model.CountsBySeverity = severityCountsValue(counts)
	maxPart := "all"
	if opts.MaxItems > 0 {
		maxPart = fmt.Sprint(opts.MaxItems)
	}
	model.ID = types.StringValue(queryID(scanID, resultFilter, model.Severity.ValueString(), maxPart))
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

func countSeverity(c *aether365.SeverityCounts, severity string) {
	switch strings.ToLower(severity) {
	case "critical":
		c.Critical++
	case "high":
		c.High++
	case "medium":
		c.Medium++
	case "low":
		c.Low++
	case "informational":
		c.Informational++
	}
}

// queryID makes a data source's ID from its inputs, so the same query always
// has the same ID; an empty input reads as "*".
func queryID(parts ...string) string {
	for i, p := range parts {
		if p == "" {
			parts[i] = "*"
		}
	}
	return strings.Join(parts, "/")
}
