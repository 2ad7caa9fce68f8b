package provider

import (
	"bytes"
	"context"
	"encoding/csv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/function"
	"github.com/hashicorp/terraform-plugin-framework/types"
)

var _ function.Function = (*resultsCSVFunction)(nil)

// NewResultsCSVFunction returns provider::aether365::results_csv.
func NewResultsCSVFunction() function.Function {
	return &resultsCSVFunction{}
}

// resultsCSVFunction renders scan results as CSV: the seed's PowerShell
// Export-Csv step as an expression, for an output or a local_file.
type resultsCSVFunction struct{}

// resultRow is one element of the function's argument.
type resultRow struct {
	ID           types.String `tfsdk:"id"`
	ControlID    types.String `tfsdk:"control_id"`
	Title        types.String `tfsdk:"title"`
	Category     types.String `tfsdk:"category"`
	Severity     types.String `tfsdk:"severity"`
	Result       types.String `tfsdk:"result"`
	Description  types.String `tfsdk:"description"`
	Remediation  types.String `tfsdk:"remediation"`
	ReferenceURL types.String `tfsdk:"reference_url"`
}

func (r resultRow) cells() []string {
	values := []types.String{r.ID, r.ControlID, r.Title, r.Category, r.Severity, r.Result, r.Description, r.Remediation, r.ReferenceURL}
	cells := make([]string, len(values))
	for i, v := range values {
		cells[i] = neutralizeFormula(v.ValueString())
	}
	return cells
}

func (f *resultsCSVFunction) Metadata(_ context.Context, _ function.MetadataRequest, resp *function.MetadataResponse) {
	resp.Name = "results_csv"
}

func (f *resultsCSVFunction) Definition(_ context.Context, _ function.DefinitionRequest, resp *function.DefinitionResponse) {
	resp.Definition = function.Definition{
		Summary: "Render scan results as CSV",
		MarkdownDescription: "Returns the given scan results as CSV text (RFC 4180): a header row `" +
			strings.Join(resultColumns, ",") + "` and one row per result, in the order given. Pass it the " +
			"`results` of the `aether365_scan_results` data source (or any list of objects with those " +
			"attributes), and write it with `local_file` or show it as an output. A null attribute becomes " +
			"an empty cell. Cells that a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, " +
			"tab or carriage return) are prefixed with `'` so opening the file cannot run code.",
		Parameters: []function.Parameter{
			function.ListParameter{
				Name:                "results",
				MarkdownDescription: "Scan results, typically `data.aether365_scan_results.<name>.results`.",
				ElementType:         types.ObjectType{AttrTypes: resultAttrTypes},
			},
		},
		Return: function.StringReturn{},
	}
}

func (f *resultsCSVFunction) Run(ctx context.Context, req function.RunRequest, resp *function.RunResponse) {
	var rows []resultRow
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &rows))
	if resp.Error != nil {
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(resultColumns)
	for _, row := range rows {
		_ = w.Write(row.cells())
	}
	w.Flush()
	if err := w.Error(); err != nil {
		resp.Error = function.NewFuncError("could not write CSV: " + err.Error())
		return
	}
	resp.Error = function.ConcatFuncErrors(resp.Error, resp.Result.Set(ctx, buf.String()))
}

// neutralizeFormula defuses CSV injection: spreadsheets execute a cell that
// starts with one of these characters.
func neutralizeFormula(cell string) string {
	if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
		return "'" + cell
	}
	return cell
}
