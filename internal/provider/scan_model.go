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
// aether365_scans. They are the published scan object's fields.
type scanAttributes struct {
	ID          types.String  `tfsdk:"id"`
	TenantID    types.String  `tfsdk:"tenant_id"`
	ScanType    types.String  `tfsdk:"scan_type"`
	Status      types.String  `tfsdk:"status"`
	Score       types.Float64 `tfsdk:"score"`
	StartedAt   types.String  `tfsdk:"started_at"`
	CompletedAt types.String  `tfsdk:"completed_at"`
	PassCount   types.Int64   `tfsdk:"pass_count"`
	FailCount   types.Int64   `tfsdk:"fail_count"`
	SkipCount   types.Int64   `tfsdk:"skip_count"`
}

// Descriptions shared by every schema that shows a scan, so the resource and
// the data sources document the same attribute the same way.
const (
	descScanID     = "Scan ID assigned by Aether365, for example `scan_abc123`."
	descTenantID   = "Aether365 account the scan belongs to (`t_...`), not the Microsoft 365 tenant's GUID."
	descScanType   = "Kind of scan: `compliance` or `exposure`."
	descStatus     = "Scan status: `in_progress`, then `completed` or `failed` (`cancelled` if it was cancelled). Aether365 fails a scan that runs longer than 30 minutes."
	descScore      = "Security-posture score from 0 to 100: `pass_count / (pass_count + fail_count) x 100`, one decimal; skipped checks do not count. Null until the scan has completed, and for a failed scan."
	descStartedAt  = "When the scan started (RFC 3339, UTC)."
	descCompleted  = "When the scan completed or failed (RFC 3339, UTC). Null until then."
	descPassCount  = "Number of checks that passed. Null until the scan has completed."
	descFailCount  = "Number of checks that failed. Null until the scan has completed."
	descSkipCount  = "Number of checks that were skipped (not applicable or not licensed). Null until the scan has completed."
	descSevCount   = "Failed results of this severity."
	descScanFilter = "Only scans with this status: `in_progress`, `completed` or `failed` (any case)."
	descConnection = "The connected Microsoft 365 tenant (`conn_...`) to work on; the account's active connection when unset. How a scan names a connection is not in the published API reference: the provider sends the `connectionId` query parameter that the policies and threats endpoints take (an assumption)."
)

// severityCountAttrTypes are one count per severity, keyed as the API
// spells the severities.
var severityCountAttrTypes = func() map[string]attr.Type {
	counts := make(map[string]attr.Type, len(aether365.SeverityValues))
	for _, severity := range aether365.SeverityValues {
		counts[severity] = types.Int64Type
	}
	return counts
}()

// severityCounts counts results by severity (lower case, as the API spells it).
type severityCounts map[string]int

func (c severityCounts) add(severity string) { c[strings.ToLower(severity)]++ }

func (c severityCounts) value() types.Object {
	values := make(map[string]attr.Value, len(aether365.SeverityValues))
	for _, severity := range aether365.SeverityValues {
		values[severity] = types.Int64Value(int64(c[severity]))
	}
	return types.ObjectValueMust(severityCountAttrTypes, values)
}

// countSchema builds count attributes in the caller's schema package, whose
// attribute types the resource and the data sources do not share: count is
// one computed count, object one computed nested object.
type countSchema[A any] struct {
	count  func(desc string) A
	object func(desc string, attrs map[string]A) A
}

// bySeverity is an object of one count per severity; describe gives each
// count's description from the severity ("critical").
func (cs countSchema[A]) bySeverity(desc string, describe func(severity string) string) A {
	attrs := make(map[string]A, len(aether365.SeverityValues))
	for _, severity := range aether365.SeverityValues {
		attrs[severity] = cs.count(describe(severity))
	}
	return cs.object(desc, attrs)
}

var scanAttrTypes = map[string]attr.Type{
	"id":           types.StringType,
	"tenant_id":    types.StringType,
	"scan_type":    types.StringType,
	"status":       types.StringType,
	"score":        types.Float64Type,
	"started_at":   types.StringType,
	"completed_at": types.StringType,
	"pass_count":   types.Int64Type,
	"fail_count":   types.Int64Type,
	"skip_count":   types.Int64Type,
}

// fill copies everything the API reports about scan into the attributes.
func (m *scanAttributes) fill(scan *aether365.Scan) {
	m.ID = types.StringValue(scan.ID)
	m.TenantID = types.StringValue(scan.TenantID)
	m.ScanType = types.StringValue(string(scan.ScanType))
	m.Status = types.StringValue(string(scan.Status))
	m.Score = types.Float64PointerValue(scan.Score)
	m.StartedAt = timeValue(&scan.StartedAt)
	m.CompletedAt = timeValue(scan.CompletedAt)
	m.PassCount = countValue(scan.PassCount)
	m.FailCount = countValue(scan.FailCount)
	m.SkipCount = countValue(scan.SkipCount)
}

// objectValue is the scan as one object, for lists of scans.
func (m *scanAttributes) objectValue() types.Object {
	return types.ObjectValueMust(scanAttrTypes, map[string]attr.Value{
		"id":           m.ID,
		"tenant_id":    m.TenantID,
		"scan_type":    m.ScanType,
		"status":       m.Status,
		"score":        m.Score,
		"started_at":   m.StartedAt,
		"completed_at": m.CompletedAt,
		"pass_count":   m.PassCount,
		"fail_count":   m.FailCount,
		"skip_count":   m.SkipCount,
	})
}

func timeValue(t *time.Time) types.String {
	if t == nil || t.IsZero() {
		return types.StringNull()
	}
	return types.StringValue(t.UTC().Format(time.RFC3339))
}

// countValue is a whole number the API may send as null.
func countValue(n *int) types.Int64 {
	if n == nil {
		return types.Int64Null()
	}
	return types.Int64Value(int64(*n))
}

// latestScan finds the newest scan in tenant with status (default completed)
// and, when set, scanType. Finding none is an error that says how to get one,
// because an empty object would let a score gate pass silently: it returns
// nil after adding that error, or any other.
func latestScan(ctx context.Context, pd *providerData, tenant, status, scanType types.String, diags *diag.Diagnostics) *aether365.Scan {
	tenantID := pd.tenantOr(tenant)
	wantStatus := aether365.ScanStatusCompleted
	if s := normalizedEnum(status); s != "" {
		wantStatus = s
	}
	scan, err := pd.client.LatestScan(ctx, tenantID, wantStatus, normalizedEnum(scanType))
	if errors.Is(err, aether365.ErrNoScan) {
		kind := ""
		if t := normalizedEnum(scanType); t != "" {
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
