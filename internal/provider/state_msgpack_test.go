package provider

import (
	"context"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// encodeMsgPack must give what terraform-plugin-go decodes back to the same
// value, for every shape the scan results' state takes: long and short
// strings, nulls, numbers, bools, a list beyond 65,535 elements, and maps.
func TestEncodeMsgPackRoundTrips(t *testing.T) {
	ctx := context.Background()
	typ := scanResultsSchemaType(t)
	long := strings.Repeat("x", 70_000)
	results := make([]aether365.Result, 70_000)
	for i := range results {
		results[i] = aether365.Result{ID: "res_" + string(rune('a'+i%26)), ControlID: []string{"AAD-001", "EXO-002"}[i%2],
			Title: "t", Category: "Identity", Severity: "High", Result: "Failed", Description: long[:i%300], Remediation: "=fix", ReferenceURL: ""}
	}
	config := objectWith(typ, map[string]tftypes.Value{"scan_id": tftypes.NewValue(tftypes.String, long)})
	for _, withText := range []bool{true, false} {
		state, diags := scanResultsState(ctx, config, scanResultsComputed{id: "q", scanID: "s", total: 123456789, withControlText: withText}, results)
		if diags.HasError() {
			t.Fatal(diags)
		}
		data, err := encodeMsgPack(typ, state)
		if err != nil {
			t.Fatalf("encodeMsgPack: %v", err)
		}
		decoded, err := (&tfprotov6.DynamicValue{MsgPack: data}).Unmarshal(typ)
		if err != nil {
			t.Fatalf("decoding: %v", err)
		}
		if !decoded.Equal(state) {
			t.Errorf("include_control_text=%t: decoded value differs from the encoded one", withText)
		}
	}
	fraction := tftypes.NewValue(tftypes.Number, big.NewFloat(2.5))
	data, err := encodeMsgPack(tftypes.Number, fraction)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := (&tfprotov6.DynamicValue{MsgPack: data}).Unmarshal(tftypes.Number); err != nil || !got.Equal(fraction) {
		t.Errorf("2.5 decoded as %v, %v", got, err)
	}
	if _, err := encodeMsgPack(tftypes.String, tftypes.NewValue(tftypes.String, tftypes.UnknownValue)); err == nil {
		t.Error("an unknown value was encoded; it must fall back to terraform-plugin-go")
	}
}
