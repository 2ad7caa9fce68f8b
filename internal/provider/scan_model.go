package provider

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/attr"
	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// scanAttributes are the attributes that describe a scan, shared by the
// aether365_scan resource, the aether365_scan data source and each element of
// aether365_scans.
type scanAttributes struct {
	ID            types.String  `tfsdk:"id"`
	TenantID      types.String  `tfsdk:"tenant_id"`
	ScanType      types.String  `tfsdk:"scan_type"`
	Status        types.String  `tfsdk:"status"`
	Score         types.Float64 `tfsdk:"score"`
	CreatedAt     types.String  `tfsdk:"created_at"`
	StartedAt     types.String  `tfsdk:"started_at"`
	CompletedAt   types.String  `tfsdk:"completed_at"`
	FailureReason types.String  `tfsdk:"failure_reason"`
	Summary       types.Object  `tfsdk:"summary"`
}

// Descriptions shared by every schema that shows a scan, so the resource and
// the data sources document the same attribute the same way.
const (
	descScanID     = "Scan ID assigned by Aether365, for example `scn_0123456789abcdef01234567`."
	descTenantID   = "Tenant the scan belongs to."
	descScanType   = "Kind of scan, for example `compliance`. The API decides which kinds exist; `aether365-sim` accepts `compliance`, `identity`, `email`, `collaboration` and `full`."
	descStatus     = "Scan status: `queued`, `running`, `completed` or `failed` (`cancelled` if Aether365 cancelled it)."
	descScore      = "Security-posture score from 0 to 100 (percent of scored controls that passed). Null until the scan has completed, and for a failed scan."
	descCreatedAt  = "When the scan was requested (RFC 3339, UTC)."
	descStartedAt  = "When the scan started running (RFC 3339, UTC). Null while queued."
	descCompleted  = "When the scan completed or failed (RFC 3339, UTC). Null until then."
	descFailure    = "Why the scan failed, as reported by Aether365. Null unless `status` is `failed`."
	descSummary    = "Counts of the scan's results once it has completed (null before): `total`, `passed`, `failed`, `warning`, `skipped`, `error`, and `failed_by_severity` with the failed results per severity (`critical`, `high`, `medium`, `low`, `informational`)."
	descSumTotal   = "Number of controls evaluated."
	descSumByRes   = "Number of results with this outcome."
	descSumBySev   = "Failed results per severity."
	descSevCount   = "Failed results of this severity."
	descScanFilter = "Only scans with this status; one of `queued`, `running`, `completed`, `failed`."
)

// countField is one count of a scan's summary: its attribute name, its
// description and where the API's answer holds it. The tables below are the
// one definition of the summary; its schemas, types and values derive from them.
type countField[T any] struct {
	name string
	desc string
	read func(T) int
}

// summaryFailedBySeverity names the nested object of failed results per severity.
const summaryFailedBySeverity = "failed_by_severity"

var summaryCountFields = []countField[aether365.ScanSummary]{
	{"total", descSumTotal, func(s aether365.ScanSummary) int { return s.Total }},
	{"passed", descSumByRes, func(s aether365.ScanSummary) int { return s.Passed }},
	{"failed", descSumByRes, func(s aether365.ScanSummary) int { return s.Failed }},
	{"warning", descSumByRes, func(s aether365.ScanSummary) int { return s.Warning }},
	{"skipped", descSumByRes, func(s aether365.ScanSummary) int { return s.Skipped }},
	{"error", descSumByRes, func(s aether365.ScanSummary) int { return s.Error }},
}

var severityCountFields = []countField[aether365.SeverityCounts]{
	{"critical", descSevCount, func(c aether365.SeverityCounts) int { return c.Critical }},
	{"high", descSevCount, func(c aether365.SeverityCounts) int { return c.High }},
	{"medium", descSevCount, func(c aether365.SeverityCounts) int { return c.Medium }},
	{"low", descSevCount, func(c aether365.SeverityCounts) int { return c.Low }},
	{"informational", descSevCount, func(c aether365.SeverityCounts) int { return c.Informational }},
}

func countAttrTypes[T any](fields []countField[T]) map[string]attr.Type {
	counts := make(map[string]attr.Type, len(fields)+1)
	for _, f := range fields {
		counts[f.name] = types.Int64Type
	}
	return counts
}

func countValues[T any](fields []countField[T], from T) map[string]attr.Value {
	values := make(map[string]attr.Value, len(fields)+1)
	for _, f := range fields {
		values[f.name] = types.Int64Value(int64(f.read(from)))
	}
	return values
}

// countSchema builds count attributes in the caller's schema package, whose
// attribute types the resource and the data sources do not share: count is
// one computed count, object one computed nested object.
type countSchema[A any] struct {
	count  func(desc string) A
	object func(desc string, attrs map[string]A) A
}

