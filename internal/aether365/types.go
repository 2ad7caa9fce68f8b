package aether365

import (
	"strings"

	"github.com/aether365/terraform-provider-aether365/api"
)

// The wire types are generated from api/aether365.openapi.yaml; the client
// names them here so that its callers need not import api for the common ones.
type (
	// Scan is one posture scan of a Microsoft 365 tenant.
	Scan = api.Scan
	// Result is one check's outcome in a scan.
	Result = api.Result
	// PageMeta is the `meta` object of a list response: {total, page, limit},
	// and totalPages where the server sends it (the REST API Automation guide
	// does; the reference does not).
	PageMeta = api.PageMeta
)

// Scan statuses as the API reports them. Any other value is treated as still
// in progress by WaitForScan.
const (
	ScanStatusInProgress = string(api.ScanStatusInProgress)
	ScanStatusCompleted  = string(api.ScanStatusCompleted)
	ScanStatusFailed     = string(api.ScanStatusFailed)
	ScanStatusCancelled  = string(api.ScanStatusCancelled)
)

// The values of the API's enumerations, lower case as published, in the
// document's order.
var (
	ScanStatuses   = enumValues(api.ScanStatusFilterInProgress, api.ScanStatusFilterCompleted, api.ScanStatusFilterFailed)
	ScanTypes      = enumValues(api.ScanTypeCompliance, api.ScanTypeExposure)
	ResultValues   = enumValues(api.ResultValuePassed, api.ResultValueFailed, api.ResultValueSkipped)
	SeverityValues = enumValues(api.SeverityCritical, api.SeverityHigh, api.SeverityMedium, api.SeverityLow)
	Frameworks     = enumValues(api.FrameworkCis, api.FrameworkEidsca, api.FrameworkCisa, api.FrameworkNis2)
)

func enumValues[E ~string](values ...E) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = string(v)
	}
	return out
}

// Page sizes of the API's lists (the reference: scans 1..100, default 20;
// results 1..200, default 50).
const (
	MaxScanPageSize   = 100
	MaxResultPageSize = 200
)

// IsTerminal reports whether the scan will not change status any more.
func IsTerminal(s *Scan) bool { return IsTerminalStatus(string(s.Status)) }

// IsTerminalStatus reports whether status is final: completed, failed or
// cancelled ("canceled" too, in case the API spells it the American way:
// a scan that ended must never be waited for forever).
func IsTerminalStatus(status string) bool {
	switch strings.ToLower(status) {
	case ScanStatusCompleted, ScanStatusFailed, ScanStatusCancelled, "canceled":
		return true
	}
	return false
}

// PageCount is the number of pages a list has by its meta: totalPages when
// the server sends it, else ceil(total/limit), as the reference's meta
// {total, page, limit} implies.
func PageCount(m PageMeta) int {
	if m.TotalPages != nil {
		return *m.TotalPages
	}
	if m.Limit <= 0 {
		if m.Total > 0 {
			return 1
		}
		return 0
	}
	return (m.Total + m.Limit - 1) / m.Limit
}
