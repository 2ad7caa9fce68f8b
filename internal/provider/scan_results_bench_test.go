package provider

import (
	"context"
	"fmt"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

var benchResultCounts = []int{10_000, 50_000}

// benchSimulator serves one completed scan of n results (read with
// result = "All", so all n land in state).
func benchSimulator(b *testing.B, n int) (url, scanID string, client *aether365.Client) {
	b.Helper()
	sim, err := simulator.New(simulator.Config{
		APIKeys: map[string]string{testAPIKey: testTenant}, ResultsPerScan: n, Seed: 365,
	})
	if err != nil {
		b.Fatal(err)
	}
	server := httptest.NewServer(sim)
	b.Cleanup(server.Close)
	client, err = aether365.New(aether365.Config{BaseURL: server.URL, APIKey: testAPIKey})
	if err != nil {
		b.Fatal(err)
	}
	scan, err := client.StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		b.Fatal(err)
	}
	return server.URL, scan.ID, client
}

func scanResultsSchemaType(b testing.TB) tftypes.Object {
	b.Helper()
	var resp datasource.SchemaResponse
	NewScanResultsDataSource().Schema(context.Background(), datasource.SchemaRequest{}, &resp)
	typ, ok := resp.Schema.Type().TerraformType(context.Background()).(tftypes.Object)
	if !ok {
		b.Fatal("the data source's schema is not an object")
	}
	return typ
}

// objectWith is a configuration of type typ with only the given inputs set.
func objectWith(typ tftypes.Object, inputs map[string]tftypes.Value) tftypes.Value {
	attrs := make(map[string]tftypes.Value, len(typ.AttributeTypes))
	for name, t := range typ.AttributeTypes {
		attrs[name] = tftypes.NewValue(t, nil)
	}
	for name, v := range inputs {
		attrs[name] = v
	}
	return tftypes.NewValue(typ, attrs)
}

// BenchmarkScanResultsConversion measures what follows the last page: the
// results into the plugin protocol's msgpack of the state, as
// NewProtocol6Server does it. The figure to watch is ms per 10,000 results.
func BenchmarkScanResultsConversion(b *testing.B) {
	benchmarkConversion(b, func(typ tftypes.Object, config tftypes.Value, computed scanResultsComputed, results []aether365.Result) error {
		attrs, diags := scanResultsAttributes(context.Background(), config, computed, results)
		if diags.HasError() {
			return fmt.Errorf("%v", diags)
		}
		_, err := encodeScanResultsState(typ, attrs, newResultsMsgPack(results, computed.withControlText))
		return err
	})
}

// BenchmarkScanResultsConversionLibrary is BenchmarkScanResultsConversion
// the library's way: the state as a tftypes.Value (resultValues), encoded by
// tfprotov6.NewDynamicValue. It decides whether the hand-written msgpack
// encoder (state_msgpack.go) still earns its place.
func BenchmarkScanResultsConversionLibrary(b *testing.B) {
	benchmarkConversion(b, func(typ tftypes.Object, config tftypes.Value, computed scanResultsComputed, results []aether365.Result) error {
		state, diags := scanResultsState(context.Background(), config, computed, results)
		if diags.HasError() {
			return fmt.Errorf("%v", diags)
		}
		_, err := tfprotov6.NewDynamicValue(typ, state)
		return err
	})
}

// benchmarkConversion times convert over the results of a scan of each size,
// with and without control text.
func benchmarkConversion(b *testing.B, convert func(tftypes.Object, tftypes.Value, scanResultsComputed, []aether365.Result) error) {
	for _, n := range benchResultCounts {
		for _, withText := range []bool{true, false} {
			b.Run(fmt.Sprintf("results=%d/control_text=%t", n, withText), func(b *testing.B) {
				_, scanID, client := benchSimulator(b, n)
				results, meta, err := client.ListResults(context.Background(), scanID, aether365.ListResultsOptions{})
				if err != nil {
					b.Fatal(err)
				}
				typ := scanResultsSchemaType(b)
				config := objectWith(typ, map[string]tftypes.Value{"scan_id": tftypes.NewValue(tftypes.String, scanID)})
				computed := scanResultsComputed{id: "bench", scanID: scanID, total: meta.Total, withControlText: withText}
				b.ReportAllocs()
				b.ResetTimer()
				for b.Loop() {
					if err := convert(typ, config, computed, results); err != nil {
						b.Fatal(err)
					}
				}
				b.ReportMetric(float64(b.Elapsed().Milliseconds())/float64(b.N)*10_000/float64(n), "ms/10k-results")
			})
		}
	}
}

// BenchmarkScanResultsRead is the whole ReadDataSource call as Terraform
// makes it, framework included, against an in-process simulator without
// latency; network-ms is a bare ListResults of the same results, timed in the
// same iteration, so convert-ms = read - network is what the provider adds.
func BenchmarkScanResultsRead(b *testing.B) {
	for _, n := range benchResultCounts {
		for _, withText := range []bool{true, false} {
			b.Run(fmt.Sprintf("results=%d/control_text=%t", n, withText), func(b *testing.B) {
				benchmarkRead(b, n, withText)
			})
		}
	}
}

func benchmarkRead(b *testing.B, n int, withText bool) {
	url, scanID, client := benchSimulator(b, n)
	server := benchProviderServer(b, url)
	typ := scanResultsSchemaType(b)
	config, err := tfprotov6.NewDynamicValue(typ, objectWith(typ, map[string]tftypes.Value{
		"scan_id":              tftypes.NewValue(tftypes.String, scanID),
		"result":               tftypes.NewValue(tftypes.String, resultFilterAll),
		"include_control_text": tftypes.NewValue(tftypes.Bool, withText),
	}))
	if err != nil {
		b.Fatal(err)
	}
	var network, read float64
	b.ReportAllocs()
	for b.Loop() {
		started := time.Now()
		if _, _, err := client.ListResults(context.Background(), scanID, aether365.ListResultsOptions{}); err != nil {
			b.Fatal(err)
		}
		fetched := time.Now()
		resp, err := server.ReadDataSource(context.Background(), &tfprotov6.ReadDataSourceRequest{
			TypeName: "aether365_scan_results", Config: &config,
		})
		if err != nil || len(resp.Diagnostics) > 0 {
			b.Fatalf("read: %v %v", err, resp.Diagnostics)
		}
		network += fetched.Sub(started).Seconds() * 1000
		read += time.Since(fetched).Seconds() * 1000
	}
	b.ReportMetric(network/float64(b.N), "network-ms")
	b.ReportMetric((read-network)/float64(b.N), "convert-ms")
}

func benchProviderServer(b *testing.B, url string) tfprotov6.ProviderServer {
	b.Helper()
	server, err := NewProtocol6Server("bench")()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	schemaResp, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		b.Fatal(err)
	}
	typ, ok := schemaResp.Provider.ValueType().(tftypes.Object)
	if !ok {
		b.Fatal("the provider's schema is not an object")
	}
	config, err := tfprotov6.NewDynamicValue(typ, objectWith(typ, map[string]tftypes.Value{
		"base_url": tftypes.NewValue(tftypes.String, url),
		"api_key":  tftypes.NewValue(tftypes.String, testAPIKey),
	}))
	if err != nil {
		b.Fatal(err)
	}
	resp, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{Config: &config})
	if err != nil || len(resp.Diagnostics) > 0 {
		b.Fatalf("configure: %v %v", err, resp.Diagnostics)
	}
	return server
}
