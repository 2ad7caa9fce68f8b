package provider

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/hashicorp/terraform-plugin-framework-timeouts/resource/timeouts"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/mapplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// NewScanResource returns the aether365_scan resource.
func NewScanResource() resource.Resource {
	return &scanResource{}
}

// scanResource starts one Aether365 scan and, by default, waits for its
// verdict. A scan is history on the server, so the resource never changes it
// after creation: Update touches only local settings and Delete only forgets it.
type scanResource struct {
	resourceBase
}

type scanResourceModel struct {
	scanAttributes
	ConnectionID      types.String   `tfsdk:"connection_id"`
	Triggers          types.Map      `tfsdk:"triggers"`
	WaitForCompletion types.Bool     `tfsdk:"wait_for_completion"`
	FailOnScanFailure types.Bool     `tfsdk:"fail_on_scan_failure"`
	Timeouts          timeouts.Value `tfsdk:"timeouts"`
}

func (r *scanResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scan"
}

func (r *scanResource) Schema(ctx context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keepAfterCreate := []planmodifier.String{stringplanmodifier.UseStateForUnknown()}
	resp.Schema = schema.Schema{
		// Version 1 follows the published API: summary, created_at and
		// failure_reason gave way to pass_count, fail_count and skip_count
		// (see UpgradeState).
		Version: 1,
		MarkdownDescription: "Runs an Aether365 security-posture scan of a Microsoft 365 tenant and, by default, waits " +
			"for its score during `terraform apply`.\n\n" +
			"The scan ID is written to state as soon as Aether365 accepts the scan, before waiting. If the scan " +
			"fails (with `fail_on_scan_failure`), the wait times out or Terraform is interrupted, the apply fails " +
			"with the scan ID and its last known status, the resource stays in state marked *tainted*, and the " +
			"next apply starts a fresh scan.\n\n" +
			"Aether365 runs one scan at a time per tenant. When the tenant is already running a scan of the same " +
			"`scan_type` (started by a schedule, a person, another Terraform run), the resource adopts it with a " +
			"warning instead of failing; a running scan of the other type is waited for, within " +
			"`timeouts.create`, and then this one starts. So if terraform or the provider is killed (SIGKILL, the " +
			"OOM killer, a crash) before the scan is in state, the next apply adopts that scan while it is still " +
			"in progress instead of starting a second one. See the Reliability guide for exactly what is and is " +
			"not guaranteed.\n\n" +
			"Scans are history: destroying this resource only removes it from Terraform state; the scan and its " +
			"results stay in Aether365. To run a new scan, change `triggers` (or taint the resource).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: descScanID,
				Computed:            true,
				PlanModifiers:       keepAfterCreate,
			},
			"scan_type": schema.StringAttribute{
				MarkdownDescription: descScanType + " " + enumInputNote +
					" Changing it starts a new scan (replaces the resource).",
				Required:      true,
				Validators:    scanTypeValidators(),
				PlanModifiers: []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"connection_id": schema.StringAttribute{
				MarkdownDescription: descConnection + " Changing it starts a new scan (replaces the resource).",
				Optional:            true,
				Validators:          []validator.String{idValidator()},
				PlanModifiers:       []planmodifier.String{stringplanmodifier.RequiresReplace()},
			},
			"tenant_id": schema.StringAttribute{
				MarkdownDescription: "Aether365 account to scan in: `me` (the API key's own account) or its ID " +
					"(`t_...`). Defaults to the provider's `tenant_id` (itself `me` by default), and records it " +
					"as requested: `me` stays `me`. To scan one of several connected Microsoft 365 tenants, set " +
					"`connection_id`. Changing it, including through the provider's default, starts " +
					"a new scan (replaces the resource).",
				Optional:   true,
				Computed:   true,
				Validators: []validator.String{idValidator()},
				// Planned, and replaced when it changes, in ModifyPlan: the
				// default comes from the configured provider.
			},
			"triggers": schema.MapAttribute{
				MarkdownDescription: "Arbitrary map of strings. Any change to it starts a new scan (replaces the " +
					"resource), like `terraform_data`'s `triggers_replace`: for example a release version, a " +
					"date, or the hash of the configuration the scan guards.",
				ElementType:   types.StringType,
				Optional:      true,
				PlanModifiers: []planmodifier.Map{mapplanmodifier.RequiresReplace()},
			},
			"wait_for_completion": schema.BoolAttribute{
				MarkdownDescription: "Wait during apply until the scan is `completed` or `failed` (default `true`). " +
					"With `false`, apply returns as soon as the scan is accepted and `score` stays null until a " +
					"later refresh sees the scan finish. The wait polls quickly at first (about every second), " +
					"then backs off to at most every 30 seconds, following the API's hints.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"fail_on_scan_failure": schema.BoolAttribute{
				MarkdownDescription: "Fail the apply when the scan ends `failed` (default `true`). A failed scan is " +
					"then re-scanned by the next apply, however the failure was seen (by create, by an update " +
					"that waited, or by a refresh): the next plan replaces it. With `false`, a failed scan is " +
					"recorded in state with a warning.",
				Optional: true,
				Computed: true,
				Default:  booldefault.StaticBool(true),
			},
			"status": schema.StringAttribute{
				MarkdownDescription: descStatus,
				Computed:            true,
			},
			"score": schema.Float64Attribute{
				MarkdownDescription: descScore + " Gate on it with a `lifecycle { postcondition { ... } }`.",
				Computed:            true,
			},
			"started_at": schema.StringAttribute{
				MarkdownDescription: descStartedAt,
				Computed:            true,
				PlanModifiers:       keepAfterCreate,
			},
			"completed_at": schema.StringAttribute{
				MarkdownDescription: descCompleted,
				Computed:            true,
			},
			"pass_count": schema.Int64Attribute{MarkdownDescription: descPassCount, Computed: true},
			"fail_count": schema.Int64Attribute{MarkdownDescription: descFailCount, Computed: true},
			"skip_count": schema.Int64Attribute{MarkdownDescription: descSkipCount, Computed: true},
		},
		Blocks: map[string]schema.Block{
			"timeouts": scanTimeoutsBlock(ctx),
		},
	}
}

