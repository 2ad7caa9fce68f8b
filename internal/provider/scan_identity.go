package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

var _ resource.ResourceWithIdentity = (*scanResource)(nil)

// scanIdentityModel identifies one aether365_scan: the scan ID, and the
// tenant as the configuration names it (`me` stays `me`, as in state), so
// an identity found by terraform query imports into exactly the state the
// generated configuration plans.
type scanIdentityModel struct {
	TenantID types.String `tfsdk:"tenant_id"`
	ID       types.String `tfsdk:"id"`
}

func (r *scanResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"tenant_id": identityschema.StringAttribute{
				Description:       "Tenant the scan belongs to: `me` or a tenant ID. Defaults to the provider's tenant.",
				OptionalForImport: true,
			},
			"id": identityschema.StringAttribute{
				Description:       "Scan ID, for example `scan_abc123`.",
				RequiredForImport: true,
			},
		},
	}
}

// setScanIdentity records the identity of the scan m describes. identity is
// nil when Terraform does not support identities (before 1.12, OpenTofu).
func setScanIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, m scanAttributes) diag.Diagnostics {
	if identity == nil || m.ID.IsNull() || m.ID.IsUnknown() {
		return nil
	}
	return identity.Set(ctx, scanIdentityModel{TenantID: m.TenantID, ID: m.ID})
}

// importScan imports a scan given as SCAN_ID, TENANT/SCAN_ID or an identity
// block, after checking with Aether365 that the scan exists and belongs to
// the tenant it is imported under: a gate must never read another tenant's
// score under this tenant's name.
func (r *scanResource) importScan(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if !r.data.configured(&resp.Diagnostics) {
		return
	}
	tenant, scanID, ok := importTarget(ctx, req, r.data.defaultTenant, &resp.Diagnostics)
	if !ok {
		return
	}
	scan, err := r.data.client.GetScan(ctx, scanID)
	switch {
	case errors.Is(err, aether365.ErrNotFound):
		// Aether365 answers 404 alike for a missing scan and for another
		// account's scan (published): say so here, rather than leave the Read
		// that follows to remove it and Terraform to speak of a "non-existent
		// remote object" in general terms.
		resp.Diagnostics.AddError("Aether365 Scan Not Found",
			fmt.Sprintf("Aether365 has no scan %q that this API key may see (404). Check the ID; a scan of another "+
				"account is not visible either: import it with that account's API key, in a provider block of its own.%s\n\n"+
				"Original error: %s", scanID, otherKindHint(scanID, "sched_", "a scheduled scan's", "aether365_scheduled_scan"), err))
		return
	case err != nil:
		addAPIError(&resp.Diagnostics, "Reading Aether365 Scan "+scanID, err)
		return
	case !r.scanBelongsTo(ctx, scan, tenant, &resp.Diagnostics):
		return
	}

	var m scanAttributes
	m.fill(scan)
	m.TenantID = types.StringValue(tenant)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), scan.ID)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("tenant_id"), tenant)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("wait_for_completion"), true)...)
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("fail_on_scan_failure"), true)...)
	resp.Diagnostics.Append(setScanIdentity(ctx, resp.Identity, m)...)
}

// importTarget reads the tenant and scan ID from the import ID or identity.
func importTarget(ctx context.Context, req resource.ImportStateRequest, defaultTenant string, diags *diag.Diagnostics) (tenant, scanID string, ok bool) {
	if req.ID == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		var identity scanIdentityModel
		diags.Append(req.Identity.Get(ctx, &identity)...)
		if diags.HasError() {
			return "", "", false
		}
		tenant, scanID = identity.TenantID.ValueString(), identity.ID.ValueString()
		if tenant == "" {
			tenant = defaultTenant
		}
		if problem := importPartsProblem(tenant, scanID); problem != "" {
			diags.AddError("Invalid Import Identity",
				fmt.Sprintf("An aether365_scan identity needs id, the scan ID, and optionally tenant_id, for example "+
					"identity = { id = \"scan_abc123\", tenant_id = \"t_abc123\" }, but %s.", problem))
			return "", "", false
		}
		return tenant, scanID, true
	}
	tenant, scanID, hasTenant := strings.Cut(req.ID, "/")
	if !hasTenant {
		tenant, scanID = defaultTenant, req.ID
	}
	if problem := importPartsProblem(tenant, scanID); problem != "" {
		diags.AddError("Invalid Import ID",
			fmt.Sprintf("Import an aether365_scan by its scan ID, or TENANT/SCAN_ID for a scan of another tenant, "+
				"for example: terraform import aether365_scan.weekly scan_abc123; in %q, %s.", req.ID, problem))
		return "", "", false
	}
	return tenant, scanID, true
}

// importPartsProblem says which part of an import names no plain path
// segment, the rule every tenant_id and id attribute follows, or "".
func importPartsProblem(tenant, scanID string) string {
	if problem := pathSegmentProblem(scanID); problem != "" {
		return "the scan ID " + problem
	}
	if problem := pathSegmentProblem(tenant); problem != "" {
		return "the tenant " + problem
	}
	return ""
}

// scanBelongsTo reports whether scan is a scan of tenant, adding an error
// that names the scan's real tenant when it is not. `me` is resolved by
// asking for the key's own latest scan: if the key's tenant has scans at all
// and the imported one is among them, that list names the same tenant.
func (r *scanResource) scanBelongsTo(ctx context.Context, scan *aether365.Scan, tenant string, diags *diag.Diagnostics) bool {
	resolved := tenant
	if tenant == aether365.DefaultTenant {
		latest, err := r.data.client.LatestScan(ctx, aether365.DefaultTenant, "", "")
		switch {
		case errors.Is(err, aether365.ErrNoScan):
			resolved = ""
		case err != nil:
			addAPIError(diags, "Finding the API Key's Own Tenant", err)
			return false
		default:
			resolved = latest.TenantID
		}
	}
	if resolved == scan.TenantID {
		return true
	}
	diags.AddError("Aether365 Scan Belongs to Another Tenant",
		fmt.Sprintf("Scan %s belongs to tenant %q, not %q. Import it under its own tenant: "+
			"terraform import ADDRESS %s/%s, or an import block with identity = { tenant_id = %q, id = %q }.",
			scan.ID, scan.TenantID, tenant, scan.TenantID, scan.ID, scan.TenantID, scan.ID))
	return false
}

// otherKindHint says, for an import ID of another kind of object (by its
// prefix), which resource imports it; "" otherwise.
func otherKindHint(id, prefix, kind, resourceType string) string {
	if !strings.HasPrefix(id, prefix) {
		return ""
	}
	return fmt.Sprintf(" %q looks like %s ID: import it into an %s resource.", id, kind, resourceType)
}
