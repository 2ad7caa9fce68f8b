package provider

import (
	"context"
	"errors"
	"fmt"
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

var severityCountAttrTypes = map[string]attr.Type{
	"critical":      types.Int64Type,
	"high":          types.Int64Type,
	"medium":        types.Int64Type,
	"low":           types.Int64Type,
	"informational": types.Int64Type,
}

var summaryAttrTypes = map[string]attr.Type{
	"total":              types.Int64Type,
	"passed":             types.Int64Type,
	"failed":             types.Int64Type,
	"warning":            types.Int64Type,
	"skipped":            types.Int64Type,
	"error":              types.Int64Type,
	"failed_by_severity": types.ObjectType{AttrTypes: severityCountAttrTypes},
}

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
	return types.ObjectValueMust(summaryAttrTypes, map[string]attr.Value{
		"total":              types.Int64Value(int64(s.Total)),
		"passed":             types.Int64Value(int64(s.Passed)),
		"failed":             types.Int64Value(int64(s.Failed)),
		"warning":            types.Int64Value(int64(s.Warning)),
		"skipped":            types.Int64Value(int64(s.Skipped)),
		"error":              types.Int64Value(int64(s.Error)),
		"failed_by_severity": severityCountsValue(s.FailedBySeverity),
	})
}

func severityCountsValue(c aether365.SeverityCounts) types.Object {
	return types.ObjectValueMust(severityCountAttrTypes, map[string]attr.Value{
		"critical":      types.Int64Value(int64(c.Critical)),
		"high":          types.Int64Value(int64(c.High)),
		"medium":        types.Int64Value(int64(c.Medium)),
		"low":           types.Int64Value(int64(c.Low)),
		"informational": types.Int64Value(int64(c.Informational)),
	})
}

// latestScan finds the newest scan in tenant with status (default completed)
// and, when set, scanType. Finding none is an error that says how to get one,
// because an empty object would let a score gate pass silently.
func latestScan(ctx context.Context, pd *providerData, tenant, status, scanType types.String, diags *diag.Diagnostics) (*aether365.Scan, bool) {
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
		return nil, false
	}
	if err != nil {
		addAPIError(diags, "Finding the Latest Aether365 Scan", err)
		return nil, false
	}
	return scan, true
}