// scanTimeoutsBlock is the familiar `timeouts { create = "45m" }` block from
// terraform-plugin-framework-timeouts, with Markdown descriptions added so
// the registry page documents it like every other attribute.
func scanTimeoutsBlock(ctx context.Context) schema.Block {
	descriptions := map[string]string{
		"create": "How long creating the resource may take, as a positive [duration](https://pkg.go.dev/time#ParseDuration) " +
			"such as `45m` (default `" + defaultScanWaitText + "`): the request that starts the scan, its retries and the wait all count. " +
			"When it runs out the apply fails naming the scan and its last known status; the scan stays in state, " +
			"tainted, and the next apply starts a new one.",
		"update": "How long apply waits for an unfinished scan when `wait_for_completion` is switched on later, as a " +
			"positive duration (default `" + defaultScanWaitText + "`). When it runs out the scan stays in state with its last known " +
			"status and the next plan waits for it again.",
	}
	block := timeouts.Block(ctx, timeouts.Opts{
		Create:            true,
		Update:            true,
		CreateDescription: descriptions["create"],
		UpdateDescription: descriptions["update"],
	})
	nested, ok := block.(schema.SingleNestedBlock)
	if !ok {
		return block
	}
	nested.MarkdownDescription = "How long Terraform waits for the scan. Aether365 scans usually take minutes; " +
		"raise `create` for large tenants."
	for name, attr := range nested.Attributes {
		if s, ok := attr.(schema.StringAttribute); ok {
			s.MarkdownDescription = descriptions[name]
			s.Validators = append(s.Validators, positiveDurationValidator{})
			nested.Attributes[name] = s
		}
	}
	return nested
}

