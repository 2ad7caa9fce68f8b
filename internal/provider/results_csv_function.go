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

// csvRow lays out one result in the columns' order; a null or missing
// attribute is an empty cell.
func csvRow(result types.Object) []string {
	attrs := result.Attributes()
	cells := make([]string, len(resultColumns))
	for i, c := range resultColumns {
		if s, ok := attrs[c.name].(types.String); ok {
			cells[i] = neutralizeFormula(s.ValueString())
		}
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
			strings.Join(resultColumnNames, ",") + "` and one row per result, in the order given. Pass it the " +
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
	var rows []types.Object
	resp.Error = function.ConcatFuncErrors(resp.Error, req.Arguments.Get(ctx, &rows))
	if resp.Error != nil {
		return
	}
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write(resultColumnNames)
	for _, row := range rows {
		_ = w.Write(csvRow(row))
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
