package provider

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/hashicorp/terraform-plugin-framework-validators/stringvalidator"
	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
)

// maxIDLength bounds scan and tenant IDs, well above any the API hands out.
const maxIDLength = 128

// pathSegmentPattern is what a scan or tenant ID may contain: the unreserved
// URL characters, so the ID goes into the request path exactly as written and
// cannot name another path ("/", "%2F", "?", "#").
var pathSegmentPattern = regexp.MustCompile(`^[A-Za-z0-9._~-]+$`)

// knownScanTypes are the scan types the Aether365 documentation names. The
// API may accept others, so a value outside this set is a warning, not an
// error.
var knownScanTypes = []string{"compliance"}

// knownScanTypesMarkdown lists knownScanTypes for a schema description.
func knownScanTypesMarkdown() string {
	quoted := make([]string, len(knownScanTypes))
	for i, t := range knownScanTypes {
		quoted[i] = "`" + t + "`"
	}
	return strings.Join(quoted, ", ")
}

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
				"or %q for a scan.", req.Path, problem, v.Description(ctx), "me", "scn_0123456789abcdef01234567"))
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
// a bounded length, and a warning for a type the documentation does not name.
func scanTypeValidators() []validator.String {
	return []validator.String{stringvalidator.LengthBetween(1, 64), knownScanTypeValidator{}}
}

// scanTypeWarningNote tells the reader of a schema what scanTypeValidators do.
func scanTypeWarningNote() string {
	return "A value other than the documented ones (" + knownScanTypesMarkdown() + ") gets a warning at plan, not an error."
}

// knownScanTypeValidator warns about a scan type the documentation does not
// name: most likely a typo, but the API decides.
type knownScanTypeValidator struct{}

func (knownScanTypeValidator) Description(context.Context) string {
	return "should be one of the documented scan types: " + strings.Join(knownScanTypes, ", ")
}

func (v knownScanTypeValidator) MarkdownDescription(ctx context.Context) string {
	return v.Description(ctx)
}

func (knownScanTypeValidator) ValidateString(_ context.Context, req validator.StringRequest, resp *validator.StringResponse) {
	if req.ConfigValue.IsNull() || req.ConfigValue.IsUnknown() {
		return
	}
	if scanType := req.ConfigValue.ValueString(); !slices.Contains(knownScanTypes, scanType) {
		resp.Diagnostics.AddAttributeWarning(req.Path, "Unknown Aether365 Scan Type",
			fmt.Sprintf("scan_type %q is not one of the scan types Aether365 documents (%s). If it is a typo, fix "+
				"it; if your Aether365 accepts it, ignore this warning: the API decides at apply.",
				scanType, strings.Join(knownScanTypes, ", ")))
	}
}

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
