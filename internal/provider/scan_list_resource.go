package provider

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/list"
	"github.com/hashicorp/terraform-plugin-framework/list/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// NewScanListResource returns the aether365_scan list resource, which
// finds existing scans for terraform query.
func NewScanListResource() list.ListResource {
	return &scanListResource{}
}

type scanListResource struct {
	resourceBase
}

type scanListModel struct {
	TenantID     types.String `tfsdk:"tenant_id"`
	ScanType     types.String `tfsdk:"scan_type"`
	Status       types.String `tfsdk:"status"`
	ConnectionID types.String `tfsdk:"connection_id"`
	StartedAfter types.String `tfsdk:"started_after"`
}

func (l *scanListResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scan"
}

func (l *scanListResource) ListResourceConfigSchema(_ context.Context, _ list.ListResourceSchemaRequest, resp *list.ListResourceSchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Finds existing Aether365 scans with `terraform query`, newest first, so they can be " +
			"imported as `aether365_scan` resources (`terraform query -generate-config-out=scans.tf`). Each result has " +
			"the scan's identity and a display name with its type, ID, status, score and date. Requires Terraform 1.14.1 or later.\n\n" +
			"`scan_type`, `status` and `connection_id` are filtered by Aether365; `started_after` is filtered by the provider, which still " +
			"reads the whole list from Aether365.",
		Attributes: map[string]schema.Attribute{
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Aether365 account whose scans to list: `me` (the API key's own account) or its ID. " +
					"Defaults to the provider's `tenant_id`; imported scans record it as given.",
				Optional:   true,
				Validators: []validator.String{idValidator()},
			},
			"scan_type": schema.StringAttribute{
				MarkdownDescription: "Only scans of this type, `compliance` or `exposure`. " + enumInputNote,
				Optional:            true,
				Validators:          scanTypeValidators(),
			},
			"status": schema.StringAttribute{
				MarkdownDescription: descScanFilter,
				Optional:            true,
				Validators:          []validator.String{enumValidator(aether365.ScanStatuses...)},
			},
			"connection_id": schema.StringAttribute{
				MarkdownDescription: "Only scans of this connected Microsoft 365 tenant (`conn_...`); sent as the `connectionId` query parameter (an assumption: the API reference does not show how a scan names its connection).",
				Optional:            true,
				Validators:          []validator.String{idValidator()},
			},
			"started_after": schema.StringAttribute{
				MarkdownDescription: "Only scans started after this time, in RFC 3339 such as `2026-11-01T00:00:00Z`. " +
					"Filtered by the provider.",
				Optional:   true,
				Validators: []validator.String{rfc3339Validator{}},
			},
		},
	}
}

func (l *scanListResource) List(ctx context.Context, req list.ListRequest, stream *list.ListResultsStream) {
	var diags diag.Diagnostics
	config, ok := configuredModel[scanListModel](ctx, l.data, req.Config, &diags)
	if !ok {
		stream.Results = list.ListResultsStreamDiagnostics(diags)
		return
	}
	var startedAfter time.Time
	if s := config.StartedAfter.ValueString(); s != "" {
		startedAfter, _ = time.Parse(time.RFC3339, s) // validated at plan
	}
	tenant := l.data.tenantOr(config.TenantID)

	// Without a client-side filter the API's paging stops at the limit;
	// with started_after the provider cannot know how many scans it must
	// read to find enough, so it reads them all.
	maxItems := 0
	if startedAfter.IsZero() && req.Limit > 0 {
		maxItems = int(req.Limit)
	}
	listCall := l.data.claims.newList()
	stream.Results = func(push func(list.ListResult) bool) {
		scans, err := l.data.client.ListScans(ctx, tenant, aether365.ListScansOptions{
			Status:       normalizedEnum(config.Status),
			ScanType:     normalizedEnum(config.ScanType),
			ConnectionID: config.ConnectionID.ValueString(),
			MaxItems:     maxItems,
		})
		if err != nil {
			var diags diag.Diagnostics
			addAPIError(&diags, "Listing Aether365 Scans", err)
			push(list.ListResult{Diagnostics: diags})
			return
		}
		for i := range scans {
			scan := &scans[i]
			if ctx.Err() != nil {
				return
			}
			if !startedAfter.IsZero() && !scan.StartedAt.After(startedAfter) {
				continue
			}
			result := scanListResult(ctx, req, scan, tenant)
			if l.data.claims.alsoListed(scan.ID, listCall) {
				// Terraform does not notice: -generate-config-out writes one
				// resource and import block per block that found the scan.
				result.Diagnostics.AddWarning("Aether365 Scan Found by More Than One List Block",
					fmt.Sprintf("Scan %s is also found by another aether365_scan list block of this query, so "+
						"-generate-config-out writes a resource and an import block for it in each, and Terraform then "+
						"manages one scan under two addresses. Make the blocks' filters exclusive, for example by scan_type or status.",
						scan.ID))
			}
			if !push(result) {
				return
			}
		}
	}
}

