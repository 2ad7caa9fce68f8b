package provider

import (
	"context"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/action"
	actionschema "github.com/hashicorp/terraform-plugin-framework/action/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/resource"
	"github.com/hashicorp/terraform-plugin-framework/resource/schema"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

func TestPathSegmentProblem(t *testing.T) {
	for _, ok := range []string{"me", "demo", "contoso.onmicrosoft.com", "scan_abc123", "a-b~c", "..."} {
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

// scan_type is one of the two types the API reference names, in any case:
// an unknown one is an error at plan that names them and guesses the one
// meant (it was a warning when the provider knew only "compliance" and the
// simulator invented the rest).
func TestScanTypeIsOneOfThePublishedTypesInAnyCase(t *testing.T) {
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
	for _, accepted := range []string{"compliance", "exposure", "Compliance", "EXPOSURE"} {
		if d := validate(accepted).Diagnostics; len(d) != 0 {
			t.Errorf("%s: %v", accepted, d)
		}
	}
	d := validate("exposur").Diagnostics
	if !d.HasError() || d.ErrorsCount() != 1 {
		t.Fatalf("exposur: want one error, got %v", d)
	}
	detail := d.Errors()[0].Detail()
	for _, want := range []string{`"compliance", "exposure"`, `Did you mean "exposure"?`} {
		if !strings.Contains(detail, want) {
			t.Errorf("the error does not say %s: %s", want, detail)
		}
	}
	if d := validate("posture").Diagnostics; !d.HasError() || strings.Contains(d.Errors()[0].Detail(), "Did you mean") {
		t.Errorf("posture: want an error without a guess, got %v", d)
	}
}

func TestClosestValue(t *testing.T) {
	values := []string{"critical", "high", "medium", "low"}
	for got, want := range map[string]string{
		"Critcal": "critical", "crit": "critical", "HIGHEST": "high", "lo": "low", "urgent": "", "": "",
	} {
		if guess := closestValue(got, values); guess != want {
			t.Errorf("closestValue(%q) = %q, want %q", got, guess, want)
		}
	}
}

// Range errors write numbers as a user writes them: the library's said
// "between 0.000000 and 100.000000".
func TestActionMinScoreRangeErrorWritesPlainNumbers(t *testing.T) {
	var resp action.SchemaResponse
	NewRunScanAction().Schema(context.Background(), action.SchemaRequest{}, &resp)
	minScore, ok := resp.Schema.Attributes["min_score"].(actionschema.Float64Attribute)
	if !ok {
		t.Fatal("min_score is not a float64 attribute")
	}
	validate := func(value float64) diag.Diagnostics {
		out := &validator.Float64Response{}
		for _, v := range minScore.Validators {
			v.ValidateFloat64(context.Background(), validator.Float64Request{
				Path: path.Root("min_score"), ConfigValue: types.Float64Value(value)}, out)
		}
		return out.Diagnostics
	}
	for _, accepted := range []float64{0, 72.5, 100} {
		if d := validate(accepted); d.HasError() {
			t.Errorf("%v: %v", accepted, d)
		}
	}
	d := validate(100.5)
	if !d.HasError() {
		t.Fatal("100.5 is accepted")
	}
	if got, want := d.Errors()[0].Detail(), "min_score must be between 0 and 100, not 100.5."; got != want {
		t.Errorf("the error says %q, want %q", got, want)
	}
}
