package provider

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// resultFilterAll asks for results of every outcome; the API itself has no
// such value, it simply omits the filter.
const (
	resultFilterAll     = "all"
	defaultResultFilter = "failed"
	maxResultsLimit     = 1_000_000
)

// NewScanResultsDataSource returns the aether365_scan_results data source.
func NewScanResultsDataSource() datasource.DataSource {
	return &scanResultsDataSource{}
}

// scanResultsDataSource reads every page of a scan's results, by default the
// failures of the latest completed scan: the seed's paging loop, declared.
type scanResultsDataSource struct {
	dataSourceBase
}

// scanResultsQuery is the configuration of the data source: its inputs.
type scanResultsQuery struct {
	ScanID             types.String
	TenantID           types.String
	Result             types.String
	Severity           types.String
	Framework          types.String
	MaxResults         types.Int64
	IncludeControlText types.Bool
}

func (d *scanResultsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scan_results"
}

func (d *scanResultsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
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
				Validators: []validator.String{idValidator()},
			},
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Tenant whose latest completed scan to read when `scan_id` is omitted. " +
					"Defaults to the provider's `tenant_id`.",
				Optional: true,
				Validators: []validator.String{
					idValidator(),
					stringvalidator.ConflictsWith(path.MatchRoot("scan_id")),
				},
			},
			"result": schema.StringAttribute{
				MarkdownDescription: "Only results with this outcome: `passed`, `failed` (the default) or `skipped`; " +
					"`all` for every result. " + enumInputNote,
				Optional:   true,
				Validators: []validator.String{enumValidator(append([]string{resultFilterAll}, aether365.ResultValues...)...)},
			},
			"severity": schema.StringAttribute{
				MarkdownDescription: "Only results of this severity: `critical`, `high`, `medium` or `low`. Every " +
					"severity when omitted. " + enumInputNote,
				Optional:   true,
				Validators: []validator.String{enumValidator(aether365.SeverityValues...)},
			},
			"framework": schema.StringAttribute{
				MarkdownDescription: "Only results of checks of this framework: `cis` (CIS Microsoft 365 " +
					"Foundations Benchmark), `eidsca`, `cisa` (CISA SCuBA) or `nis2`. Every framework when omitted. " +
					enumInputNote,
				Optional:   true,
				Validators: []validator.String{enumValidator(aether365.Frameworks...)},
			},
			"max_results": schema.Int64Attribute{
				CustomType: wholeNumber,
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
				NestedObject:        schema.NestedAttributeObject{Attributes: resultSchemaAttributes()},
			},
			"include_control_text": schema.BoolAttribute{
				MarkdownDescription: "Whether each result carries its check's `remediation_steps` and `help_url` " +
					"(the default, `true`). Set `false` to keep state small: those two are then null in every " +
					"result and `controls` carries them once per check, so Terraform stores and re-reads far less " +
					"on every plan when a check fails on many subjects.",
				Optional: true,
				Computed: true,
			},
			"controls": schema.MapNestedAttribute{
				MarkdownDescription: "When `include_control_text` is false: each returned check, by `test_id`, " +
					"with the text left out of `results`. Null otherwise.",
				Computed:     true,
				NestedObject: schema.NestedAttributeObject{Attributes: controlSchemaAttributes()},
			},
			"counts_by_severity": dataSourceCounts.bySeverity("How many of the returned `results` have each severity.",
				func(severity string) string { return "Returned results of severity " + severity + "." }),
		},
	}
}