// summary is the scan's summary attribute.
func (cs countSchema[A]) summary() A {
	attrs := make(map[string]A, len(summaryCountFields)+1)
	for _, f := range summaryCountFields {
		attrs[f.name] = cs.count(f.desc)
	}
	attrs[summaryFailedBySeverity] = cs.bySeverity(descSumBySev, func(string) string { return descSevCount })
	return cs.object(descSummary, attrs)
}

// bySeverity is an object of one count per severity; describe gives each
// count's description from the severity as the API spells it ("Critical").
func (cs countSchema[A]) bySeverity(desc string, describe func(severity string) string) A {
	attrs := make(map[string]A, len(severityCountFields))
	for _, f := range severityCountFields {
		attrs[f.name] = cs.count(describe(strings.ToUpper(f.name[:1]) + f.name[1:]))
	}
	return cs.object(desc, attrs)
}

var severityCountAttrTypes = countAttrTypes(severityCountFields)

var summaryAttrTypes = func() map[string]attr.Type {
	t := countAttrTypes(summaryCountFields)
	t[summaryFailedBySeverity] = types.ObjectType{AttrTypes: severityCountAttrTypes}
	return t
}()

var scanAttrTypes = map[string]attr.Type{
	"id":             types.StringType,
	"tenant_id":      types.StringType,
	"scan_type":      types.StringType,
	"status":         types.StringType,
	"score":          types.Float64Type,
	"created_at":     types.StringType,
	"started_at":     types.StringType,
	"completed_at":   types.StringType,
	"failure_reason": types.StringType,
	"summary":        types.ObjectType{AttrTypes: summaryAttrTypes},
}

// fill copies everything the API reports about scan into the attributes.
func (m *scanAttributes) fill(scan *aether365.Scan) {
	m.ID = types.StringValue(scan.ID)
	m.TenantID = types.StringValue(scan.TenantID)
	m.ScanType = types.StringValue(scan.ScanType)
	m.Status = types.StringValue(scan.Status)
	m.Score = types.Float64PointerValue(scan.Score)
	m.CreatedAt = timeValue(&scan.CreatedAt)
	m.StartedAt = timeValue(scan.StartedAt)
	m.CompletedAt = timeValue(scan.CompletedAt)
	m.FailureReason = types.StringPointerValue(scan.FailureReason)
	m.Summary = summaryValue(scan.Summary)
}

// objectValue is the scan as one object, for lists of scans.
func (m *scanAttributes) objectValue() types.Object {
	return types.ObjectValueMust(scanAttrTypes, map[string]attr.Value{
		"id":             m.ID,
		"tenant_id":      m.TenantID,
		"scan_type":      m.ScanType,
		"status":         m.Status,
		"score":          m.Score,
		"created_at":     m.CreatedAt,
		"started_at":     m.StartedAt,
		"completed_at":   m.CompletedAt,
		"failure_reason": m.FailureReason,
		"summary":        m.Summary,
	})
}

func timeValue(t *time.Time) types.String {
	if t == nil || t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

func summaryValue(s *aether365.ScanSummary) types.Object {
	if s == nil {
		return types.ObjectNull(summaryAttrTypes)
	}
	values := countValues(summaryCountFields, *s)
	values[summaryFailedBySeverity] = severityCountsValue(s.FailedBySeverity)
	return types.ObjectValueMust(summaryAttrTypes, values)
}

func severityCountsValue(c aether365.SeverityCounts) types.Object {
	return types.ObjectValueMust(severityCountAttrTypes, countValues(severityCountFields, c))
}

// latestScan finds the newest scan in tenant with status (default completed)
// and, when set, scanType. Finding none is an error that says how to get one,
// because an empty object would let a score gate pass silently: it returns
// nil after adding that error, or any other.
func latestScan(ctx context.Context, pd *providerData, tenant, status, scanType types.String, diags *diag.Diagnostics) *aether365.Scan {
	tenantID := pd.tenantOr(tenant)
	wantStatus := aether365.ScanStatusCompleted
	if s := status.ValueString(); s != "" {
		wantStatus = s
	}
	scan, err := pd.client.LatestScan(ctx, tenantID, wantStatus, scanType.ValueString())
	if errors.Is(err, aether365.ErrNoScan) {
		kind := ""
		if t := scanType.ValueString(); t != "" {
			kind = " " + t
		}
		advice := "run one first (with the aether365_scan resource or in Aether365), or relax scan_type"
		if wantStatus != aether365.ScanStatusCompleted {
			advice = "check status and scan_type, or read the latest completed scan instead"
		}
		diags.AddError("No Matching Aether365 Scan",
			fmt.Sprintf("There is no %s%s scan in tenant %q; %s.", wantStatus, kind, tenantID, advice))
		return nil
	}
	if err != nil {
		addAPIError(diags, "Finding the Latest Aether365 Scan", err)
		return nil
	}
	return scan
}
