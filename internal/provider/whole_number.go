package provider

import (
	"context"
	"fmt"
	"math/big"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/types/basetypes"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// wholeNumber is the CustomType of every integer argument. Terraform has one
// number type, so `limit = 1.5` reaches the provider; the framework's Int64
// type then fails to read the configuration with "This is always an error in
// the provider" and "%!s(*big.Float=1.5)". This type reads a fraction as an
// unknown value instead, which every validator and ValidateConfig passes
// over, and its Validate says what to fix. Values are plain types.Int64, so
// models are unchanged.
var wholeNumber = wholeNumberType{}

type wholeNumberType struct {
	basetypes.Int64Type
}

var _ basetypes.Int64Typable = wholeNumberType{}

// Equal also accepts Int64Type, the type of the types.Int64 values the
// models hold, so that state built from them matches the schema.
func (t wholeNumberType) Equal(o attr.Type) bool {
	switch o.(type) {
	case wholeNumberType, basetypes.Int64Type:
		return true
	}
	return false
}

func (t wholeNumberType) String() string { return "wholeNumberType" }

// ValueFromTerraform is Int64Type's, except that a number that is not a
// 64-bit integer is unknown: Validate has reported it.
func (t wholeNumberType) ValueFromTerraform(ctx context.Context, in tftypes.Value) (attr.Value, error) {
	if _, ok := wholeNumberProblem(in); ok {
		return basetypes.NewInt64Unknown(), nil
	}
	return t.Int64Type.ValueFromTerraform(ctx, in)
}

// Validate reports a number that is not a 64-bit integer, naming the
// attribute and the value as written.
func (t wholeNumberType) Validate(ctx context.Context, in tftypes.Value, at path.Path) diag.Diagnostics {
	var diags diag.Diagnostics
	if problem, ok := wholeNumberProblem(in); ok {
		name := at.String()
		if last, _ := at.Steps().LastStep(); last != nil {
			if step, isName := last.(path.PathStepAttributeName); isName {
				name = string(step)
			}
		}
		diags.AddAttributeError(at, "Invalid Whole Number", fmt.Sprintf("%s must be a whole number, not %s: %s.", name,
			problem.value, problem.fix))
		return diags
	}
	return t.Int64Type.Validate(ctx, in, at)
}

type wholeNumberIssue struct{ value, fix string }

// wholeNumberProblem says what is wrong with a known number that is not a
// 64-bit integer.
func wholeNumberProblem(in tftypes.Value) (wholeNumberIssue, bool) {
	if !in.IsKnown() || in.IsNull() || !in.Type().Equal(tftypes.Number) {
		return wholeNumberIssue{}, false
	}
	var value *big.Float
	if err := in.As(&value); err != nil || value == nil {
		return wholeNumberIssue{}, false
	}
	written := value.Text('g', -1)
	if !value.IsInt() {
		// Int truncates towards zero: the whole numbers on either side.
		below, _ := value.Int(nil)
		if value.Sign() < 0 {
			below.Sub(below, big.NewInt(1))
		}
		above := new(big.Int).Add(below, big.NewInt(1))
		return wholeNumberIssue{written, fmt.Sprintf("write %s or %s", below, above)}, true
	}
	if _, accuracy := value.Int64(); accuracy != big.Exact {
		return wholeNumberIssue{written, "it is out of range"}, true
	}
	return wholeNumberIssue{}, false
}
