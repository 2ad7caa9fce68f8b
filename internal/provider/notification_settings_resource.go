package provider

import (
	"context"
	"fmt"
	"net/url"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/boolplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/planmodifier"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema/stringplanmodifier"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-log/tflog"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

var (
	_ resource.ResourceWithConfigure   = (*notificationSettingsResource)(nil)
	_ resource.ResourceWithImportState = (*notificationSettingsResource)(nil)
)

// notificationSettingsID is the one settings object's ID.
const notificationSettingsID = "notifications"

// NewNotificationSettingsResource returns the aether365_notification_settings resource.
func NewNotificationSettingsResource() resource.Resource {
	return &notificationSettingsResource{}
}

// notificationSettingsResource manages the account's one set of notification
// settings (PATCH /tenants/me/notifications). The Teams webhook URL is a
// secret: it is write-only, so it never reaches state or plan.
type notificationSettingsResource struct {
	resourceBase
}

type notificationSettingsModel struct {
	ID                     types.String `tfsdk:"id"`
	EmailOnComplete        types.Bool   `tfsdk:"email_on_complete"`
	EmailOnFail            types.Bool   `tfsdk:"email_on_fail"`
	TeamsOnComplete        types.Bool   `tfsdk:"teams_on_complete"`
	TeamsOnFail            types.Bool   `tfsdk:"teams_on_fail"`
	TeamsWebhookURL        types.String `tfsdk:"teams_webhook_url_wo"`
	TeamsWebhookURLVersion types.Int64  `tfsdk:"teams_webhook_url_wo_version"`
	TeamsWebhookConfigured types.Bool   `tfsdk:"teams_webhook_configured"`
}

// The settings Delete restores. Aether365 does not document its defaults;
// these are what a new account shows (e-mail on, Teams off): an assumption.
var defaultNotificationSettings = aether365.NotificationSettingsChange{
	EmailOnComplete: boolPointer(true), EmailOnFail: boolPointer(true),
	TeamsOnComplete: boolPointer(false), TeamsOnFail: boolPointer(false),
	ClearTeamsWebhook: true,
}

func boolPointer(b bool) *bool { return &b }

func (r *notificationSettingsResource) Metadata(_ context.Context, req resource.MetadataRequest, resp *resource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_notification_settings"
}

func (r *notificationSettingsResource) Schema(_ context.Context, _ resource.SchemaRequest, resp *resource.SchemaResponse) {
	keep := []planmodifier.Bool{boolplanmodifier.UseStateForUnknown()}
	setting := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{
			MarkdownDescription: desc + " Left as Aether365 has it when unset.",
			Optional:            true, Computed: true, PlanModifiers: keep,
		}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "The account's scan notifications: e-mails and a Microsoft Teams channel, when a scan " +
			"completes or fails. There is one set per account: declare this resource once. Settings left unset " +
			"keep the value Aether365 has.\n\n" +
			"The Teams incoming-webhook URL is a secret (anyone holding it can post to the channel), so it is a " +
			"write-only argument (Terraform 1.11 or later): it is sent to Aether365 but never stored in plan or " +
			"state. Change `teams_webhook_url_wo_version` to send a new URL.\n\n" +
			"Destroying the resource restores the settings of a new account (e-mail on completion and failure, " +
			"Teams off, no webhook) and says so in a warning.",
		Attributes: map[string]schema.Attribute{
			"id": schema.StringAttribute{
				MarkdownDescription: "Always `notifications`.",
				Computed:            true,
				PlanModifiers:       []planmodifier.String{stringplanmodifier.UseStateForUnknown()},
			},
			"email_on_complete": setting("E-mail when a scan completes (with the new failures since the previous scan)."),
			"email_on_fail":     setting("E-mail when a scan fails."),
			"teams_on_complete": setting("Post to the Teams channel when a scan completes."),
			"teams_on_fail":     setting("Post to the Teams channel when a scan fails."),
			"teams_webhook_url_wo": schema.StringAttribute{
				MarkdownDescription: "The Teams channel's incoming-webhook URL (`https://...`). Write-only: sent when the " +
					"resource is created and whenever `teams_webhook_url_wo_version` changes, never stored. Null with a " +
					"new version removes the webhook.",
				Optional:   true,
				Sensitive:  true,
				WriteOnly:  true,
				Validators: []validator.String{httpsURLValidator{}},
			},
			"teams_webhook_url_wo_version": schema.Int64Attribute{
				CustomType: wholeNumber,
				MarkdownDescription: "Change it (for example increment it) to send `teams_webhook_url_wo` again: " +
					"Terraform cannot see a change of a write-only value by itself.",
				Optional: true,
			},
			"teams_webhook_configured": schema.BoolAttribute{
				MarkdownDescription: "Whether Aether365 holds a Teams webhook URL (the URL itself is never read into state).",
				Computed:            true,
			},
		},
	}
}

// httpsURLValidator accepts an absolute https:// URL.
type httpsURLValidator struct{}

func (httpsURLValidator) Description(context.Context) string {
	return "must be an absolute https:// URL"
}

func (v httpsURLValidator) MarkdownDescription(ctx context.Context) string { return v.Description(ctx) }

func (v httpsURLValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	u, err := url.Parse(req.ConfigValue.ValueString())
	if err != nil || u.Scheme != "https" || u.Host == "" {
		// The value is a secret: the message never quotes it.
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Teams Webhook URL",
			fmt.Sprintf("%s %s, such as the incoming-webhook URL Teams shows for the channel (https://....webhook.office.com/...).",
				req.Path, v.Description(ctx)))
	}
}

