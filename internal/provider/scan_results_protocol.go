package provider

import (
	"context"
	"fmt"

	"github.com/hashicorp/terraform-plugin-framework/datasource"
	dsschema "github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/path"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
)

// NewProtocol6Server serves the provider over the plugin protocol. Every
// call goes to the plugin framework except ReadDataSource of
// aether365_scan_results: after Read, the framework copies the state value,
// converts it back into framework values, compares it twice and walks it for
// null blocks, which for tens of thousands of results costs several times
// what building the value does. That data source has no blocks, no semantic
// equality and no deferral, so its state is encoded directly.
func NewProtocol6Server(version string) func() (tfprotov6.ProviderServer, error) {
	return func() (tfprotov6.ProviderServer, error) {
		p := &aether365Provider{version: version}
		server, err := providerserver.NewProtocol6WithError(p)()
		if err != nil {
			return nil, err
		}
		framework, ok := server.(frameworkServer)
		if !ok {
			return nil, fmt.Errorf("the plugin framework's server does not serve actions and list resources")
		}
		var resp datasource.SchemaResponse
		NewScanResultsDataSource().Schema(context.Background(), datasource.SchemaRequest{}, &resp)
		return &protocolServer{frameworkServer: framework, provider: p, resultsSchema: resp.Schema}, nil
	}
}

// frameworkServer is what the framework's server offers beyond the core
// RPCs. protocolServer must embed all of it: tf6server finds actions and
// list resources by asserting these interfaces on the server it is given.
type frameworkServer interface {
	tfprotov6.ProviderServer
	tfprotov6.ActionServer
	tfprotov6.ListResourceServer
}

type protocolServer struct {
	frameworkServer
	provider      *aether365Provider
	resultsSchema dsschema.Schema
}

func (s *protocolServer) ReadDataSource(ctx context.Context, req *tfprotov6.ReadDataSourceRequest) (*tfprotov6.ReadDataSourceResponse, error) {
	if req.TypeName != "aether365_scan_results" || req.Config == nil {
		return s.frameworkServer.ReadDataSource(ctx, req)
	}
	typ, ok := s.resultsSchema.Type().TerraformType(ctx).(tftypes.Object)
	if !ok {
		return s.frameworkServer.ReadDataSource(ctx, req)
	}
	config, err := req.Config.Unmarshal(typ)
	if err != nil {
		return s.frameworkServer.ReadDataSource(ctx, req)
	}
	ds := &scanResultsDataSource{}
	ds.data = s.provider.data
	var diags diag.Diagnostics
	found, ok := ds.read(ctx, tfsdk.Config{Raw: config, Schema: s.resultsSchema}, &diags)
	resp := &tfprotov6.ReadDataSourceResponse{}
	if ok {
		var attrs map[string]tftypes.Value
		attrs, diags = scanResultsAttributes(ctx, config, found.computed, found.results)
		if !diags.HasError() {
			state, problem := encodedState(typ, attrs, newResultsMsgPack(found.results, found.computed.withControlText))
			if problem != nil {
				resp.Diagnostics = append(resp.Diagnostics, problem)
				return resp, nil
			}
			resp.State = &state
			found.log(ctx)
		}
	}
	resp.Diagnostics = append(protocolDiagnostics(diags), resp.Diagnostics...)
	return resp, nil
}

// encodedState encodes the state for Terraform, or says why it could not.
func encodedState(typ tftypes.Object, attrs map[string]tftypes.Value, results *resultsMsgPack) (tfprotov6.DynamicValue, *tfprotov6.Diagnostic) {
	data, err := encodeScanResultsState(typ, attrs, results)
	if err != nil {
		return tfprotov6.DynamicValue{}, &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityError,
			Summary: "Encoding Aether365 Scan Results", Detail: "The state could not be encoded for Terraform: " + err.Error()}
	}
	return tfprotov6.DynamicValue{MsgPack: data}, nil
}

// protocolDiagnostics converts the data source's diagnostics as the
// framework would, with attribute paths of root attributes.
func protocolDiagnostics(diags diag.Diagnostics) []*tfprotov6.Diagnostic {
	out := make([]*tfprotov6.Diagnostic, 0, len(diags))
	for _, d := range diags {
		pd := &tfprotov6.Diagnostic{Severity: tfprotov6.DiagnosticSeverityWarning, Summary: d.Summary(), Detail: d.Detail()}
		if d.Severity() == diag.SeverityError {
			pd.Severity = tfprotov6.DiagnosticSeverityError
		}
		if withPath, ok := d.(diag.DiagnosticWithPath); ok {
			pd.Attribute = attributePath(withPath.Path())
		}
		out = append(out, pd)
	}
	return out
}

func attributePath(p path.Path) *tftypes.AttributePath {
	ap := tftypes.NewAttributePath()
	for _, step := range p.Steps() {
		name, ok := step.(path.PathStepAttributeName)
		if !ok {
			return ap
		}
		ap = ap.WithAttributeName(string(name))
	}
	return ap
}
