package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"
	// Time zones are checked at plan against the IANA database compiled into
	// the provider, so a plan gives the same verdict on every machine.
	_ "time/tzdata"

	"github.com/hashicorp/terraform-plugin-framework-validators/int64validator"
	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/identityschema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/booldefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/int64default"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringdefault"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

var (
	_ resource.ResourceWithConfigure        = (*scheduledScanResource)(nil)
	_ resource.ResourceWithImportState      = (*scheduledScanResource)(nil)
	_ resource.ResourceWithIdentity         = (*scheduledScanResource)(nil)
	_ resource.ResourceWithConfigValidators = (*scheduledScanResource)(nil)
)

// NewScheduledScanResource returns the aether365_scheduled_scan resource.
func NewScheduledScanResource() resource.Resource {
	return &scheduledScanResource{}
}

// scheduledScanResource manages one custom scheduled scan: Aether365 then
// starts the scans itself, which replaces a cron job that triggers and polls.
// The automatic plan schedule (id "plan") is never managed.
type scheduledScanResource struct {
	resourceBase
}

type scheduledScanModel struct {
	ID              types.String `tfsdk:"id"`
	Name            types.String `tfsdk:"name"`
	ScanType        types.String `tfsdk:"scan_type"`
	Frequency       types.String `tfsdk:"frequency"`
	DayOfWeek       types.Int64  `tfsdk:"day_of_week"`
	DayOfMonth      types.Int64  `tfsdk:"day_of_month"`
	Hour            types.Int64  `tfsdk:"hour"`
	Minute          types.Int64  `tfsdk:"minute"`
	Timezone        types.String `tfsdk:"timezone"`
	Enabled         types.Bool   `tfsdk:"enabled"`
	LastTriggeredAt types.String `tfsdk:"last_triggered_at"`
}

type scheduledScanIdentityModel struct {
	ID types.String `tfsdk:"id"`
}

// Frequencies as the API spells them.
const (
	frequencyDaily   = string(api.FrequencyDaily)
	frequencyWeekly  = string(api.FrequencyWeekly)
	frequencyMonthly = string(api.FrequencyMonthly)
)

var frequencies = []string{frequencyDaily, frequencyWeekly, frequencyMonthly}

func (r *scheduledScanResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scheduled_scan"
}

func (r *scheduledScanResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "A custom scheduled scan: Aether365 starts a scan of the given type daily, weekly or " +
			"monthly at the given time, by itself, on every connected Microsoft 365 tenant. Declaring the schedule " +
			"replaces a cron job that triggers scans and polls for them.\n\n" +
			"The automatic plan schedule (`id = \"plan\"`, one per account, its frequency set by the plan) cannot be " +
			"changed or deleted, so it is never managed: read it with the `aether365_scheduled_scans` data source. " +
			"A schedule edited in Aether365 shows as a change at the next plan; one deleted there is created again.\n\n" +
			"The reference documents listing and creating schedules; how one is changed and deleted is not visible " +
			"in it, and the provider assumes `PATCH` and `DELETE` on `/tenants/me/scheduled-scans/{id}` (marked in " +
			"the API document).",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Schedule ID assigned by Aether365, for example `sched_abc123`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"name": schema.StringAttribute{
				MarkdownDescription: "Name shown in Aether365, for example `Weekly exposure scan`.",
				Required:            true,
				Validators:          []validator.String{stringvalidator.LengthBetween(1, 200)},
			},
			"scan_type": schema.StringAttribute{
				MarkdownDescription: descScanType + " " + enumInputNote,
				Required:            true,
				Validators:          scanTypeValidators(),
			},
			"frequency": schema.StringAttribute{
				MarkdownDescription: "`daily`, `weekly` (needs `day_of_week`) or `monthly` (needs `day_of_month`). " + enumInputNote,
				Required:            true,
				Validators:          []validator.String{enumValidator(frequencies...)},
			},
			"day_of_week": schema.Int64Attribute{
				CustomType: wholeNumber,
				MarkdownDescription: "Day of a weekly schedule, as Aether365 numbers them: `0` = Monday ... `6` = Sunday. " +
					"Required with `frequency = \"weekly\"`, not allowed otherwise.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(0, 6)},
			},
			"day_of_month": schema.Int64Attribute{
				CustomType: wholeNumber,
				MarkdownDescription: "Day of a monthly schedule, `1` to `31`. Required with `frequency = \"monthly\"`, " +
					"not allowed otherwise. Past `28`, some months have no such day; Aether365 does not say what it " +
					"does then, so the plan warns.",
				Optional:   true,
				Validators: []validator.Int64{int64validator.Between(1, 31)},
			},
			"hour": schema.Int64Attribute{
				CustomType:          wholeNumber,
				MarkdownDescription: "Hour of the day the scan starts, `0` to `23`, in `timezone`.",
				Required:            true,
				Validators:          []validator.Int64{int64validator.Between(0, 23)},
			},
			"minute": schema.Int64Attribute{
				CustomType:          wholeNumber,
				MarkdownDescription: "Minute of the hour the scan starts, `0` to `59` (default `0`).",
				Optional:            true,
				Computed:            true,
				Default:             int64default.StaticInt64(0),
				Validators:          []validator.Int64{int64validator.Between(0, 59)},
			},
			"timezone": schema.StringAttribute{
				MarkdownDescription: "IANA time zone of `hour` and `minute`, for example `Europe/London` (default `UTC`). " +
					"Checked at plan against the IANA database.",
				Optional:   true,
				Computed:   true,
				Default:    stringdefault.StaticString("UTC"),
				Validators: []validator.String{timezoneValidator{}},
			},
			"enabled": schema.BoolAttribute{
				MarkdownDescription: "Whether Aether365 runs the schedule (default `true`). `false` keeps it without running it.",
				Optional:            true,
				Computed:            true,
				Default:             booldefault.StaticBool(true),
			},
			"last_triggered_at": schema.StringAttribute{
				MarkdownDescription: "When the schedule last started a scan (RFC 3339, UTC); null if it never has. " +
					"Gate on it in a `check` block to be told when scheduled scans stop.",
				Computed: true,
			},
		},
	}
}

