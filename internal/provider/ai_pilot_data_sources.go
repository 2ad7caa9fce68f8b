package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// Policies and threats are read through an AI Pilot connection (one with
// write consent) and need an entitlement each. Without the connection the
// API answers {"aiPilotConnected": false}; without the entitlement 403
// AUTH_INSUFFICIENT_SCOPE. Both are said plainly, naming what is missing.

// aiPilotFeature names what a data source needs, for its diagnostics.
type aiPilotFeature struct {
	noun        string // "policies"
	entitlement string // "Policy Management"
}

// addAIPilotError explains a failed read, naming the missing entitlement
// when that is the cause.
func addAIPilotError(diags *diag.Diagnostics, f aiPilotFeature, err error) {
	if errors.Is(err, aether365.ErrInsufficientScope) {
		diags.AddError("Aether365 "+f.entitlement+" Not Enabled",
			fmt.Sprintf("Reading %s needs the %s entitlement (Pro and Enterprise plans), and Aether365 answered 403 "+
				"AUTH_INSUFFICIENT_SCOPE: the account behind the API key does not have it, or the key's role may not "+
				"use it. Ask an Aether365 administrator to enable %s, or remove this data source.\n\nOriginal error: %s",
				f.noun, f.entitlement, f.entitlement, err))
		return
	}
	addAPIError(diags, "Reading Aether365 "+f.entitlement, err)
}

// warnNoAIPilot says why the data source is empty.
func warnNoAIPilot(diags *diag.Diagnostics, f aiPilotFeature, connectionID string) {
	which := "The account has no AI Pilot connection"
	if connectionID != "" {
		which = fmt.Sprintf("Connection %s is not an AI Pilot connection", connectionID)
	}
	diags.AddWarning("No AI Pilot Connection",
		fmt.Sprintf("%s: Aether365 reads %s only through a connection whose Microsoft 365 administrator granted AI "+
			"Pilot's write consent. ai_pilot_connected is false and the rest is empty. Grant it in Aether365 "+
			"(AI Pilot > Connect), or gate on ai_pilot_connected.", which, f.noun))
}

func aiPilotConnectionAttribute() schema.StringAttribute {
	return schema.StringAttribute{
		MarkdownDescription: "AI Pilot connection to read (`conn_...`); the account's oldest AI Pilot connection when unset.",
		Optional:            true,
		Validators:          []validator.String{idValidator()},
	}
}

// NewPoliciesDataSource returns the aether365_policies data source.
func NewPoliciesDataSource() datasource.DataSource {
	return &policiesDataSource{}
}

type policiesDataSource struct {
	dataSourceBase
}

type policiesModel struct {
	ID                       types.String `tfsdk:"id"`
	ConnectionID             types.String `tfsdk:"connection_id"`
	AIPilotConnected         types.Bool   `tfsdk:"ai_pilot_connected"`
	MsTenantID               types.String `tfsdk:"ms_tenant_id"`
	Policies                 types.List   `tfsdk:"policies"`
	ConditionalAccessSummary types.Object `tfsdk:"conditional_access_summary"`
	NonCompliantCount        types.Int64  `tfsdk:"non_compliant_count"`
}

var policiesFeature = aiPilotFeature{noun: "policies", entitlement: "Policy Management"}

// conditionalAccessSummaryKey is the summary row's key among the policies.
const conditionalAccessSummaryKey = "conditional_access_summary"

var (
	policyAttrTypes = map[string]attr.Type{
		"key": types.StringType, "title": types.StringType, "current": types.BoolType,
		"secure": types.BoolType, "compliant": types.BoolType,
	}
	conditionalAccessAttrTypes = map[string]attr.Type{"policies": types.Int64Type, "enabled": types.Int64Type}
)

func (d *policiesDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_policies"
}