// scanListResult is one found scan: its identity, display name and, when
// asked for, the state an import of it would produce, so the generated
// configuration plans no change beyond the import.
func scanListResult(ctx context.Context, req list.ListRequest, scan *aether365.Scan, tenant string) list.ListResult {
	result := req.NewListResult(ctx)
	result.DisplayName = scanDisplayName(scan)

	var m scanResourceModel
	m.fill(scan)
	m.TenantID = types.StringValue(tenant)
	result.Diagnostics.Append(setScanIdentity(ctx, result.Identity, m.scanAttributes)...)
	if !req.IncludeResource {
		return result
	}
	m.Triggers = types.MapNull(types.StringType)
	m.WaitForCompletion = types.BoolValue(true)
	m.FailOnScanFailure = types.BoolValue(true)
	m.Timeouts = timeouts.Value{Object: types.ObjectNull(timeoutsAttrTypes(ctx, req))}
	result.Diagnostics.Append(result.Resource.Set(ctx, &m)...)
	return result
}

// timeoutsAttrTypes reads the timeouts block's attribute types from the
// resource schema, so the list stays in step with it.
func timeoutsAttrTypes(ctx context.Context, req list.ListRequest) map[string]attr.Type {
	if req.ResourceSchema != nil {
		if typ, diags := req.ResourceSchema.TypeAtPath(ctx, path.Root("timeouts")); !diags.HasError() {
			if obj, ok := typ.(attr.TypeWithAttributeTypes); ok {
				return obj.AttributeTypes()
			}
		}
	}
	return map[string]attr.Type{"create": types.StringType, "update": types.StringType}
}

// scanDisplayName reads like a line of a scan history:
// "compliance scan_… completed, score 85 (2026-11-30 06:00 UTC)".
func scanDisplayName(scan *aether365.Scan) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s", scan.ScanType, scan.ID, scan.Status)
	if scan.Score != nil {
		fmt.Fprintf(&b, ", score %s", formatScore(*scan.Score))
	}
	if !scan.StartedAt.IsZero() {
		fmt.Fprintf(&b, " (%s)", scan.StartedAt.UTC().Format("2006-01-02 15:04 MST"))
	}
	return b.String()
}

// rfc3339Validator checks at plan that a timestamp is RFC 3339.
type rfc3339Validator struct{}

func (rfc3339Validator) Description(context.Context) string {
	return "must be an RFC 3339 timestamp such as 2026-11-01T00:00:00Z"
}

func (v rfc3339Validator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (rfc3339Validator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := time.Parse(time.RFC3339, req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timestamp",
			fmt.Sprintf("%q is not an RFC 3339 timestamp; write it like \"2026-11-01T00:00:00Z\".", req.ConfigValue.ValueString()))
	}
}