func (r *scheduledScanResource) IdentitySchema(_ context.Context, _ resource.IdentitySchemaRequest, resp *resource.IdentitySchemaResponse) {
	resp.IdentitySchema = identityschema.Schema{
		Attributes: map[string]identityschema.Attribute{
			"id": identityschema.StringAttribute{
				Description:       "Schedule ID, for example `sched_abc123`.",
				RequiredForImport: true,
			},
		},
	}
}

// ConfigValidators check the rules that join attributes, at plan and before
// any request: which day goes with which frequency.
func (r *scheduledScanResource) ConfigValidators(context.Context) []resource.ConfigValidator {
	return []resource.ConfigValidator{scheduleDaysValidator{}}
}

// scheduleDaysValidator requires day_of_week with weekly schedules and
// day_of_month with monthly ones, and neither elsewhere.
type scheduleDaysValidator struct{}

func (scheduleDaysValidator) Description(context.Context) string {
	return "day_of_week goes with frequency = \"weekly\", day_of_month with \"monthly\""
}

func (v scheduleDaysValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (scheduleDaysValidator) ValidateResource(ctx context.Context, req resource.ValidateConfigRequest, resp *resource.ValidateConfigResponse) {
	var m scheduledScanModel
	resp.Diagnostics.Append(req.Config.Get(ctx, &m)...)
	if resp.Diagnostics.HasError() || m.Frequency.IsUnknown() || m.Frequency.IsNull() {
		return
	}
	frequency := normalizedEnum(m.Frequency)
	days := []struct {
		name, needs string
		value       types.Int64
	}{{"day_of_week", frequencyWeekly, m.DayOfWeek}, {"day_of_month", frequencyMonthly, m.DayOfMonth}}
	for _, day := range days {
		switch {
		case day.value.IsUnknown():
		case frequency == day.needs && day.value.IsNull():
			resp.Diagnostics.AddAttributeError(path.Root(day.name), "Missing "+day.name,
				fmt.Sprintf("A %s schedule needs %s: %s.", day.needs, day.name, scheduleDayHint(day.name)))
		case frequency != day.needs && !day.value.IsNull():
			resp.Diagnostics.AddAttributeError(path.Root(day.name), "Unexpected "+day.name,
				fmt.Sprintf("%s goes only with frequency = %q, but frequency is %q. Remove %s, or set frequency = %q.",
					day.name, day.needs, m.Frequency.ValueString(), day.name, day.needs))
		}
	}
	if frequency == frequencyMonthly && !m.DayOfMonth.IsNull() && !m.DayOfMonth.IsUnknown() && m.DayOfMonth.ValueInt64() > 28 {
		resp.Diagnostics.AddAttributeWarning(path.Root("day_of_month"), "Not Every Month Has This Day",
			fmt.Sprintf("day_of_month = %d: some months have no such day, and Aether365 does not document whether the "+
				"schedule then runs on the month's last day or not at all. Use 1 to 28 to run every month.", m.DayOfMonth.ValueInt64()))
	}
}

func scheduleDayHint(name string) string {
	if name == "day_of_week" {
		return "0 = Monday ... 6 = Sunday"
	}
	return "1 to 31"
}

// timezoneValidator accepts an IANA time zone name.
type timezoneValidator struct{}

func (timezoneValidator) Description(context.Context) string {
	return "must be an IANA time zone such as UTC or Europe/London"
}

func (v timezoneValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v timezoneValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	name := req.ConfigValue.ValueString()
	// Local is Go's name for the machine's own zone, not an IANA name, and
	// an empty name would mean UTC to Go but nothing to Aether365.
	if _, err := time.LoadLocation(name); err != nil || name == "" || name == "Local" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Time Zone",
			fmt.Sprintf("%s = %q is not a time zone of the IANA database; it %s (region/city, as in the tz database: "+
				"America/New_York, Asia/Tokyo, Etc/GMT+2).", req.Path, name, v.Description(ctx)))
	}
}

