package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// NewScanResultDataSource returns the aether365_scan_result data source.
func NewScanResultDataSource() datasource.DataSource {
	return &scanResultDataSource{}
}

// scanResultDataSource reads one check's result of a scan by its test ID
// (GET /scans/{id}/results/{testId}): a gate on one control without reading
// every page of results.
type scanResultDataSource struct {
	dataSourceBase
}

func (d *scanResultDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scan_result"
}

func (d *scanResultDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := columnAttributes(resultColumns, "")
	attrs["test_id"] = schema.StringAttribute{
		MarkdownDescription: "Test ID of the check to read, exactly as Aether365 shows it, for example `CIS.M365.1.1.1` " +
			"or `AE.1068`.",
		Required:   true,
		Validators: []validator.String{stringvalidator.LengthBetween(1, 256)},
	}
	attrs["scan_id"] = schema.StringAttribute{
		MarkdownDescription: "Scan whose result to read. Defaults to the newest completed scan of `tenant_id`; after " +
			"reading, the scan actually read. The scan must be `completed`.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{idValidator()},
	}
	attrs["tenant_id"] = schema.StringAttribute{
		MarkdownDescription: "Aether365 account whose latest completed scan to read when `scan_id` is omitted. " +
			"Defaults to the provider's `tenant_id`.",
		Optional: true,
		Validators: []validator.String{
			idValidator(),
			stringvalidator.ConflictsWith(path.MatchRoot("scan_id")),
		},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one check's result of a scan by its test ID, with the full remediation steps, by " +
			"default from the newest completed scan. Use it to gate on one control, for example fail the plan when " +
			"`CIS.M365.1.1.1` (multifactor authentication for administrators) fails, without reading every result.\n\n" +
			"When a check ran on several objects, Aether365 answers with its first result (an assumption: the API " +
			"reference shows one result per test ID); read `aether365_scan_results` for all of them.",
		Attributes: attrs,
	}
}

func (d *scanResultDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.data.configured(&resp.Diagnostics) {
		return
	}
	var scanID, tenantID, testID types.String
	for name, target := range map[string]*types.String{"scan_id": &scanID, "tenant_id": &tenantID, "test_id": &testID} {
		resp.Diagnostics.Append(req.Config.GetAttribute(ctx, path.Root(name), target)...)
	}
	if resp.Diagnostics.HasError() {
		return
	}
	id := scanID.ValueString()
	if id == "" {
		latest := latestScan(ctx, d.data, tenantID, types.StringNull(), types.StringNull(), &resp.Diagnostics)
		if latest == nil {
			return
		}
		id = latest.ID
	}
	result, err := d.data.client.GetResult(ctx, id, testID.ValueString())
	switch {
	case errors.Is(err, aether365.ErrNotFound):
		resp.Diagnostics.AddAttributeError(path.Root("test_id"), "Aether365 Result Not Found",
			fmt.Sprintf("Scan %s has no result for test ID %q, or the scan is not visible to this API key. Check "+
				"the test ID's spelling (for example CIS.M365.1.1.1 or AE.1068) and that the scan ran that check: "+
				"the aether365_scan_results data source lists every result of the scan.\n\nOriginal error: %s",
				id, testID.ValueString(), err))
		return
	case errors.Is(err, aether365.ErrConflict):
		resp.Diagnostics.AddAttributeError(path.Root("scan_id"), "Aether365 Scan Has No Results Yet",
			fmt.Sprintf("Scan %s has not completed, so it has no results. Read a completed scan, or let the "+
				"aether365_scan resource wait for it (depends_on).\n\nOriginal error: %s", id, err))
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, "Reading Aether365 Scan Result", err)
		return
	}
	values := map[string]attr.Value{
		"scan_id":   types.StringValue(id),
		"tenant_id": tenantID,
	}
	for _, c := range resultColumns {
		values[c.name] = types.StringValue(c.value(result))
	}
	// test_id stays as configured: the answer was checked to be about it.
	values["test_id"] = testID
	for name, value := range values {
		resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root(name), value)...)
	}
}
