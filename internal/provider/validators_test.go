package provider

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestPathSegmentProblem(t *testing.T) {
	for _, ok := range []string{"me", "demo", "contoso.onmicrosoft.com", "scn_0123456789abcdef01234567", "a-b~c", "..."} {
		if problem := pathSegmentProblem(ok); problem != "" {
			t.Errorf("%q rejected: %s", ok, problem)
		}
	}
	for _, bad := range []string{"", ".", "..", "a/b", "%2e%2e", "x?y", "x#y", "a b", "tenant\n", string(make([]byte, maxIDLength+1))} {
		if pathSegmentProblem(bad) == "" {
			t.Errorf("%q accepted", bad)
		}
	}
}

// scan_type outside the documented set is a warning on the attribute, never
// an error: the API may know more types than its documentation.
func TestScanTypeOutsideTheKnownSetWarns(t *testing.T) {
	var resp resource.SchemaResponse
	NewScanResource().Schema(context.Background(), resource.SchemaRequest{}, &resp)
	scanType, ok := resp.Schema.Attributes["scan_type"].(schema.StringAttribute)
	if !ok {
		t.Fatal("scan_type is not a string attribute")
	}
	validate := func(value string) *validator.StringResponse {
		out := &validator.StringResponse{}
		for _, v := range scanType.Validators {
			v.ValidateString(context.Background(), validator.StringRequest{
				Path: path.Root("scan_type"), ConfigValue: types.StringValue(value)}, out)
		}
		return out
	}
	if d := validate("compliance").Diagnostics; len(d) != 0 {
		t.Errorf("compliance: %v", d)
	}
	d := validate("posture").Diagnostics
	if d.HasError() || d.WarningsCount() != 1 {
		t.Fatalf("posture: want one warning and no error, got %v", d)
	}
	if detail := d.Warnings()[0].Detail(); !slices.ContainsFunc(knownScanTypes, func(k string) bool { return strings.Contains(detail, k) }) {
		t.Errorf("the warning does not name the known set: %s", detail)
	}
}