func (r *scheduledScanResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := configuredModel[scheduledScanModel](ctx, r.data, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	schedule, err := r.data.client.CreateScheduledScan(ctx, plan.input())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Creating Aether365 Scheduled Scan", err)
		return
	}
	tflog.Info(ctx, "Created Aether365 scheduled scan", map[string]any{"schedule_id": schedule.ID})
	plan.fill(schedule)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setScheduledScanIdentity(ctx, resp.Identity, plan.ID)...)
}

func (r *scheduledScanResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := configuredModel[scheduledScanModel](ctx, r.data, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	// The framework wants the identity even of a resource Read removes.
	resp.Diagnostics.Append(setScheduledScanIdentity(ctx, resp.Identity, state.ID)...)
	schedule, err := r.data.client.GetScheduledScan(ctx, state.ID.ValueString())
	if errors.Is(err, aether365.ErrNotFound) {
		resp.Diagnostics.AddWarning("Aether365 Scheduled Scan Deleted Outside Terraform",
			fmt.Sprintf("Scheduled scan %s is no longer in Aether365 (deleted there, or the API key now belongs to "+
				"another account). It is removed from state; the next apply creates it again.", state.ID.ValueString()))
		resp.State.RemoveResource(ctx)
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading Aether365 Scheduled Scan "+state.ID.ValueString(), err)
		return
	}
	state.fill(schedule)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *scheduledScanResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.data.configured(&resp.Diagnostics) {
		return
	}
	var plan, state scheduledScanModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	schedule, err := r.data.client.UpdateScheduledScan(ctx, state.ID.ValueString(), plan.input())
	if err != nil {
		addAPIError(&resp.Diagnostics, "Updating Aether365 Scheduled Scan "+state.ID.ValueString(), err)
		return
	}
	plan.ID = state.ID
	plan.fill(schedule)
	resp.Diagnostics.Append(resp.State.Set(ctx, &plan)...)
	resp.Diagnostics.Append(setScheduledScanIdentity(ctx, resp.Identity, plan.ID)...)
}

func (r *scheduledScanResource) Delete(ctx context.Context, req resource.DeleteRequest, resp *resource.DeleteResponse) {
	state, ok := configuredModel[scheduledScanModel](ctx, r.data, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	err := r.data.client.DeleteScheduledScan(ctx, state.ID.ValueString())
	if err != nil && !errors.Is(err, aether365.ErrNotFound) {
		addAPIError(&resp.Diagnostics, "Deleting Aether365 Scheduled Scan "+state.ID.ValueString(), err)
	}
}

// ImportState accepts a schedule ID or an identity { id }. The plan schedule
// is refused: it can be neither changed nor deleted, so managing it would
// only fail later.
func (r *scheduledScanResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	id := req.ID
	if id == "" && req.Identity != nil && !req.Identity.Raw.IsNull() {
		var identity scheduledScanIdentityModel
		resp.Diagnostics.Append(req.Identity.Get(ctx, &identity)...)
		id = identity.ID.ValueString()
	}
	if resp.Diagnostics.HasError() {
		return
	}
	if id == aether365.PlanScheduleID {
		resp.Diagnostics.AddError("The Plan Schedule Cannot Be Managed",
			"The automatic plan schedule (id \"plan\") comes with the Aether365 plan: it can be neither changed nor "+
				"deleted, so Terraform cannot manage it. Read it with the aether365_scheduled_scans data source; to scan "+
				"more often, add an aether365_scheduled_scan of your own.")
		return
	}
	if problem := pathSegmentProblem(id); problem != "" {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("Import an aether365_scheduled_scan by its ID, for example terraform import "+
				"aether365_scheduled_scan.weekly sched_abc123; the ID %s.", problem))
		return
	}
	// Checked here so that a wrong ID gets an error that says so, not
	// Terraform's general "non-existent remote object" after Read.
	if !r.data.configured(&resp.Diagnostics) {
		return
	}
	if _, err := r.data.client.GetScheduledScan(ctx, id); errors.Is(err, aether365.ErrNotFound) {
		resp.Diagnostics.AddError("Aether365 Scheduled Scan Not Found",
			fmt.Sprintf("Aether365 has no scheduled scan %q that this API key may see (404). Check the ID: the "+
				"aether365_scheduled_scans data source, or terraform query with the aether365_scheduled_scan list "+
				"resource, lists the account's schedules and their IDs.%s", id, otherKindHint(id, "scan_", "a scan's", "aether365_scan")))
		return
	} else if err != nil {
		addAPIError(&resp.Diagnostics, "Reading Aether365 Scheduled Scan "+id, err)
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), id)...)
	resp.Diagnostics.Append(setScheduledScanIdentity(ctx, resp.Identity, types.StringValue(id))...)
}