// ModifyPlan plans tenant_id and what an existing scan still needs.
//
// tenant_id defaults to the provider's tenant, which only a configured
// provider knows, so it is planned here rather than by an attribute plan
// modifier; changing it, even through the provider's default, replaces the
// scan instead of silently gating on another tenant's score.
//
// The recorded status decides the rest, whichever operation recorded it
// (Terraform taints only after a failed Create, never after Update or
// refresh). A failed scan with fail_on_scan_failure is replaced by a new
// one. An unfinished scan with wait_for_completion is planned as an update
// with its results unknown, so the apply waits for it again. A finished scan
// cannot change, so an in-place update keeps its score and counts known.
func (r *scanResource) ModifyPlan(ctx context.Context, req resource.ModifyPlanRequest, resp *resource.ModifyPlanResponse) {
	if req.Plan.Raw.IsNull() {
		return
	}
	var plan, config scanResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.Config.Get(ctx, &config)...)
	if resp.Diagnostics.HasError() {
		return
	}
	if config.TenantID.IsNull() && r.data != nil {
		plan.TenantID = types.StringValue(r.data.defaultTenant)
	}
	if req.State.Raw.IsNull() {
		resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
		return
	}

	var state scanResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	status := state.Status.ValueString()
	switch {
	case !plan.TenantID.IsUnknown() && !plan.TenantID.Equal(state.TenantID):
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("tenant_id"))
	case isFailedStatus(status) && plan.FailOnScanFailure.ValueBool():
		// Terraform replaces only for a path whose value changes, and nothing
		// in configuration did: the planned status of the new scan does.
		plan.Status = types.StringUnknown()
		resp.RequiresReplace = append(resp.RequiresReplace, path.Root("status"))
	case aether365.IsTerminalStatus(status):
		// On a replacement Terraform plans the new scan again from an empty
		// state, so this matters only for in-place updates. Copy only what
		// the API computes: scan_type and tenant_id come from configuration.
		plan.Status = state.Status
		plan.Score = state.Score
		plan.StartedAt = state.StartedAt
		plan.CompletedAt = state.CompletedAt
		plan.PassCount, plan.FailCount, plan.SkipCount = state.PassCount, state.FailCount, state.SkipCount
	case plan.WaitForCompletion.ValueBool():
		plan.Status = types.StringUnknown()
		plan.Score = types.Float64Unknown()
		plan.CompletedAt = types.StringUnknown()
		plan.PassCount, plan.FailCount, plan.SkipCount = types.Int64Unknown(), types.Int64Unknown(), types.Int64Unknown()
	}
	resp.Diagnostics.Append(resp.Plan.Set(ctx, &plan)...)
}

// isFailedStatus reports whether a scan ended without a score.
func isFailedStatus(status string) bool {
	return aether365.IsTerminalStatus(status) && status != aether365.ScanStatusCompleted
}

