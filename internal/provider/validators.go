package provider

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// maxIDLength bounds scan and tenant IDs, well above any the API hands out.
const maxIDLength = 128

// pathSegmentPattern is what a scan or tenant ID may contain: the unreserved
// URL characters, so the ID goes into the request path exactly as written and
// cannot name another path ("/", "%2F", "?", "#").
var pathSegmentPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// idValidator accepts a scan or tenant ID that is one plain URL path segment.
// Every attribute that names a scan or a tenant uses it, the provider's
// tenant_id included.
func idValidator() validator.String { return pathSegmentValidator{} }

type pathSegmentValidator struct{}

func (pathSegmentValidator) Description(context.Context) string {
	return fmt.Sprintf("must be 1-%d letters, digits, '.', '-', '_' or '~', and not \".\" or \"..\"", maxIDLength)
}

func (v pathSegmentValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v pathSegmentValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if problem := pathSegmentProblem(req.ConfigValue.ValueString()); problem != "" {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Aether365 ID",
			fmt.Sprintf("%s %s; it %s. Use the ID exactly as Aether365 shows it, for example %q for a tenant "+
				"or %q for a scan.", req.Path, problem, v.Description(ctx), "me", "scan_abc123"))
	}
}

// pathSegmentProblem says what is wrong with id as a path segment, or "".
func pathSegmentProblem(id string) string {
	switch {
	case id == "":
		return "is empty"
	case id == "." || id == "..":
		return fmt.Sprintf("is %q, which names a directory rather than an object", id)
	case len(id) > maxIDLength:
		return fmt.Sprintf("is %d characters long", len(id))
	case !pathSegmentPattern.MatchString(id):
		return fmt.Sprintf("is %q, which contains characters that change the request's path or query", id)
	}
	return ""
}

// scanTypeValidators check every scan_type that starts or filters scans:
// one of the two the API reference names, in any case.
func scanTypeValidators() []validator.String {
	return []validator.String{enumValidator(aether365.ScanTypes...)}
}

// enumInputNote tells the reader of a schema how enumValidator treats case.
const enumInputNote = "Matched whatever its case (`Failed` works as well as `failed`) and sent in lower case, as the API reference spells it."

// enumValidator accepts one of the API's values of an enumeration, whatever
// its case: the API reference spells them in lower case, while its own
// REST API Automation guide sends "Failed" and "Critical". normalizedEnum is
// what is then sent.
func enumValidator(values ...string) validator.String { return enumValueValidator{values: values} }

type enumValueValidator struct{ values []string }

func (v enumValueValidator) Description(context.Context) string {
	return "must be one of " + quotedList(v.values) + " (any case)"
}

func (v enumValueValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v enumValueValidator) ValidateString(ctx context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	got := req.ConfigValue.ValueString()
	if slices.Contains(v.values, strings.ToLower(got)) {
		return
	}
	detail := fmt.Sprintf("%s is %q; it %s.", req.Path, got, v.Description(ctx))
	if suggestion := closestValue(got, v.values); suggestion != "" {
		detail += fmt.Sprintf(" Did you mean %q?", suggestion)
	}
	resp.Diagnostics.AddAttributeError(req.Path, "Invalid Value", detail)
}

// closestValue is the value got most likely meant: one that starts with it
// or that it starts with, or one at most two edits away; "" when none is.
func closestValue(got string, values []string) string {
	got = strings.ToLower(strings.TrimSpace(got))
	if got == "" {
		return ""
	}
	best, bestDistance := "", 3
	for _, value := range values {
		if strings.HasPrefix(value, got) || strings.HasPrefix(got, value) {
			return value
		}
		if d := editDistance(got, value); d < bestDistance {
			best, bestDistance = value, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance of two short strings.
func editDistance(a, b string) int {
	previous := make([]int, len(b)+1)
	for j := range previous {
		previous[j] = j
	}
	for i := 1; i <= len(a); i++ {
		current := make([]int, len(b)+1)
		current[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			current[j] = min(previous[j]+1, current[j-1]+1, previous[j-1]+cost)
		}
		previous = current
	}
	return previous[len(b)]
}

func quotedList(values []string) string {
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = strconv.Quote(v)
	}
	return strings.Join(quoted, ", ")
}

// normalizedEnum is an enumeration value as the API spells it: lower case.
// Configuration and state keep the value as written.
func normalizedEnum(v types.String) string { return strings.ToLower(v.ValueString()) }

// positiveDurationValidator rejects, at plan, a duration that does not parse
// or is zero or negative: it would start a scan and give up on it at once.
type positiveDurationValidator struct{}

func (positiveDurationValidator) Description(context.Context) string {
	return `must be a positive duration such as "45m"`
}

func (v positiveDurationValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (positiveDurationValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if _, err := parsePositiveDuration(req.ConfigValue.ValueString()); err != nil {
		resp.Diagnostics.AddAttributeError(req.Path, "Invalid Timeout",
			fmt.Sprintf("%s = %s: it bounds how long Terraform waits for the scan.", req.Path, err))
	}
}

// float64Between and float64AtLeast are float64validator's Between and
// AtLeast with numbers written as a user writes them: the library's
// messages print "0.000000" and "100.000000".
func float64Between(lowest, highest float64) validator.Float64 {
	return float64RangeValidator{lowest: lowest, highest: highest}
}

func float64AtLeast(lowest float64) validator.Float64 {
	return float64RangeValidator{lowest: lowest, highest: math.Inf(1)}
}

type float64RangeValidator struct{ lowest, highest float64 }

func (v float64RangeValidator) Description(context.Context) string {
	if math.IsInf(v.highest, 1) {
		return "must be at least " + formatNumber(v.lowest)
	}
	return fmt.Sprintf("must be between %s and %s", formatNumber(v.lowest), formatNumber(v.highest))
}

func (v float64RangeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (v float64RangeValidator) ValidateFloat64(ctx context.Context, req validator.Float64Request, resp *validator.Float64Response) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if got := req.ConfigValue.ValueFloat64(); got < v.lowest || got > v.highest {
		resp.Diagnostics.AddAttributeError(req.Path, "Value Out of Range",
			fmt.Sprintf("%s %s, not %s.", req.Path, v.Description(ctx), formatNumber(got)))
	}
}

// formatNumber writes f in the fewest digits that read back as f: 0, 100,
// 72.5.
func formatNumber(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