func (r *notificationSettingsResource) Create(ctx context.Context, req resource.CreateRequest, resp *resource.CreateResponse) {
	plan, ok := configuredModel[notificationSettingsModel](ctx, r.data, req.Plan, &resp.Diagnostics)
	if !ok {
		return
	}
	change := plan.change()
	webhook := r.configuredWebhook(ctx, req.Config, &resp.Diagnostics)
	if resp.Diagnostics.HasError() {
		return
	}
	change.TeamsWebhookURL = webhook
	r.apply(ctx, plan, change, &resp.State, &resp.Diagnostics)
}

func (r *notificationSettingsResource) Read(ctx context.Context, req resource.ReadRequest, resp *resource.ReadResponse) {
	state, ok := configuredModel[notificationSettingsModel](ctx, r.data, req.State, &resp.Diagnostics)
	if !ok {
		return
	}
	settings, err := r.data.client.GetNotificationSettings(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Reading Aether365 Notification Settings", err)
		return
	}
	state.fill(settings)
	resp.Diagnostics.Append(resp.State.Set(ctx, &state)...)
}

func (r *notificationSettingsResource) Update(ctx context.Context, req resource.UpdateRequest, resp *resource.UpdateResponse) {
	if !r.data.configured(&resp.Diagnostics) {
		return
	}
	var plan, state notificationSettingsModel
	resp.Diagnostics.Append(req.Plan.Get(ctx, &plan)...)
	resp.Diagnostics.Append(req.State.Get(ctx, &state)...)
	if resp.Diagnostics.HasError() {
		return
	}
	change := plan.change()
	if !plan.TeamsWebhookURLVersion.Equal(state.TeamsWebhookURLVersion) {
		webhook := r.configuredWebhook(ctx, req.Config, &resp.Diagnostics)
		if resp.Diagnostics.HasError() {
			return
		}
		change.TeamsWebhookURL, change.ClearTeamsWebhook = webhook, webhook == nil
	}
	r.apply(ctx, plan, change, &resp.State, &resp.Diagnostics)
}

func (r *notificationSettingsResource) Delete(ctx context.Context, _ resource.DeleteRequest, resp *resource.DeleteResponse) {
	if !r.data.configured(&resp.Diagnostics) {
		return
	}
	if _, err := r.data.client.UpdateNotificationSettings(ctx, defaultNotificationSettings); err != nil {
		addAPIError(&resp.Diagnostics, "Restoring Aether365 Notification Settings", err)
		return
	}
	resp.Diagnostics.AddWarning("Aether365 Notification Settings Restored to Their Defaults",
		"The notification settings cannot be deleted, only changed: they are now those of a new account (e-mail "+
			"when a scan completes or fails, no Teams posts, no webhook URL).")
}

func (r *notificationSettingsResource) ImportState(ctx context.Context, req resource.ImportStateRequest, resp *resource.ImportStateResponse) {
	if req.ID != notificationSettingsID {
		resp.Diagnostics.AddError("Invalid Import ID",
			fmt.Sprintf("An account has one set of notification settings: import it with the ID %q, for example "+
				"terraform import aether365_notification_settings.this %s.", notificationSettingsID, notificationSettingsID))
		return
	}
	resp.Diagnostics.Append(resp.State.SetAttribute(ctx, path.Root("id"), notificationSettingsID)...)
}

// configuredWebhook is the write-only webhook URL from configuration, nil
// when unset: write-only values are in the configuration only.
func (r *notificationSettingsResource) configuredWebhook(ctx context.Context, config tfsdk.Config, diags *diag.Diagnostics) *string {
	var webhook types.String
	diags.Append(config.GetAttribute(ctx, path.Root("teams_webhook_url_wo"), &webhook)...)
	if webhook.IsNull() || webhook.IsUnknown() {
		return nil
	}
	value := webhook.ValueString()
	return &value
}

// apply sends change and records what Aether365 answered.
func (r *notificationSettingsResource) apply(ctx context.Context, plan notificationSettingsModel, change aether365.NotificationSettingsChange, state *tfsdk.State, diags *diag.Diagnostics) {
	settings, err := r.data.client.UpdateNotificationSettings(ctx, change)
	if err != nil {
		addAPIError(diags, "Updating Aether365 Notification Settings", err)
		return
	}
	tflog.Info(ctx, "Updated Aether365 notification settings", map[string]any{"teams_webhook_sent": change.TeamsWebhookURL != nil})
	plan.fill(settings)
	diags.Append(state.Set(ctx, &plan)...)
}

// change is the PATCH of the settings the plan sets; unknown ones (unset in
// configuration) are left as they are.
func (m *notificationSettingsModel) change() aether365.NotificationSettingsChange {
	known := func(v types.Bool) *bool {
		if v.IsNull() || v.IsUnknown() {
			return nil
		}
		return boolPointer(v.ValueBool())
	}
	return aether365.NotificationSettingsChange{
		EmailOnComplete: known(m.EmailOnComplete), EmailOnFail: known(m.EmailOnFail),
		TeamsOnComplete: known(m.TeamsOnComplete), TeamsOnFail: known(m.TeamsOnFail),
	}
}

func (m *notificationSettingsModel) fill(s *aether365.NotificationSettings) {
	m.ID = types.StringValue(notificationSettingsID)
	m.EmailOnComplete = types.BoolValue(s.EmailOnComplete)
	m.EmailOnFail = types.BoolValue(s.EmailOnFail)
	m.TeamsOnComplete = types.BoolValue(s.TeamsOnComplete)
	m.TeamsOnFail = types.BoolValue(s.TeamsOnFail)
	m.TeamsWebhookConfigured = types.BoolValue(s.TeamsWebhookURL != nil && *s.TeamsWebhookURL != "")
	// Write-only: never in state.
	m.TeamsWebhookURL = types.StringNull()
}
