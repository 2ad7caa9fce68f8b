package provider

import (
	"context"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// NewScheduledScansDataSource returns the aether365_scheduled_scans data source.
func NewScheduledScansDataSource() datasource.DataSource {
	return &scheduledScansDataSource{}
}

// scheduledScansDataSource lists every schedule of the account, the
// automatic plan schedule included: the one way to read that schedule,
// which Terraform cannot manage.
type scheduledScansDataSource struct {
	dataSourceBase
}

type scheduledScansDataSourceModel struct {
	ID           types.String `tfsdk:"id"`
	Schedules    types.List   `tfsdk:"schedules"`
	PlanSchedule types.Object `tfsdk:"plan_schedule"`
}

// scheduleColumns are the attributes of one schedule in this data source,
// with what they mean; scheduleAttrTypes and scheduleObject follow them.
var scheduleColumns = []struct {
	name, description string
	typ               attr.Type
	value             func(*aether365.ScheduledScan) attr.Value
}{
	{"id", "Schedule ID: `plan` for the automatic plan schedule, else for example `sched_abc123`.", types.StringType,
		func(s *aether365.ScheduledScan) attr.Value { return types.StringValue(s.ID) }},
	{"is_plan_schedule", "Whether this is the automatic plan schedule, which cannot be changed or deleted.", types.BoolType,
		func(s *aether365.ScheduledScan) attr.Value { return types.BoolValue(s.IsPlanSchedule) }},
	{"name", "Name shown in Aether365.", types.StringType,
		func(s *aether365.ScheduledScan) attr.Value { return types.StringValue(s.Name) }},
	{"scan_type", descScanType, types.StringType,
		func(s *aether365.ScheduledScan) attr.Value { return types.StringValue(string(s.ScanType)) }},
	{"frequency", "`daily`, `weekly` or `monthly`.", types.StringType,
		func(s *aether365.ScheduledScan) attr.Value { return types.StringValue(string(s.Frequency)) }},
	{"day_of_week", "Day of a weekly schedule: `0` = Monday ... `6` = Sunday; null otherwise.", types.Int64Type,
		func(s *aether365.ScheduledScan) attr.Value { return countValue(s.DayOfWeek) }},
	{"day_of_month", "Day of a monthly schedule, `1` to `31`; null otherwise.", types.Int64Type,
		func(s *aether365.ScheduledScan) attr.Value { return countValue(s.DayOfMonth) }},
	{"hour", "Hour the scan starts, `0` to `23`, in `timezone`.", types.Int64Type,
		func(s *aether365.ScheduledScan) attr.Value { return types.Int64Value(int64(s.Hour)) }},
	{"minute", "Minute the scan starts, `0` to `59`.", types.Int64Type,
		func(s *aether365.ScheduledScan) attr.Value { return types.Int64Value(int64(s.Minute)) }},
	{"timezone", "IANA time zone of `hour` and `minute`.", types.StringType,
		func(s *aether365.ScheduledScan) attr.Value { return types.StringValue(s.Timezone) }},
	{"enabled", "Whether Aether365 runs the schedule.", types.BoolType,
		func(s *aether365.ScheduledScan) attr.Value { return types.BoolValue(s.Enabled) }},
	{"last_triggered_at", "When the schedule last started a scan (RFC 3339, UTC); null if it never has.", types.StringType,
		func(s *aether365.ScheduledScan) attr.Value { return timeValue(s.LastTriggeredAt) }},
}

var scheduleAttrTypes = func() map[string]attr.Type {
	types := make(map[string]attr.Type, len(scheduleColumns))
	for _, c := range scheduleColumns {
		types[c.name] = c.typ
	}
	return types
}()

func scheduleObject(s *aether365.ScheduledScan) types.Object {
	values := make(map[string]attr.Value, len(scheduleColumns))
	for _, c := range scheduleColumns {
		values[c.name] = c.value(s)
	}
	return types.ObjectValueMust(scheduleAttrTypes, values)
}

func scheduleSchemaAttributes() map[string]schema.Attribute {
	attrs := make(map[string]schema.Attribute, len(scheduleColumns))
	for _, c := range scheduleColumns {
		switch c.typ {
		case types.BoolType:
			attrs[c.name] = schema.BoolAttribute{MarkdownDescription: c.description, Computed: true}
		case types.Int64Type:
			attrs[c.name] = schema.Int64Attribute{MarkdownDescription: c.description, Computed: true}
		default:
			attrs[c.name] = schema.StringAttribute{MarkdownDescription: c.description, Computed: true}
		}
	}
	return attrs
}

func (d *scheduledScansDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_scheduled_scans"
}

func (d *scheduledScansDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the account's scheduled scans: the automatic plan schedule (its frequency set by " +
			"the plan: monthly on Free, weekly on Pro, daily on Enterprise), which Terraform cannot manage, and the " +
			"custom ones. Use it to check in a `check` block that scheduled scans keep running.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{MarkdownDescription: "Always `scheduled-scans`.", Computed: true},
			"schedules": schema.ListNestedAttribute{
				MarkdownDescription: "Every schedule, in the order Aether365 lists them (the plan schedule first).",
				Computed:            true,
				NestedObject:        schema.NestedAttributeObject{Attributes: scheduleSchemaAttributes()},
			},
			"plan_schedule": schema.SingleNestedAttribute{
				MarkdownDescription: "The automatic plan schedule (`id = \"plan\"`); null if the account has none.",
				Computed:            true,
				Attributes:          scheduleSchemaAttributes(),
			},
		},
	}
}

func (d *scheduledScansDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.data.configured(&resp.Diagnostics) {
		return
	}
	schedules, err := d.data.client.ListScheduledScans(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Listing Aether365 Scheduled Scans", err)
		return
	}
	model := scheduledScansDataSourceModel{
		ID:           types.StringValue("scheduled-scans"),
		PlanSchedule: types.ObjectNull(scheduleAttrTypes),
	}
	elements := make([]attr.Value, 0, len(schedules))
	for i := range schedules {
		object := scheduleObject(&schedules[i])
		elements = append(elements, object)
		if schedules[i].ID == aether365.PlanScheduleID || schedules[i].IsPlanSchedule {
			model.PlanSchedule = object
		}
	}
	model.Schedules = types.ListValueMust(types.ObjectType{AttrTypes: scheduleAttrTypes}, elements)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}
