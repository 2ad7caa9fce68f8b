package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// NewScanDataSource returns the aether365_scan data source.
func NewScanDataSource() datasource.DataSource {
	return &scanDataSource{}
}

// scanDataSource reads one scan: by ID, or the latest matching one. It is the
// plan-time gate: a precondition on its score stops `terraform plan`.
type scanDataSource struct {
	dataSourceBase
}

type scanDataSourceModel struct {
	scanAttributes
}

func (d *scanDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scan"
}

func (d *scanDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	attrs := dataSourceScanAttributes()
	attrs["id"] = schema.StringAttribute{
		MarkdownDescription: "Scan ID to read. When omitted, the data source reads the newest scan of `tenant_id` " +
			"that has `status` (default `completed`) and, if set, `scan_type`. With `id`, a provider `tenant_id` other " +
			"than `me` must be the scan's tenant, or the read fails naming it.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{idValidator()},
	}
	attrs["tenant_id"] = schema.StringAttribute{
		MarkdownDescription: "Tenant to look in when `id` is omitted: `me` (the API key's own) or a tenant ID. " +
			"Defaults to the provider's `tenant_id`. Set to the scan's tenant after reading.",
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{idValidator(), conflictsWithID()},
	}
	attrs["status"] = schema.StringAttribute{
		MarkdownDescription: "When `id` is omitted: read the newest scan with this status, one of `in_progress`, " +
			"`completed` (the default) or `failed`. After reading, the scan's status (as written here when set). " +
			enumInputNote,
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{enumValidator(aether365.ScanStatuses...), conflictsWithID()},
	}
	attrs["scan_type"] = schema.StringAttribute{
		MarkdownDescription: "When `id` is omitted: read only scans of this kind, `compliance` or `exposure`. After " +
			"reading, the scan's kind (as written here when set). " + enumInputNote,
		Optional:   true,
		Computed:   true,
		Validators: []validator.String{enumValidator(aether365.ScanTypes...), conflictsWithID()},
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads one Aether365 scan: by `id`, or the newest scan matching `status` and " +
			"`scan_type`. Use its `score` in a `precondition` to stop `terraform plan` when the tenant's " +
			"security posture has dropped. When no scan matches, the read fails with an error saying so " +
			"rather than returning an empty object.",
		Attributes: attrs,
	}
}

func conflictsWithID() validator.String {
	return stringvalidator.ConflictsWith(path.MatchRoot("id"))
}

// dataSourceScanAttributes are the computed attributes of a scan in data
// source schemas.
func dataSourceScanAttributes() map[string]schema.Attribute {
	computedString := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	return map[string]schema.Attribute{
		"id":           computedString(descScanID),
		"tenant_id":    computedString(descTenantID),
		"scan_type":    computedString(descScanType),
		"status":       computedString(descStatus),
		"score":        schema.Float64Attribute{MarkdownDescription: descScore, Computed: true},
		"started_at":   computedString(descStartedAt),
		"completed_at": computedString(descCompleted),
		"pass_count":   schema.Int64Attribute{MarkdownDescription: descPassCount, Computed: true},
		"fail_count":   schema.Int64Attribute{MarkdownDescription: descFailCount, Computed: true},
		"skip_count":   schema.Int64Attribute{MarkdownDescription: descSkipCount, Computed: true},
	}
}

// dataSourceCounts builds count attributes for data source schemas.
var dataSourceCounts = countSchema[schema.Attribute]{
	count: func(desc string) schema.Attribute {
		return schema.Int64Attribute{MarkdownDescription: desc, Computed: true}
	},
	object: func(desc string, attrs map[string]schema.Attribute) schema.Attribute {
		return schema.SingleNestedAttribute{MarkdownDescription: desc, Computed: true, Attributes: attrs}
	},
}

func (d *scanDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	model, ok := configuredModel[scanDataSourceModel](ctx, d.data, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}

	var scan *aether365.Scan
	if id := model.ID.ValueString(); id != "" {
		// With id, tenant_id cannot be set, so the provider's tenant is the
		// one the scan must belong to, as for an import by bare ID.
		scan = d.data.readScanByID(ctx, path.Root("id"), id, &resp.Diagnostics)
	} else {
		scan = latestScan(ctx, d.data, model.TenantID, model.Status, model.ScanType, &resp.Diagnostics)
	}
	if scan == nil {
		return
	}
	// A filter is kept as written: Terraform wants a configured value back
	// unchanged, and "Completed" matched the scan's "completed".
	configuredStatus, configuredType := model.Status, model.ScanType
	model.fill(scan)
	if !configuredStatus.IsNull() {
		model.Status = configuredStatus
	}
	if !configuredType.IsNull() {
		model.ScanType = configuredType
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// readScanByID reads the scan id names in attr, checking that it belongs to
// the provider's tenant (any, for "me"). It returns nil after adding an
// error that says what to fix.
func (pd *providerData) readScanByID(ctx context.Context, attr path.Path, id string, diags *diag.Diagnostics) *aether365.Scan {
	scan, err := pd.client.GetTenantScan(ctx, checkedTenant(pd.defaultTenant), id)
	var wrongAnswer *aether365.MalformedResponseError
	switch {
	case errors.Is(err, aether365.ErrNotFound):
		diags.AddAttributeError(attr, "Aether365 Scan Not Found",
			fmt.Sprintf("No scan %q is visible to this API key. Check the ID, and that the key belongs to "+
				"the scan's tenant.", id))
		return nil
	case errors.As(err, &wrongAnswer) && wrongAnswer.Field == "data.tenant_id":
		diags.AddAttributeError(attr, "Aether365 Scan Belongs to Another Tenant",
			fmt.Sprintf("Scan %q is not a scan of tenant %q, the provider's tenant_id. Read it through a provider "+
				"block (an alias) whose tenant_id is the scan's tenant.\n\nOriginal error: %s",
				id, pd.defaultTenant, err))
		return nil
	case err != nil:
		addAPIError(diags, "Reading Aether365 Scan "+id, err)
		return nil
	}
	return scan
}