func (d *policiesDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	boolean := func(desc string) schema.BoolAttribute {
		return schema.BoolAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads the live security-policy posture of a Microsoft 365 tenant through an AI Pilot " +
			"connection: each policy's current value, its secure value and whether it complies. Needs the Policy " +
			"Management entitlement (an error that says so otherwise) and an AI Pilot connection (without one, " +
			"`ai_pilot_connected` is false and a warning says why). Gate on `non_compliant_count` in a `check` block.",
		Attributes: map[string]schema.Attribute{
			"id":                 schema.StringAttribute{MarkdownDescription: "`policies/` and the connection read.", Computed: true},
			"connection_id":      aiPilotConnectionAttribute(),
			"ai_pilot_connected": boolean("Whether an AI Pilot connection was read; false leaves everything else empty."),
			"ms_tenant_id":       schema.StringAttribute{MarkdownDescription: "The Microsoft 365 tenant read.", Computed: true},
			"policies": schema.ListNestedAttribute{
				MarkdownDescription: "Each policy, for example `security_defaults`.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"key":       schema.StringAttribute{MarkdownDescription: "Policy key, for example `security_defaults`.", Computed: true},
					"title":     schema.StringAttribute{MarkdownDescription: "What the policy is.", Computed: true},
					"current":   boolean("The policy's current setting."),
					"secure":    boolean("The setting that is secure."),
					"compliant": boolean("Whether the current setting is the secure one."),
				}},
			},
			"conditional_access_summary": schema.SingleNestedAttribute{
				MarkdownDescription: "Conditional Access at a glance; null when Aether365 sends no summary.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"policies": schema.Int64Attribute{MarkdownDescription: "Conditional Access policies.", Computed: true},
					"enabled":  schema.Int64Attribute{MarkdownDescription: "Of them, those enabled.", Computed: true},
				},
			},
			"non_compliant_count": schema.Int64Attribute{MarkdownDescription: "Policies that are not compliant.", Computed: true},
		},
	}
}

func (d *policiesDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	model, ok := configuredModel[policiesModel](ctx, d.data, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	connectionID := model.ConnectionID.ValueString()
	policies, err := d.data.client.GetPolicies(ctx, connectionID)
	if err != nil {
		addAIPilotError(&resp.Diagnostics, policiesFeature, err)
		return
	}
	model.ID = types.StringValue("policies/" + queryID(connectionID))
	model.AIPilotConnected = types.BoolValue(policies.AiPilotConnected)
	model.MsTenantID = types.StringPointerValue(policies.MsTenantID)
	model.ConditionalAccessSummary = types.ObjectNull(conditionalAccessAttrTypes)
	elements := []attr.Value{}
	nonCompliant := 0
	for _, row := range derefSlice(policies.Policies) {
		if row.Key == conditionalAccessSummaryKey {
			model.ConditionalAccessSummary = types.ObjectValueMust(conditionalAccessAttrTypes, map[string]attr.Value{
				"policies": countValue(row.Policies), "enabled": countValue(row.Enabled),
			})
			continue
		}
		if row.Compliant != nil && !*row.Compliant {
			nonCompliant++
		}
		elements = append(elements, types.ObjectValueMust(policyAttrTypes, map[string]attr.Value{
			"key": types.StringValue(row.Key), "title": types.StringPointerValue(row.Title),
			"current": types.BoolPointerValue(row.Current), "secure": types.BoolPointerValue(row.Secure),
			"compliant": types.BoolPointerValue(row.Compliant),
		}))
	}
	model.Policies = types.ListValueMust(types.ObjectType{AttrTypes: policyAttrTypes}, elements)
	model.NonCompliantCount = types.Int64Value(int64(nonCompliant))
	if !policies.AiPilotConnected {
		warnNoAIPilot(&resp.Diagnostics, policiesFeature, connectionID)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// NewThreatsDataSource returns the aether365_threats data source.
func NewThreatsDataSource() datasource.DataSource {
	return &threatsDataSource{}
}

type threatsDataSource struct {
	dataSourceBase
}

type threatsModel struct {
	ID                 types.String `tfsdk:"id"`
	ConnectionID       types.String `tfsdk:"connection_id"`
	AIPilotConnected   types.Bool   `tfsdk:"ai_pilot_connected"`
	MsTenantID         types.String `tfsdk:"ms_tenant_id"`
	RiskyUsers         types.List   `tfsdk:"risky_users"`
	RiskDetectionCount types.Int64  `tfsdk:"risk_detection_count"`
	SecurityAlertCount types.Int64  `tfsdk:"security_alert_count"`
	Sources            types.Object `tfsdk:"sources"`
}

var threatsFeature = aiPilotFeature{noun: "threat signals", entitlement: "Threat Alerts"}

var (
	riskyUserAttrTypes    = map[string]attr.Type{"id": types.StringType, "user_principal_name": types.StringType, "risk_level": types.StringType}
	threatSourceAttrTypes = map[string]attr.Type{"risky_users": types.StringType, "risk_detections": types.StringType, "security_alerts": types.StringType}
)

func (d *threatsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_threats"
}

func (d *threatsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Reads identity-risk signals of a Microsoft 365 tenant through an AI Pilot connection: " +
			"risky users, and how many risk detections and security alerts there are. Needs the Threat Alerts " +
			"entitlement (an error that says so otherwise) and an AI Pilot connection (without one, " +
			"`ai_pilot_connected` is false and a warning says why); detections need Entra ID P2, which `sources` " +
			"shows as `notLicensed` when missing. Alert on `risky_users` in a `check` block.",
		Attributes: map[string]schema.Attribute{
			"id":            computed("`threats/` and the connection read."),
			"connection_id": aiPilotConnectionAttribute(),
			"ai_pilot_connected": schema.BoolAttribute{
				MarkdownDescription: "Whether an AI Pilot connection was read; false leaves everything else empty.",
				Computed:            true,
			},
			"ms_tenant_id": computed("The Microsoft 365 tenant read."),
			"risky_users": schema.ListNestedAttribute{
				MarkdownDescription: "Users Entra ID Protection considers at risk.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":                  computed("The user's object ID."),
					"user_principal_name": computed("The user's sign-in name."),
					"risk_level":          computed("Risk level as Entra ID reports it, for example `high`."),
				}},
			},
			"risk_detection_count": schema.Int64Attribute{MarkdownDescription: "Risk detections reported.", Computed: true},
			"security_alert_count": schema.Int64Attribute{MarkdownDescription: "Security alerts reported.", Computed: true},
			"sources": schema.SingleNestedAttribute{
				MarkdownDescription: "Whether each signal could be read: `ok`, `needsConsent`, `notLicensed` or `error`.",
				Computed:            true,
				Attributes: map[string]schema.Attribute{
					"risky_users":     computed("Status of the risky users."),
					"risk_detections": computed("Status of the risk detections."),
					"security_alerts": computed("Status of the security alerts."),
				},
			},
		},
	}
}

