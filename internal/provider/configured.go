package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/resource"
)

// configuredBy holds what the provider's Configure made. Every resource, data
// source, action and list resource embeds it through the base of its kind,
// whose Configure method is the only place that unpacks the provider's data.
type configuredBy struct {
	data *providerData
}

func (c *configuredBy) takeProviderData(data any, diags *diag.Diagnostics) {
	pd, err := providerDataFrom(data)
	if err != nil {
		addUnexpectedProviderData(diags, err)
		return
	}
	c.data = pd
}

// dataSourceBase is embedded by every data source.
type dataSourceBase struct{ configuredBy }

func (b *dataSourceBase) Configure(_ context.Context, req datasource.ConfigureRequest, resp *datasource.ConfigureResponse) {
	b.takeProviderData(req.ProviderData, &resp.Diagnostics)
}

// resourceBase is embedded by the resource and by the list resource, which
// the framework configures with the resource's request types.
type resourceBase struct{ configuredBy }

func (b *resourceBase) Configure(_ context.Context, req resource.ConfigureRequest, resp *resource.ConfigureResponse) {
	b.takeProviderData(req.ProviderData, &resp.Diagnostics)
}

// actionBase is embedded by every action.
type actionBase struct{ configuredBy }

func (b *actionBase) Configure(_ context.Context, req action.ConfigureRequest, resp *action.ConfigureResponse) {
	b.takeProviderData(req.ProviderData, &resp.Diagnostics)
}

// providerDataFrom unpacks what Configure produced. It is nil while Terraform
// validates configuration before the provider is configured.
func providerDataFrom(data any) (*providerData, error) {
	if data == nil {
		return nil, nil
	}
	pd, ok := data.(*providerData)
	if !ok {
		return nil, fmt.Errorf("expected *providerData, got %T; please report this issue to the provider developers", data)
	}
	return pd, nil
}

// getter is what configuration, plan and state share: they decode into a model.
type getter interface {
	Get(ctx context.Context, target any) diag.Diagnostics
}

// configuredModel is how each operation starts: the provider must have been
// configured, and from (the configuration or the plan) decodes into a model.
// It reports false, with diags saying why, when the operation cannot go on.
func configuredModel[M any](ctx context.Context, pd *providerData, from getter, diags *diag.Diagnostics) (M, bool) {
	var model M
	if !pd.configured(diags) {
		return model, false
	}
	diags.Append(from.Get(ctx, &model)...)
	return model, !diags.HasError()
}
