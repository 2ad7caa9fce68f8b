package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// The Aether365 account behind the API key: the aether365_tenant data
// source reads it, the aether365_tenant_profile resource manages the one
// thing of it the API lets users change, the company name.

// NewTenantDataSource returns the aether365_tenant data source.
func NewTenantDataSource() datasource.DataSource {
	return &tenantDataSource{}
}

type tenantDataSource struct {
	dataSourceBase
}

type tenantModel struct {
	ID          types.String `tfsdk:"id"`
	Email       types.String `tfsdk:"email"`
	CompanyName types.String `tfsdk:"company_name"`
	PlanTier    types.String `tfsdk:"plan_tier"`
	CreatedAt   types.String `tfsdk:"created_at"`
	UpdatedAt   types.String `tfsdk:"updated_at"`
}

func (m *tenantModel) fill(t *aether365.Tenant) {
	m.ID = types.StringValue(t.ID)
	m.Email = types.StringValue(t.Email)
	m.CompanyName = types.StringValue(t.CompanyName)
	m.PlanTier = types.StringValue(string(t.PlanTier))
	m.CreatedAt = timeValue(&t.CreatedAt)
	m.UpdatedAt = timeValue(&t.UpdatedAt)
}

func (d *tenantDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tenant"
}

func (d *tenantDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) dsschema.StringAttribute {
		return dsschema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = dsschema.Schema{
		MarkdownDescription: "Reads the Aether365 account behind the API key: its ID, plan and company name. Use " +
			"`plan_tier` to guard configuration that needs a plan, for example AI Pilot (Pro and Enterprise).",
		Attributes: map[string]dsschema.Attribute{
			"id":           computed("Account ID, for example `t_abc123`: the `tenant_id` of its scans."),
			"email":        computed("E-mail address the account was created with."),
			"company_name": computed("Company name, derived from the e-mail domain until changed."),
			"plan_tier":    computed("Plan: `free`, `pro` or `enterprise`."),
			"created_at":   computed("When the account was created (RFC 3339, UTC)."),
			"updated_at":   computed("When the account was last changed (RFC 3339, UTC)."),
		},
	}
}

func (d *tenantDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	tenant := d.data.readTenant(ctx, &resp.Diagnostics)
	if tenant == nil {
		return
	}
	var m tenantModel
	m.fill(tenant)
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (pd *providerData) readTenant(ctx context.Context, diags *diag.Diagnostics) *aether365.Tenant {
	if !pd.configured(diags) {
		return nil
	}
	tenant, err := pd.client.GetTenant(ctx)
	if err != nil {
		addAPIError(diags, "Reading the Aether365 Account", err)
		return nil
	}
	return tenant
}

// NewTenantProfileResource returns the aether365_tenant_profile resource.
func NewTenantProfileResource() resource.Resource {
	return &tenantProfileResource{}
}

type tenantProfileResource struct {
	resourceBase
}

type tenantProfileModel struct {
	ID          types.String `tfsdk:"id"`
	CompanyName types.String `tfsdk:"company_name"`
}

func (r *tenantProfileResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_tenant_profile"
}

func (r *tenantProfileResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "The Aether365 account's profile: its company name, shown in reports and e-mails " +
			"(PATCH /tenants/me). There is one per account: declare it once. A name changed in Aether365 shows as " +
			"a change at the next plan.\n\nDestroying the resource leaves the name as it is (the API has no way back " +
			"to the name derived from the e-mail domain) and says so in a warning.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Account ID, for example `t_abc123`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"company_name": schema.StringAttribute{
				MarkdownDescription: "Company name, 1 to 200 characters.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 200)},
			},
		},
	}
}

func (r *tenantProfileResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

func (r *tenantProfileResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	r.write(ctx, req.Plan.Get, &resp.State, &resp.Diagnostics)
}

func (r *tenantProfileResource) write(ctx context.Context, plan func(context.Context, any) diag.Diagnostics, state interface {
	Set(context.Context, any) diag.Diagnostics
}, diags *diag.Diagnostics) {
	if !r.data.configured(diags) {
		return
	}
	var m tenantProfileModel
	diags.Append(plan(ctx, &m)...)
	if diags.HasError() {
		return
	}
	tenant, err := r.data.client.UpdateTenant(ctx, m.CompanyName.ValueString())
	if err != nil {
		addAPIError(diags, "Updating the Aether365 Account's Company Name", err)
		return
	}
	m.ID, m.CompanyName = types.StringValue(tenant.ID), types.StringValue(tenant.CompanyName)
	diags.Append(state.Set(ctx, &m)...)
}

func (r *tenantProfileResource) Read(ctx context.Context, _ resource.ReadRequest, resp *resource.ReadResponse) {
	tenant := r.data.readTenant(ctx, &resp.Diagnostics)
	if tenant == nil {
		return
	}
	m := tenantProfileModel{ID: types.StringValue(tenant.ID), CompanyName: types.StringValue(tenant.CompanyName)}
	resp.Diagnostics.Append(resp.State.Set(ctx, &m)...)
}

func (r *tenantProfileResource) Delete(_ context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	resp.Diagnostics.AddWarning("Aether365 Company Name Left As It Is",
		"The account's profile cannot be deleted, and the API has no way back to the company name derived from the "+
			"e-mail domain: the name stays as it is, and Terraform no longer manages it.")
}

// ImportState accepts the account ID or "me": an API key sees one account.
func (r *tenantProfileResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	tenant := r.data.readTenant(ctx, &resp.Diagnostics)
	if tenant == nil {
		return
	}
	if req.ID != aether365.DefaultTenant && req.ID != tenant.ID {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("The API key belongs to account %s; import its profile as %q or %q.", tenant.ID, tenant.ID, aether365.DefaultTenant))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), tenant.ID)...)
}
