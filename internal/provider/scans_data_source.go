package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

const (
	defaultScansLimit = 20
	maxScansLimit     = 1000
)

// NewScansDataSource returns the aether365_scans data source.
func NewScansDataSource() datasource.DataSource {
	return &scansDataSource{}
}

// scansDataSource lists a tenant's scans, newest first: posture over time.
type scansDataSource struct {
	dataSourceBase
}

type scansDataSourceModel struct {
	ID           types.String `tfsdk:"id"`
	TenantID     types.String `tfsdk:"tenant_id"`
	Status       types.String `tfsdk:"status"`
	ScanType     types.String `tfsdk:"scan_type"`
	ConnectionID types.String `tfsdk:"connection_id"`
	Limit        types.Int64  `tfsdk:"limit"`
	Scans        types.List   `tfsdk:"scans"`
}

func (d *scansDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scans"
}

func (d *scansDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists a tenant's Aether365 scans, newest first, for example to compare the latest " +
			"score with the previous one. Pages through the API as needed.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Identifier of this query, made from its arguments.",
				Computed:            true,
			},
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Tenant to list: `me` (the API key's own) or a tenant ID. Defaults to the provider's `tenant_id`.",
				Optional:            true,
				Computed:            true,
				Validators:          []validator.String{idValidator()},
			},
			"status": schema.StringAttribute{
				MarkdownDescription: descScanFilter + " All statuses when omitted.",
				Optional:            true,
				Validators:          []validator.String{enumValidator(aether365.ScanStatuses...)},
			},
			"scan_type": schema.StringAttribute{
				MarkdownDescription: "Only scans of this kind, `compliance` or `exposure`. All kinds when omitted. " + enumInputNote,
				Optional:            true,
				Validators:          []validator.String{enumValidator(aether365.ScanTypes...)},
			},
			"connection_id": schema.StringAttribute{
				MarkdownDescription: "Only scans of this connected Microsoft 365 tenant (`conn_...`). All connections when omitted. How a scan names its connection is not in the published API reference: the provider sends the `connectionId` query parameter (an assumption).",
				Optional:            true,
				Validators:          []validator.String{idValidator()},
			},
			"limit": schema.Int64Attribute{
				CustomType:          wholeNumber,
				MarkdownDescription: fmt.Sprintf("Most scans to return, newest first: 1 to %d, default %d.", maxScansLimit, defaultScansLimit),
				Optional:            true,
				Validators:          []validator.Int64{int64validator.Between(1, maxScansLimit)},
			},
			"scans": schema.ListNestedAttribute{
				MarkdownDescription: "The scans, newest first. Each has the attributes of the `aether365_scan` data source.",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: dataSourceScanAttributes()},
			},
		},
	}
}

func (d *scansDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	model, ok := configuredModel[scansDataSourceModel](ctx, d.data, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	tenant := d.data.tenantOr(model.TenantID)
	limit := int64(defaultScansLimit)
	if !model.Limit.IsNull() {
		limit = model.Limit.ValueInt64()
	}

	scans, err := d.data.client.ListScans(ctx, tenant, aether365.ListScansOptions{
		Status:       normalizedEnum(model.Status),
		ScanType:     normalizedEnum(model.ScanType),
		ConnectionID: model.ConnectionID.ValueString(),
		MaxItems:     int(limit),
		PageSize:     int(min(limit, aether365.MaxScanPageSize)),
	})
	if err != nil {
		addAPIError(&resp.Diagnostics, "Listing Aether365 Scans", err)
		return
	}

	elements := make([]attr.Value, 0, len(scans))
	for i := range scans {
		var attrs scanAttributes
		attrs.fill(&scans[i])
		elements = append(elements, attrs.objectValue())
	}
	model.Scans = types.ListValueMust(types.ObjectType{AttrTypes: scanAttrTypes}, elements)
	model.TenantID = types.StringValue(tenant)
	model.ID = types.StringValue(queryID(tenant, normalizedEnum(model.Status), normalizedEnum(model.ScanType), model.ConnectionID.ValueString(), fmt.Sprint(limit)))
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