func (r *scanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := configuredModel[scanResourceModel](ctx, r.data, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	createTimeout, diags := plan.Timeouts.Create(ctx, defaultScanWait)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	// The create timeout bounds everything Create does, the POST and any
	// wait for another running scan included, and an interrupt cancels it
	// at once: a scan the POST may have started is the tenant's running scan,
	// which the next apply adopts.
	ctx, cancel := context.WithTimeout(ctx, createTimeout)
	defer cancel()

	tenant := r.data.tenantOr(plan.TenantID)
	ctx = tflog.SetField(ctx, "tenant_id", tenant)
	ctx = tflog.SetField(ctx, "scan_type", normalizedEnum(plan.ScanType))
	tflog.Info(ctx, "Starting Aether365 scan")
	started, err := r.data.startOrAdopt(ctx, aether365.StartScanRequest{
		Tenant: tenant, ConnectionID: plan.ConnectionID.ValueString(), ScanType: normalizedEnum(plan.ScanType)})
	seenAt := r.data.client.Now()
	if err != nil {
		addStartError(&resp.Diagnostics, err, createTimeout)
		return
	}
	scan := started.Scan
	ctx = tflog.SetField(ctx, "scan_id", scan.ID)
	tflog.Info(ctx, "Aether365 scan started", map[string]any{
		"status": string(scan.Status), "adopted": started.Adopted, "after_lost_answer": started.AfterLostAnswer,
		"waited_for": started.WaitedFor})
	if started.Adopted && !started.AfterLostAnswer {
		addAdoptedWarning(&resp.Diagnostics, scan, r.data.scheduleThatStarted(ctx, scan), r.data.client.Now())
	}

	// Record the scan before waiting: if the wait fails, times out or is
	// interrupted, Terraform keeps this (tainted) state instead of losing the scan.
	r.applyScan(&plan, scan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setScanIdentity(ctx, resp.Identity, plan.scanAttributes)...)
	if resp.Diagnostics.HasError() || !plan.WaitForCompletion.ValueBool() || aether365.IsTerminal(scan) {
		reportOutcome(&resp.Diagnostics, plan.FailOnScanFailure.ValueBool(), scan, afterCreate)
		return
	}

	final, waitErr := r.waitForScanSeenAt(ctx, tenant, scan.ID, seenAt)
	if final != nil {
		r.applyScan(&plan, final)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	}
	if waitErr != nil {
		addWaitError(&resp.Diagnostics, waitFailure{scanID: scan.ID, lastStatus: plan.Status.ValueString(),
			timeout: createTimeout, timeoutName: "create", after: afterCreate, noPollAnswered: final == nil}, waitErr)
		return
	}
	reportOutcome(&resp.Diagnostics, plan.FailOnScanFailure.ValueBool(), final, afterCreate)
}

func (r *scanResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	if !r.data.configured(&resp.Diagnostics) {
		return
	}
	var state scanResourceModel
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(setScanIdentity(ctx, resp.Identity, state.scanAttributes)...)
	if resp.Diagnostics.HasError() {
		return
	}
	scan, err := r.data.client.GetScan(ctx, state.ID.ValueString())
	if errors.Is(err, aether365.ErrNotFound) {
		// Aether365 answers 404 alike for a deleted scan and for another
		// account's (published): a key changed in the provider block is
		// the likelier cause, and the user must hear of it before the plan
		// that starts a new scan is applied.
		resp.Diagnostics.AddWarning("Aether365 Scan No Longer Found",
			fmt.Sprintf("Aether365 answered that scan %s does not exist (404) for this API key, so it is removed "+
				"from state and the plan starts a new scan. Either the scan was deleted in Aether365, or the key "+
				"cannot see it: a key of another account, or, against aether365-sim, a simulator restarted since "+
				"the scan was recorded (it keeps scans in memory). If the key changed by mistake, restore it "+
				"before you apply.", state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading Aether365 Scan "+state.ID.ValueString(), err)
		return
	}
	if requested := state.TenantID.ValueString(); requested != "" && requested != aether365.DefaultTenant && requested != scan.TenantID {
		resp.Diagnostics.AddAttributeError(path.Root("tenant_id"), "Aether365 Scan Belongs to Another Tenant",
			fmt.Sprintf("Scan %s belongs to tenant %q, not %q. If you imported it, import it again as %s/%s.",
				scan.ID, scan.TenantID, requested, scan.TenantID, scan.ID))
		return
	}
	r.applyScan(&state, scan)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

// Update only changes local settings. If waiting is switched on while the
// scan is still running, it waits now, so the settings mean what they say.
func (r *scanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.data.configured(&resp.Diagnostics) {
		return
	}
	var plan, state scanResourceModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	resp.Diagnostics.Append(setScanIdentity(ctx, resp.Identity, state.scanAttributes)...)
	if resp.Diagnostics.HasError() {
		return
	}
	// A finished scan does not change: ModifyPlan already planned its values.
	if aether365.IsTerminalStatus(state.Status.ValueString()) {
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}
	plan.scanAttributes = state.scanAttributes
	if !plan.WaitForCompletion.ValueBool() {
		scan, err := r.data.client.GetScan(ctx, state.ID.ValueString())
		if err != nil {
			addAPIError(&resp.Diagnostics, "Reading Aether365 Scan "+state.ID.ValueString(), err)
			return
		}
		r.applyScan(&plan, scan)
		resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
		return
	}

	updateTimeout, diags := plan.Timeouts.Update(ctx, defaultScanWait)
	resp.Diagnostics.Append(diags...)
	if resp.Diagnostics.HasError() {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, updateTimeout)
	defer cancel()
	final, waitErr := r.waitForScan(ctx, r.data.tenantOr(state.TenantID), state.ID.ValueString())
	if final != nil {
		r.applyScan(&plan, final)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	if waitErr != nil {
		addWaitError(&resp.Diagnostics, waitFailure{scanID: state.ID.ValueString(), lastStatus: plan.Status.ValueString(),
			timeout: updateTimeout, timeoutName: "update", after: afterUpdate, noPollAnswered: final == nil}, waitErr)
		return
	}
	reportOutcome(&resp.Diagnostics, plan.FailOnScanFailure.ValueBool(), final, afterUpdate)
}

// Delete forgets the scan. Aether365 keeps scans as history and offers no way
// to delete one, which is what users auditing their posture expect.
func (r *scanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	var id types.String
	resp.Diagnostics.Append(req.State.GetAttribute(ctx, path.Root("id"), &id)...)
	if r.data != nil && id.ValueString() != "" {
		// A replacement's Create, later in this apply, must not adopt it again.
		r.data.claims.claim(id.ValueString())
	}
	tflog.Info(ctx, "Removing Aether365 scan from state; the scan and its results stay in Aether365 as history",
		map[string]any{"scan_id": id.ValueString()})
}

// ImportState accepts SCAN_ID, recorded under the provider's tenant,
// TENANT/SCAN_ID for a scan of another tenant the key may see, or an
// identity { tenant_id, id }; see importScan.
func (r *scanResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	r.importScan(ctx, req, resp)
}

// waitLogInterval is how often a wait logs that it is still waiting.
const waitLogInterval = 30 * time.Second

// waitForScan follows scan id of tenant until it finishes; every answer
// must be about that scan of that tenant. Its first poll is at once: the
// status the caller holds (from state) may be stale.
func (r *scanResource) waitForScan(ctx context.Context, tenant, id string) (*aether365.Scan, error) {
	return r.waitForScanSeenAt(ctx, tenant, id, time.Time{})
}

// waitForScanSeenAt is waitForScan for a scan seen unfinished at seenAt
// (the client's clock): the polls follow the schedule from then.
//
// Terraform shows only "Still creating..." during the wait, so the wait logs
// the scan ID and status at INFO (TF_LOG_PROVIDER=INFO shows them) at its
// first poll and then every waitLogInterval, besides every status change.
func (r *scanResource) waitForScanSeenAt(ctx context.Context, tenant, id string, seenAt time.Time) (*aether365.Scan, error) {
	started := r.data.client.Now()
	var lastLogged time.Time
	return r.data.client.WaitForScan(ctx, id, aether365.WaitOptions{
		Tenant:      checkedTenant(tenant),
		SeenAt:      seenAt,
		OnPollError: warnPollError(id),
		OnPoll: func(ctx context.Context, scan *aether365.Scan) {
			now := r.data.client.Now()
			if aether365.IsTerminal(scan) || (!lastLogged.IsZero() && now.Sub(lastLogged) < waitLogInterval) {
				return
			}
			lastLogged = now
			tflog.Info(ctx, "Waiting for Aether365 scan", map[string]any{"scan_id": scan.ID,
				"status": string(scan.Status), "waited": now.Sub(started).Round(time.Second).String()})
		},
		OnStatusChange: func(ctx context.Context, previous string, scan *aether365.Scan) {
			fields := map[string]any{"scan_id": scan.ID, "status": string(scan.Status), "previous_status": previous}
			if scan.Score != nil {
				fields["score"] = *scan.Score
			}
			tflog.Info(ctx, "Aether365 scan status changed", fields)
		},
	})
}

// applyScan copies the API's view of the scan into the model. tenant_id
// keeps the tenant as requested (`me` stays `me`): it is configuration, and
// rewriting it to the resolved ID would look like a change to Terraform.
func (r *scanResource) applyScan(m *scanResourceModel, scan *aether365.Scan) {
	requestedTenant := m.TenantID
	m.fill(scan)
	if !requestedTenant.IsNull() && !requestedTenant.IsUnknown() {
		m.TenantID = requestedTenant
	}
}
