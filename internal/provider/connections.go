package provider

import (
	"context"
	"errors"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// Connections are the Microsoft 365 tenants connected to the account, by
// admin consent in a browser: Terraform can read them and pick the active
// one, never create them.

// NewConnectionsDataSource returns the aether365_connections data source.
func NewConnectionsDataSource() datasource.DataSource {
	return &connectionsDataSource{}
}

type connectionsDataSource struct {
	dataSourceBase
}

type connectionsDataSourceModel struct {
	ID                 types.String `tfsdk:"id"`
	Connections        types.List   `tfsdk:"connections"`
	ActiveConnectionID types.String `tfsdk:"active_connection_id"`
}

var connectionAttrTypes = map[string]attr.Type{
	"id": types.StringType, "ms_tenant_id": types.StringType, "label": types.StringType,
	"connected_at": types.StringType, "is_primary": types.BoolType,
}

func (d *connectionsDataSource) Metadata(_ context.Context, req datasource.MetadataRequest, resp *datasource.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_connections"
}

func (d *connectionsDataSource) Schema(_ context.Context, _ datasource.SchemaRequest, resp *datasource.SchemaResponse) {
	computed := func(desc string) schema.StringAttribute {
		return schema.StringAttribute{MarkdownDescription: desc, Computed: true}
	}
	resp.Schema = schema.Schema{
		MarkdownDescription: "Lists the Microsoft 365 tenants connected to the Aether365 account (an MSP connects " +
			"several: 1 on Free, 3 on Pro, any number on Enterprise). Use a connection's `id` as the `connection_id` " +
			"of `aether365_scan`, `aether365_run_scan` or `aether365_scans` to work on that tenant. Connections are " +
			"made by admin consent in a browser, never by Terraform.",
		Attributes: map[string]schema.Attribute{
			"id": computed("Always `connections`."),
			"connections": schema.ListNestedAttribute{
				MarkdownDescription: "Every connection, as Aether365 lists them.",
				Computed:            true,
				NestedObject: schema.NestedAttributeObject{Attributes: map[string]schema.Attribute{
					"id":           computed("Connection ID, for example `conn_abc123`."),
					"ms_tenant_id": computed("The Microsoft 365 tenant's GUID (its Entra ID tenant ID)."),
					"label":        computed("Name shown in Aether365."),
					"connected_at": computed("When admin consent was given (RFC 3339, UTC)."),
					"is_primary": schema.BoolAttribute{
						MarkdownDescription: "Whether this is the active connection, which requests that name none work on.",
						Computed:            true,
					},
				}},
			},
			"active_connection_id": computed("ID of the active (primary) connection; null if none is marked."),
		},
	}
}

func (d *connectionsDataSource) Read(ctx context.Context, _ datasource.ReadRequest, resp *datasource.ReadResponse) {
	if !d.data.configured(&resp.Diagnostics) {
		return
	}
	connections, err := d.data.client.ListConnections(ctx)
	if err != nil {
		addAPIError(&resp.Diagnostics, "Listing Aether365 Connections", err)
		return
	}
	model := connectionsDataSourceModel{ID: types.StringValue("connections"), ActiveConnectionID: types.StringNull()}
	elements := make([]attr.Value, 0, len(connections))
	for i := range connections {
		c := &connections[i]
		elements = append(elements, types.ObjectValueMust(connectionAttrTypes, map[string]attr.Value{
			"id": types.StringValue(c.ID), "ms_tenant_id": types.StringValue(c.MsTenantID), "label": types.StringValue(c.Label),
			"connected_at": timeValue(&c.ConnectedAt), "is_primary": types.BoolValue(c.IsPrimary),
		}))
		if c.IsPrimary {
			model.ActiveConnectionID = types.StringValue(c.ID)
		}
	}
	if len(connections) == 0 {
		resp.Diagnostics.AddWarning("No Microsoft 365 Tenant Connected",
			"The Aether365 account has no connection yet: scans cannot run until a Microsoft 365 administrator "+
				"grants admin consent (Aether365 > Settings > Connections).")
	}
	model.Connections = types.ListValueMust(types.ObjectType{AttrTypes: connectionAttrTypes}, elements)
	resp.Diagnostics.Append(resp.State.Set(ctx, &model)...)
}

// NewActivateConnectionAction returns the aether365_activate_connection action.
func NewActivateConnectionAction() action.Action {
	return &activateConnectionAction{}
}

// activateConnectionAction makes a connection the active one. It is an
// action, not a resource: activation is a one-way switch with a global side
// effect (the dashboard follows it too), not an object with a lifecycle.
type activateConnectionAction struct {
	actionBase
}

type activateConnectionModel struct {
	ConnectionID types.String `tfsdk:"connection_id"`
}

func (a *activateConnectionAction) Metadata(_ context.Context, req action.MetadataRequest, resp *action.MetadataResponse) {
	resp.TypeName = req.ProviderTypeName + "_activate_connection"
}

func (a *activateConnectionAction) Schema(_ context.Context, _ action.SchemaRequest, resp *action.SchemaResponse) {
	resp.Schema = actionschema.Schema{
		MarkdownDescription: "Makes a connected Microsoft 365 tenant the account's active (primary) connection: " +
			"every request that names no connection, and the Aether365 dashboard, then work on it. Invoke it with " +
			"`terraform apply -invoke=action.aether365_activate_connection.NAME`. Requires Terraform 1.14.1 or later. " +
			"Prefer `connection_id` on each scan where you can: activation changes what everyone using the account sees.",
		Attributes: map[string]actionschema.Attribute{
			"connection_id": actionschema.StringAttribute{
				MarkdownDescription: "Connection to activate, for example `conn_abc123` (see the `aether365_connections` data source).",
				Required:            true,
				Validators:          []validator.String{idValidator()},
			},
		},
	}
}

func (a *activateConnectionAction) Invoke(ctx context.Context, req action.InvokeRequest, resp *action.InvokeResponse) {
	config, ok := configuredModel[activateConnectionModel](ctx, a.data, req.Config, &resp.Diagnostics)
	if !ok {
		return
	}
	id := config.ConnectionID.ValueString()
	connection, err := a.data.client.ActivateConnection(ctx, id)
	if errors.Is(err, aether365.ErrNotFound) {
		resp.Diagnostics.AddAttributeError(path.Root("connection_id"), "Aether365 Connection Not Found",
			fmt.Sprintf("The account has no connection %q (404 CONNECTION_NOT_FOUND). List them with the "+
				"aether365_connections data source.\n\nOriginal error: %s", id, err))
		return
	}
	if err != nil {
		addAPIError(&resp.Diagnostics, "Activating Aether365 Connection "+id, err)
		return
	}
	if resp.SendProgress != nil {
		resp.SendProgress(action.InvokeProgressEvent{Message: fmt.Sprintf(
			"Connection %s (%s, Microsoft 365 tenant %s) is now the active one.", connection.ID, connection.Label, connection.MsTenantID)})
	}
}
