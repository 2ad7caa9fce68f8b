package provider

import (
	"context"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
)

// TestSchemasAreDocumented requires a description on every attribute and
// block of the provider, its resources, data sources, actions and list
// resources, and on every function and parameter: the registry docs are
// generated from them. It reads the schemas as Terraform receives them.
func TestSchemasAreDocumented(t *testing.T) {
	server, err := NewProtocol6Server("test")()
	if err != nil {
		t.Fatal(err)
	}
	resp, err := server.GetProviderSchema(context.Background(), &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range resp.Diagnostics {
		t.Errorf("schema diagnostic: %s: %s", d.Summary, d.Detail)
	}

	schemas := map[string]*tfprotov6.Schema{"provider": resp.Provider}
	for kind, named := range map[string]map[string]*tfprotov6.Schema{
		"resource": resp.ResourceSchemas, "data": resp.DataSourceSchemas, "list": resp.ListResourceSchemas,
	} {
		if len(named) == 0 {
			t.Errorf("the provider offers no %s schemas", kind)
		}
		for name, s := range named {
			schemas[kind+"."+name] = s
		}
	}
	if len(resp.ActionSchemas) == 0 {
		t.Error("the provider offers no actions")
	}
	for name, s := range resp.ActionSchemas {
		schemas["action."+name] = s.Schema
	}
	for where, s := range schemas {
		requireBlockDescribed(t, where, s.Block)
	}

	if len(resp.Functions) == 0 {
		t.Error("the provider offers no functions")
	}
	for name, f := range resp.Functions {
		if f.Summary == "" || f.Description == "" {
			t.Errorf("function %s lacks a summary or description", name)
		}
		for _, param := range f.Parameters {
			if param.Description == "" {
				t.Errorf("function %s parameter %s lacks a description", name, param.Name)
			}
		}
	}
}

func requireBlockDescribed(t *testing.T, where string, b *tfprotov6.SchemaBlock) {
	t.Helper()
	if b.Description == "" {
		t.Errorf("%s has no description", where)
	}
	requireAttributesDescribed(t, where, b.Attributes)
	for _, nested := range b.BlockTypes {
		requireBlockDescribed(t, where+"."+nested.TypeName, nested.Block)
	}
}

func requireAttributesDescribed(t *testing.T, where string, attrs []*tfprotov6.SchemaAttribute) {
	t.Helper()
	for _, a := range attrs {
		if a.Description == "" {
			t.Errorf("%s.%s has no description", where, a.Name)
		}
		if a.NestedType != nil {
			requireAttributesDescribed(t, where+"."+a.Name, a.NestedType.Attributes)
		}
	}
}