func (d *threatsDataSource) Read(ctx context.Context, req datasource.ReadRequest, resp *datasource.ReadResponse) {
	model, ok := configuredModel[threatsModel](ctx, d.data, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	connectionID := model.ConnectionID.ValueString()
	threats, err := d.data.client.GetThreats(ctx, connectionID)
	if err != nil {
		addAIPilotError(&resp.Diagnostics, threatsFeature, err)
		return
	}
	model.ID = types.StringValue("threats/" + queryID(connectionID))
	model.AIPilotConnected = types.BoolValue(threats.AiPilotConnected)
	model.MsTenantID = types.StringPointerValue(threats.MsTenantID)
	users := []attr.Value{}
	for _, u := range derefSlice(threats.RiskyUsers) {
		users = append(users, types.ObjectValueMust(riskyUserAttrTypes, map[string]attr.Value{
			"id": types.StringValue(u.ID), "user_principal_name": types.StringValue(u.UserPrincipalName),
			"risk_level": types.StringValue(u.RiskLevel),
		}))
	}
	model.RiskyUsers = types.ListValueMust(types.ObjectType{AttrTypes: riskyUserAttrTypes}, users)
	model.RiskDetectionCount = types.Int64Value(int64(len(derefSlice(threats.RiskDetections))))
	model.SecurityAlertCount = types.Int64Value(int64(len(derefSlice(threats.SecurityAlerts))))
	model.Sources = types.ObjectNull(threatSourceAttrTypes)
	if s := threats.Sources; s != nil {
		model.Sources = types.ObjectValueMust(threatSourceAttrTypes, map[string]attr.Value{
			"risky_users": types.StringValue(string(s.RiskyUsers)), "risk_detections": types.StringValue(string(s.RiskDetections)),
			"security_alerts": types.StringValue(string(s.SecurityAlerts)),
		})
		for name, status := range map[string]api.ThreatSourceStatus{
			"risky users": s.RiskyUsers, "risk detections": s.RiskDetections, "security alerts": s.SecurityAlerts,
		} {
			if status != api.ThreatSourceStatusOk {
				resp.Diagnostics.AddWarning("Aether365 Could Not Read All Threat Signals",
					fmt.Sprintf("The %s could not be read (%s): %s", name, status, threatSourceAdvice(status)))
			}
		}
	}
	if !threats.AiPilotConnected {
		warnNoAIPilot(&resp.Diagnostics, threatsFeature, connectionID)
	}
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

func threatSourceAdvice(status api.ThreatSourceStatus) string {
	switch status {
	case api.ThreatSourceStatusNeedsConsent:
		return "the connection lacks the Microsoft Graph consent for it; re-consent the AI Pilot connection."
	case api.ThreatSourceStatusNotLicensed:
		return "the Microsoft 365 tenant lacks the license for it (risk detections need Entra ID P2)."
	}
	return "Microsoft Graph answered with an error; try again later."
}

// derefSlice is the slice a pointer holds, nil for none.
func derefSlice[T any](s *[]T) []T {
	if s == nil {
		return nil
	}
	return *s
}