// setScheduledScanIdentity records the schedule's identity; identity is nil
// when Terraform does not support identities (before 1.12, OpenTofu).
func setScheduledScanIdentity(ctx context.Context, identity *tfsdk.ResourceIdentity, id types.String) diag.Diagnostics {
	if identity == nil || id.IsNull() || id.IsUnknown() {
		return nil
	}
	return identity.Set(ctx, scheduledScanIdentityModel{ID: id})
}

// input is the body that creates the schedule.
func (m *scheduledScanModel) input() api.ScheduledScanInput {
	return api.ScheduledScanInput{
		Name:       m.Name.ValueString(),
		ScanType:   api.ScanType(normalizedEnum(m.ScanType)),
		Frequency:  api.Frequency(normalizedEnum(m.Frequency)),
		Hour:       int(m.Hour.ValueInt64()),
		Minute:     int(m.Minute.ValueInt64()),
		DayOfWeek:  intPointer(m.DayOfWeek),
		DayOfMonth: intPointer(m.DayOfMonth),
		Timezone:   m.Timezone.ValueString(),
		Enabled:    m.Enabled.ValueBool(),
	}
}

// fill copies the schedule Aether365 holds into the model. An enumeration
// written in another case in configuration keeps that spelling while it
// means the same value, so it shows no change.
func (m *scheduledScanModel) fill(s *aether365.ScheduledScan) {
	m.ID = types.StringValue(s.ID)
	m.Name = types.StringValue(s.Name)
	m.ScanType = keepSpelling(m.ScanType, string(s.ScanType))
	m.Frequency = keepSpelling(m.Frequency, string(s.Frequency))
	m.DayOfWeek = countValue(s.DayOfWeek)
	m.DayOfMonth = countValue(s.DayOfMonth)
	m.Hour = types.Int64Value(int64(s.Hour))
	m.Minute = types.Int64Value(int64(s.Minute))
	m.Timezone = types.StringValue(s.Timezone)
	m.Enabled = types.BoolValue(s.Enabled)
	m.LastTriggeredAt = timeValue(s.LastTriggeredAt)
}

// keepSpelling is the API's value, or the configured one when it names the
// same value in another case.
func keepSpelling(configured types.String, fromAPI string) types.String {
	if !configured.IsNull() && !configured.IsUnknown() && strings.EqualFold(configured.ValueString(), fromAPI) {
		return configured
	}
	return types.StringValue(fromAPI)
}

func intPointer(v types.Int64) *int {
	if v.IsNull() || v.IsUnknown() {
		return nil
	}
	n := int(v.ValueInt64())
	return &n
}
