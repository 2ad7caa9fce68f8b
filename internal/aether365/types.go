package aether365

import "time"

// Scan statuses as the API reports them. Any other value is treated as still
// in progress by WaitForScan.
const (
	ScanStatusQueued    = "queued"
	ScanStatusRunning   = "running"
	ScanStatusCompleted = "completed"
	ScanStatusFailed    = "failed"
	ScanStatusCancelled = "cancelled"
	ScanStatusCanceled  = "canceled"
)

// Result values and severities as the API spells them.
var (
	ResultValues   = []string{"Passed", "Failed", "Warning", "Skipped", "Error"}
	SeverityValues = []string{"Critical", "High", "Medium", "Low", "Informational"}
	ScanStatuses   = []string{ScanStatusQueued, ScanStatusRunning, ScanStatusCompleted, ScanStatusFailed}
)

// MaxPageSize is the largest page the API serves (the `limit` of the seed document, the API's only spec: 1..100).
const MaxPageSize = 100

// Scan is one posture scan of a Microsoft 365 tenant.
type Scan struct {
	ID            string       `json:"id"`
	TenantID      string       `json:"tenant_id"`
	ScanType      string       `json:"scan_type"`
	Status        string       `json:"status"`
	Score         *float64     `json:"score"`
	CreatedAt     time.Time    `json:"created_at"`
	StartedAt     *time.Time   `json:"started_at"`
	CompletedAt   *time.Time   `json:"completed_at"`
	FailureReason *string      `json:"failure_reason"`
	Summary       *ScanSummary `json:"summary"`
}

// IsTerminal reports whether the scan will not change status any more.
func (s *Scan) IsTerminal() bool { return IsTerminalStatus(s.Status) }

// IsTerminalStatus reports whether status is final: completed, failed or cancelled.
func IsTerminalStatus(status string) bool {
	switch status {
	case ScanStatusCompleted, ScanStatusFailed, ScanStatusCancelled, ScanStatusCanceled:
		return true
	}
	return false
}

// ScanSummary counts a completed scan's results.
type ScanSummary struct {
	Total            int            `json:"total"`
	Passed           int            `json:"passed"`
	Failed           int            `json:"failed"`
	Warning          int            `json:"warning"`
	Skipped          int            `json:"skipped"`
	Error            int            `json:"error"`
	FailedBySeverity SeverityCounts `json:"failed_by_severity"`
}

// SeverityCounts counts results by severity.
type SeverityCounts struct {
	Critical      int `json:"critical"`
	High          int `json:"high"`
	Medium        int `json:"medium"`
	Low           int `json:"low"`
	Informational int `json:"informational"`
}

// Result is one control's outcome in a scan.
type Result struct {
	ID           string `json:"id"`
	ControlID    string `json:"control_id"`
	Title        string `json:"title"`
	Category     string `json:"category"`
	Severity     string `json:"severity"`
	Result       string `json:"result"`
	Description  string `json:"description"`
	Remediation  string `json:"remediation"`
	ReferenceURL string `json:"reference_url"`
}

// PageMeta is the `meta` object of a list response.
type PageMeta struct {
	Total      int `json:"total"`
	Page       int `json:"page"`
	Limit      int `json:"limit"`
	TotalPages int `json:"totalPages"`
}
