package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/function"
	fwprovider "github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	rschema "github.com/hashicorp/terraform-plugin-framework/resource/schema"
)

// describedAttribute is what every schema attribute and block offers.
type described interface {
	GetMarkdownDescription() string
}

// TestSchemasAreDocumented requires a MarkdownDescription on every attribute
// and block of the provider, its resources, data sources and function: the
// registry docs are generated from them.
func TestSchemasAreDocumented(t *testing.T) {
	ctx := context.Background()
	p := New("test")()

	var providerSchema fwprovider.SchemaResponse
	p.Schema(ctx, fwprovider.SchemaRequest{}, &providerSchema)
	requireDescription(t, "provider", providerSchema.Schema)
	for name, a := range providerSchema.Schema.Attributes {
		requireDescription(t, "provider."+name, a)
	}

	for _, newResource := range p.Resources(ctx) {
		r := newResource()
		var meta resource.MetadataResponse
		r.Metadata(ctx, resource.MetadataRequest{ProviderTypeName: "aether365"}, &meta)
		var resp resource.SchemaResponse
		r.Schema(ctx, resource.SchemaRequest{}, &resp)
		requireDescription(t, meta.TypeName, resp.Schema)
		walkResourceSchema(t, meta.TypeName, resp.Schema.Attributes, resp.Schema.Blocks)
	}

	for _, newDataSource := range p.DataSources(ctx) {
		d := newDataSource()
		var meta datasource.MetadataResponse
		d.Metadata(ctx, datasource.MetadataRequest{ProviderTypeName: "aether365"}, &meta)
		var resp datasource.SchemaResponse
		d.Schema(ctx, datasource.SchemaRequest{}, &resp)
		requireDescription(t, "data."+meta.TypeName, resp.Schema)
		walkDataSourceSchema(t, "data."+meta.TypeName, resp.Schema.Attributes)
	}

	withFunctions, ok := p.(fwprovider.ProviderWithFunctions)
	if !ok {
		t.Fatal("provider does not offer functions")
	}
	for _, newFunction := range withFunctions.Functions(ctx) {
		f := newFunction()
		var meta function.MetadataResponse
		f.Metadata(ctx, function.MetadataRequest{}, &meta)
		var def function.DefinitionResponse
		f.Definition(ctx, function.DefinitionRequest{}, &def)
		if def.Definition.MarkdownDescription == "" || def.Definition.Summary == "" {
			t.Errorf("function %s lacks a summary or MarkdownDescription", meta.Name)
		}
		for _, param := range def.Definition.Parameters {
			if param.GetMarkdownDescription() == "" {
				t.Errorf("function %s parameter %s lacks a MarkdownDescription", meta.Name, param.GetName())
			}
		}
	}
}

func requireDescription(t *testing.T, where string, d described) {
	t.Helper()
	if d.GetMarkdownDescription() == "" {
		t.Errorf("%s has no MarkdownDescription", where)
	}
}

func walkResourceSchema(t *testing.T, prefix string, attrs map[string]rschema.Attribute, blocks map[string]rschema.Block) {
	t.Helper()
	for name, a := range attrs {
		requireDescription(t, prefix+"."+name, a)
		if nested, ok := a.(rschema.SingleNestedAttribute); ok {
			walkResourceSchema(t, prefix+"."+name, nested.Attributes, nil)
		}
	}
	for name, b := range blocks {
		requireDescription(t, prefix+"."+name, b)
		if nested, ok := b.(rschema.SingleNestedBlock); ok {
			walkResourceSchema(t, prefix+"."+name, nested.Attributes, nested.Blocks)
		}
	}
}

func walkDataSourceSchema(t *testing.T, prefix string, attrs map[string]dschema.Attribute) {
	t.Helper()
	for name, a := range attrs {
		requireDescription(t, prefix+"."+name, a)
		switch nested := a.(type) {
		case dschema.SingleNestedAttribute:
			walkDataSourceSchema(t, prefix+"."+name, nested.Attributes)
		case dschema.ListNestedAttribute:
			walkDataSourceSchema(t, prefix+"."+name, nested.NestedObject.Attributes)
		}
	}
}
