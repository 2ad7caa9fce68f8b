package provider

import (
	"bytes"
	"context"
	"fmt"
	"math/big"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// encodeMsgPack must give what terraform-plugin-go decodes back to the same
// value, for every shape the scan results' state takes: long and short
// strings, nulls, numbers, bools, a list beyond 65,535 elements, and maps.
func TestEncodeMsgPackRoundTrips(t *testing.T) {
	ctx := context.Background()
	typ := scanResultsSchemaType(t)
	results := variedResults()
	config := objectWith(typ, map[string]tftypes.Value{"scan_id": tftypes.NewValue(tftypes.String, strings.Repeat("x", 70_000))})
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
	if _, err := encodeMsgPack(tftypes.String, tftypes.NewValue(tftypes.String, tftypes.UnknownValue)); err == nil {
		t.Error("an unknown value was encoded")
	}
	fraction := tftypes.NewValue(tftypes.Number, big.NewFloat(2.5))
	data, err := encodeMsgPack(tftypes.Number, fraction)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := (&tfprotov6.DynamicValue{MsgPack: data}).Unmarshal(tftypes.Number); err != nil || !got.Equal(fraction) {
		t.Errorf("2.5 decoded as %v, %v", got, err)
	}
}

// The protocol server's state, written straight from the results, must be
// byte for byte what encodeMsgPack writes for scanResultsState's value (which
// TestEncodeMsgPackRoundTrips checks against terraform-plugin-go), in a
// buffer allocated once at its exact size.
func TestEncodeScanResultsStateIsTheStateValuesEncoding(t *testing.T) {
	ctx := context.Background()
	typ := scanResultsSchemaType(t)
	results := variedResults()
	config := objectWith(typ, map[string]tftypes.Value{"scan_id": tftypes.NewValue(tftypes.String, "scn_1")})
	for _, n := range []int{0, 1, 15, 16, 70_000} {
		for _, withText := range []bool{true, false} {
			computed := scanResultsComputed{id: "q", scanID: "scn_1", total: 123456789, withControlText: withText}
			state, diags := scanResultsState(ctx, config, computed, results[:n])
			if diags.HasError() {
				t.Fatal(diags)
			}
			want, err := encodeMsgPack(typ, state)
			if err != nil {
				t.Fatal(err)
			}
			attrs, diags := scanResultsAttributes(ctx, config, computed, results[:n])
			if diags.HasError() {
				t.Fatal(diags)
			}
			encoder := newResultsMsgPack(results[:n], withText)
			got, err := encodeScanResultsState(typ, attrs, encoder)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%d results, include_control_text=%t: the direct encoding differs from the state value's", n, withText)
			}
			if sized := encoder.size() + 1<<12; cap(got) != sized {
				t.Errorf("%d results, include_control_text=%t: %d bytes in a buffer of %d, want the %d allocated up front", n, withText, len(got), cap(got), sized)
			}
		}
	}
}

// variedResults are 70,000 results, more than a msgpack array of 65,535
// holds, whose texts are empty, short, long and, once, longer than 65,535
// bytes: every length class of msgpack's strings and arrays.
func variedResults() []aether365.Result {
	long := strings.Repeat("y", 70_000)
	results := make([]aether365.Result, 70_000)
	for i := range results {
		results[i] = aether365.Result{ID: fmt.Sprintf("result_%d", i), TestID: []string{"AE.1068", "CIS.M365.1.1.1", "CIS.M365.7.2.1"}[i%3],
			Title: long[:i%40], Framework: "cis", Severity: []api.Severity{"high", "low"}[i%2], Result: "failed",
			SourceTool: long[:i%300], RemediationSteps: long[:(i*7)%400], HelpURL: ""}
	}
	results[5].RemediationSteps = long
	return results
}
