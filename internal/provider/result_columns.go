package provider

import (
	"maps"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/datasource/schema"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-go/tftypes"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// resultColumn is one attribute of a scan result. The table below is the
// only list of them: the schema, the attribute types, the state value and the
// CSV cells are all derived from it, in its order.
type resultColumn struct {
	name        string
	description string
	value       func(*aether365.Result) string
	// controlText marks the long per-control text, the same for every result
	// of one control, that include_control_text = false leaves out of each
	// result and carries once per control in the controls map instead. The
	// title is not among it: it names the result's subject.
	controlText bool
}

var resultColumns = []resultColumn{
	{name: "id", description: "Result ID, unique within the scan, for example `result_001`.",
		value: func(r *aether365.Result) string { return r.ID }},
	{name: "test_id", description: "The check's test ID: `CIS.M365.{section}.{subsection}.{item}` for CIS benchmark checks, `AE.nnnn` for Aether365's own, for example `CIS.M365.1.1.1`.",
		value: func(r *aether365.Result) string { return r.TestID }},
	{name: "title", description: "What the check verifies, for the result's subject.",
		value: func(r *aether365.Result) string { return r.Title }},
	{name: "framework", description: "Framework the check belongs to: `cis`, `eidsca`, `cisa` or `nis2`.",
		value: func(r *aether365.Result) string { return string(r.Framework) }},
	{name: "severity", description: "`critical`, `high`, `medium` or `low`.",
		value: func(r *aether365.Result) string { return string(r.Severity) }},
	{name: "result", description: "`passed`, `failed` or `skipped`.",
		value: func(r *aether365.Result) string { return string(r.Result) }},
	{name: "source_tool", description: "Which Aether365 engine produced the result, for example `compliance`.",
		value: func(r *aether365.Result) string { return r.SourceTool }},
	{name: "remediation_steps", description: "How to fix a failure, as numbered steps on several lines.", controlText: true,
		value: func(r *aether365.Result) string { return r.RemediationSteps }},
	{name: "help_url", description: "Link to the check's documentation (the benchmark or Microsoft's).", controlText: true,
		value: func(r *aether365.Result) string { return r.HelpURL }},
}

// controlTextNote is added to the description of the attributes that
// include_control_text = false leaves null.
const controlTextNote = " Null when `include_control_text` is false: read it from `controls` instead."

var (
	resultColumnNames = columnNames(resultColumns)
	controlColumns    = filterColumns(func(c resultColumn) bool { return c.controlText })

	resultAttrTypes = columnAttrTypes(resultColumns)

	resultObjectType  = tftypes.Object{AttributeTypes: columnTerraformTypes(resultColumns)}
	controlObjectType = tftypes.Object{AttributeTypes: columnTerraformTypes(controlColumns)}
)

func filterColumns(keep func(resultColumn) bool) []resultColumn {
	var out []resultColumn
	for _, c := range resultColumns {
		if keep(c) {
			out = append(out, c)
		}
	}
	return out
}

func columnNames(columns []resultColumn) []string {
	names := make([]string, 0, len(columns))
	for _, c := range columns {
		names = append(names, c.name)
	}
	return names
}

func columnAttrTypes(columns []resultColumn) map[string]attr.Type {
	attrTypes := make(map[string]attr.Type, len(columns))
	for _, c := range columns {
		attrTypes[c.name] = types.StringType
	}
	return attrTypes
}

func columnTerraformTypes(columns []resultColumn) map[string]tftypes.Type {
	attrTypes := make(map[string]tftypes.Type, len(columns))
	for _, c := range columns {
		attrTypes[c.name] = tftypes.String
	}
	return attrTypes
}

// columnAttributes is the schema of columns as computed strings; note, when
// set, is added to the description of the per-control text columns.
func columnAttributes(columns []resultColumn, note string) map[string]schema.Attribute {
	attrs := make(map[string]schema.Attribute, len(columns))
	for _, c := range columns {
		description := c.description
		if c.controlText {
			description += note
		}
		attrs[c.name] = schema.StringAttribute{MarkdownDescription: description, Computed: true}
	}
	return attrs
}

// resultSchemaAttributes is the schema of one element of results.
func resultSchemaAttributes() map[string]schema.Attribute {
	return columnAttributes(resultColumns, controlTextNote)
}

// controlSchemaAttributes is the schema of one element of controls.
func controlSchemaAttributes() map[string]schema.Attribute {
	return columnAttributes(controlColumns, "")
}

// resultValues builds the results list, and the controls map when the
// per-control text is left out of each result, as Terraform values in one
// pass. Strings that repeat across results (everything but the result ID) are
// made into one Terraform value each and shared.
type resultValues struct {
	withControlText bool
	strings         map[string]tftypes.Value
	controls        map[string]tftypes.Value
	nullString      tftypes.Value
}

func newResultValues(withControlText bool) *resultValues {
	return &resultValues{
		withControlText: withControlText,
		strings:         make(map[string]tftypes.Value),
		controls:        make(map[string]tftypes.Value),
		nullString:      tftypes.NewValue(tftypes.String, nil),
	}
}

func (b *resultValues) shared(s string) tftypes.Value {
	if v, ok := b.strings[s]; ok {
		return v
	}
	v := tftypes.NewValue(tftypes.String, s)
	b.strings[s] = v
	return v
}

func (b *resultValues) result(r *aether365.Result) tftypes.Value {
	attrs := make(map[string]tftypes.Value, len(resultColumns))
	for i := range resultColumns {
		c := &resultColumns[i]
		switch {
		case c.controlText && !b.withControlText:
			attrs[c.name] = b.nullString
		case c.name == "id":
			attrs[c.name] = tftypes.NewValue(tftypes.String, r.ID)
		default:
			attrs[c.name] = b.shared(c.value(r))
		}
	}
	if !b.withControlText {
		b.control(r)
	}
	return tftypes.NewValue(resultObjectType, attrs)
}

func (b *resultValues) control(r *aether365.Result) {
	if _, ok := b.controls[r.TestID]; ok {
		return
	}
	attrs := make(map[string]tftypes.Value, len(controlColumns))
	for i := range controlColumns {
		attrs[controlColumns[i].name] = b.shared(controlColumns[i].value(r))
	}
	b.controls[r.TestID] = tftypes.NewValue(controlObjectType, attrs)
}

// list returns the results as a Terraform list.
func (b *resultValues) list(results []aether365.Result) tftypes.Value {
	elements := make([]tftypes.Value, len(results))
	for i := range results {
		elements[i] = b.result(&results[i])
	}
	return tftypes.NewValue(tftypes.List{ElementType: resultObjectType}, elements)
}

// controlMap returns the controls seen so far, or null when every result
// carries its own control text.
func (b *resultValues) controlMap() tftypes.Value {
	typ := tftypes.Map{ElementType: controlObjectType}
	if b.withControlText {
		return tftypes.NewValue(typ, nil)
	}
	return tftypes.NewValue(typ, b.controls)
}

// The protocol server writes results and controls straight into the state's
// msgpack (resultsMsgPack), without a Terraform value per result: the same
// bytes encodeMsgPack writes for resultValues' list and map, attributes in
// name order as msgpack objects are.
var (
	resultColumnsByName  = sortedColumns(resultColumns)
	controlColumnsByName = sortedColumns(controlColumns)
)

func sortedColumns(columns []resultColumn) []resultColumn {
	return slices.SortedFunc(slices.Values(columns), func(a, b resultColumn) int { return strings.Compare(a.name, b.name) })
}

// resultsMsgPack writes the results list and the controls map (null when
// every result carries its control text).
type resultsMsgPack struct {
	results         []aether365.Result
	withControlText bool
	// controls are the results whose control text the map carries, the first
	// of each check, by test ID in order.
	controls []*aether365.Result
}

func newResultsMsgPack(results []aether365.Result, withControlText bool) *resultsMsgPack {
	m := &resultsMsgPack{results: results, withControlText: withControlText}
	if withControlText {
		return m
	}
	first := make(map[string]*aether365.Result)
	for i := range results {
		if _, seen := first[results[i].TestID]; !seen {
			first[results[i].TestID] = &results[i]
		}
	}
	for _, id := range slices.Sorted(maps.Keys(first)) {
		m.controls = append(m.controls, first[id])
	}
	return m
}

// size is the exact number of bytes writeResults and writeControls add, so
// that the state's buffer is allocated once.
func (m *resultsMsgPack) size() int {
	n := headerSize(len(m.results))
	for i := range m.results {
		n += headerSize(len(resultColumns))
		for _, c := range resultColumnsByName {
			n += strSize(len(c.name))
			if c.controlText && !m.withControlText {
				n++
			} else {
				n += strSize(len(c.value(&m.results[i])))
			}
		}
	}
	if m.withControlText {
		return n + 1
	}
	n += headerSize(len(m.controls))
	for _, r := range m.controls {
		n += strSize(len(r.TestID)) + headerSize(len(controlColumns))
		for _, c := range controlColumnsByName {
			n += strSize(len(c.name)) + strSize(len(c.value(r)))
		}
	}
	return n
}

func (m *resultsMsgPack) writeResults(w *msgpackWriter) {
	w.header(len(m.results), 0x90, 0xdc)
	for i := range m.results {
		r := &m.results[i]
		w.header(len(resultColumns), 0x80, 0xde)
		for _, c := range resultColumnsByName {
			w.str(c.name)
			if c.controlText && !m.withControlText {
				w.null()
			} else {
				w.str(c.value(r))
			}
		}
	}
}

func (m *resultsMsgPack) writeControls(w *msgpackWriter) {
	if m.withControlText {
		w.null()
		return
	}
	w.header(len(m.controls), 0x80, 0xde)
	for _, r := range m.controls {
		w.str(r.TestID)
		w.header(len(controlColumns), 0x80, 0xde)
		for _, c := range controlColumnsByName {
			w.str(c.name)
			w.str(c.value(r))
		}
	}
}