func (d *scanResultsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	found, ok := d.read(ctx, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	state, diags := scanResultsState(ctx, req.Config.Raw, found.computed, found.results)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	resp.State.Raw = state
	found.log(ctx)
}

// scanResultsRead is what one read found, and when.
type scanResultsRead struct {
	computed         scanResultsComputed
	results          []aether365.Result
	started, fetched time.Time
}

// read finds the scan and reads every page of its matching results.
func (d *scanResultsDataSource) read(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) (scanResultsRead, bool) {
	if !d.data.configured(diags) {
		return scanResultsRead{}, false
	}
	found := scanResultsRead{started: time.Now()}
	query, ok := readScanResultsQuery(ctx, config, diags)
	if !ok {
		return found, false
	}
	scanID := query.ScanID.ValueString()
	if scanID == "" {
		latest := latestScan(ctx, d.data, query.TenantID, types.StringNull(), types.StringNull(), diags)
		if latest == nil {
			return found, false
		}
		scanID = latest.ID
	}
	resultFilter := defaultResultFilter
	if !query.Result.IsNull() {
		resultFilter = normalizedEnum(query.Result)
	}
	opts := aether365.ListResultsOptions{Severity: normalizedEnum(query.Severity), Framework: normalizedEnum(query.Framework)}
	if resultFilter != resultFilterAll {
		opts.Result = resultFilter
	}
	if !query.MaxResults.IsNull() {
		opts.MaxItems = int(query.MaxResults.ValueInt64())
	}

	results, meta, err := d.data.client.ListResults(ctx, scanID, opts)
	if !addListResultsError(diags, scanID, err) {
		return found, false
	}
	found.fetched = time.Now()
	found.results = results

	maxPart := "all"
	if opts.MaxItems > 0 {
		maxPart = fmt.Sprint(opts.MaxItems)
	}
	found.computed = scanResultsComputed{
		id:              queryID(scanID, resultFilter, opts.Severity, opts.Framework, maxPart),
		scanID:          scanID,
		total:           meta.Total,
		withControlText: query.IncludeControlText.IsNull() || query.IncludeControlText.ValueBool(),
	}
	return found, true
}

// log reports the read once its state is built: network_ms runs from the
// read's start to the last page; build_state_ms is the conversion into
// Terraform's form that follows. The plugin protocol's own
// tf_req_duration_ms is the whole call.
func (r scanResultsRead) log(ctx context.Context) {
	tflog.Debug(ctx, "Read Aether365 scan results", map[string]any{
		"scan_id": r.computed.scanID, "returned": len(r.results), "total": r.computed.total,
		"network_ms":     float64(r.fetched.Sub(r.started).Microseconds()) / 1000,
		"build_state_ms": float64(time.Since(r.fetched).Microseconds()) / 1000,
	})
}

// readScanResultsQuery reads the inputs one attribute at a time: the
// computed attributes are never decoded from the configuration.
func readScanResultsQuery(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) (scanResultsQuery, bool) {
	var q scanResultsQuery
	for name, target := range map[string]any{
		"scan_id": &q.ScanID, "tenant_id": &q.TenantID, "result": &q.Result, "severity": &q.Severity,
		"framework": &q.Framework, "max_results": &q.MaxResults, "include_control_text": &q.IncludeControlText,
	} {
		diags.Append(config.GetAttribute(ctx, path.Root(name), target)...)
	}
	return q, !diags.HasError()
}

// addListResultsError explains a failed ListResults; it reports whether
// there was no error.
func addListResultsError(diags *diag.Diagnostics, scanID string, err error) bool {
	switch {
	case err == nil:
		return true
	case errors.Is(err, aether365.ErrNotFound):
		diags.AddAttributeError(path.Root("scan_id"), "Aether365 Scan Not Found",
			fmt.Sprintf("No scan %q is visible to this API key. Check the ID and the key's tenant.", scanID))
	case errors.Is(err, aether365.ErrConflict):
		diags.AddAttributeError(path.Root("scan_id"), "Aether365 Scan Has No Results Yet",
			fmt.Sprintf("Scan %s has not completed, so it has no results. Read a completed scan, or let the "+
				"aether365_scan resource wait for it (depends_on).\n\nOriginal error: %s", scanID, err))
	default:
		addAPIError(diags, "Reading Aether365 Scan Results", err)
	}
	return false
}

// scanResultsComputed holds the computed attributes other than the results.
type scanResultsComputed struct {
	id, scanID      string
	total           int
	withControlText bool
}

// scanResultsState builds the data source's whole state as one Terraform
// value: the configuration's inputs as given, plus the computed attributes.
// Building it directly, instead of an attr.Value per result and then
// reflection, is what keeps tens of thousands of results fast; the protocol
// server goes further and encodes results without a value per result
// (encodeScanResultsState).
func scanResultsState(ctx context.Context, config tftypes.Value, c scanResultsComputed, results []aether365.Result) (tftypes.Value, diag.Diagnostics) {
	attrs, diags := scanResultsAttributes(ctx, config, c, results)
	if diags.HasError() {
		return tftypes.Value{}, diags
	}
	values := newResultValues(c.withControlText)
	attrs["results"] = values.list(results)
	attrs["controls"] = values.controlMap()
	return tftypes.NewValue(config.Type(), attrs), diags
}

// scanResultsAttributes is the state's every attribute but results and
// controls: the configuration's inputs as given, and the small computed ones.
func scanResultsAttributes(ctx context.Context, config tftypes.Value, c scanResultsComputed, results []aether365.Result) (map[string]tftypes.Value, diag.Diagnostics) {
	var diags diag.Diagnostics
	var inputs map[string]tftypes.Value
	if err := config.As(&inputs); err != nil {
		diags.AddError("Reading Aether365 Scan Results", "Unexpected configuration value: "+err.Error())
		return nil, diags
	}
	// As hands out the configuration's own map; the state gets a copy.
	attrs := maps.Clone(inputs)
	counts := severityCounts{}
	for i := range results {
		counts.add(string(results[i].Severity))
	}
	countsValue, err := counts.value().ToTerraformValue(ctx)
	if err != nil {
		diags.AddError("Reading Aether365 Scan Results", "Could not encode the severity counts: "+err.Error())
		return nil, diags
	}
	attrs["id"] = tftypes.NewValue(tftypes.String, c.id)
	attrs["scan_id"] = tftypes.NewValue(tftypes.String, c.scanID)
	attrs["total"] = tftypes.NewValue(tftypes.Number, big.NewFloat(float64(c.total)))
	attrs["include_control_text"] = tftypes.NewValue(tftypes.Bool, c.withControlText)
	attrs["counts_by_severity"] = countsValue
	return attrs, diags
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
