package simulator

import (
	"sync"
	"time"
)

// Scan statuses as the API reports them.
const (
	statusQueued    = "queued"
	statusRunning   = "running"
	statusCompleted = "completed"
	statusFailed    = "failed"
)

var scanStatuses = []string{statusQueued, statusRunning, statusCompleted, statusFailed}

// scanTypes lists the accepted scan types; "compliance" is the seed's, the
// others are our assumption (see doc.go).
var scanTypes = []string{"compliance", "identity", "email", "collaboration", "full"}

// failureReasons are what a failed scan reports, picked per scan from the
// seed: the kinds of trouble a Microsoft 365 posture scanner really meets.
var failureReasons = []string{
	"Microsoft Graph returned 403 for the tenant's audit log; re-consent the Aether365 app",
	"Microsoft Graph throttled the scan (429) for more than 15 minutes; start a new scan later",
	"The Aether365 app's admin consent was revoked in Microsoft Entra ID; re-consent the Aether365 app",
	"Exchange Online PowerShell session timed out after 3 attempts; start a new scan",
}

// scanRecord is a scan as stored. Everything but the lazily generated
// results is fixed at creation: the status is a function of the clock, so a
// scan needs no goroutine and a fake clock can play it instantly.
type scanRecord struct {
	id            string
	creationIndex int
	tenant        string
	scanType      string
	createdAt     time.Time
	duration      time.Duration
	outcome       string
	resultCount   int
	targetScore   float64
	failureReason string
	seed          int64

	generateOnce sync.Once
	generated    *scanResults
}

// queuedUntil is when the scan starts running: after the first tenth of its
// duration, like a job waiting for a worker.
func (s *scanRecord) queuedUntil() time.Time { return s.createdAt.Add(s.duration / 10) }

func (s *scanRecord) finishesAt() time.Time { return s.createdAt.Add(s.duration) }

func (s *scanRecord) statusAt(now time.Time) string {
	switch {
	case now.Before(s.queuedUntil()):
		return statusQueued
	case now.Before(s.finishesAt()):
		return statusRunning
	case s.outcome == OutcomeFailed:
		return statusFailed
	default:
		return statusCompleted
	}
}

// results generates the scan's results on first use and caches them; only
// call it for a completed scan.
func (s *scanRecord) results() *scanResults {
	s.generateOnce.Do(func() {
		s.generated = generateResults(posture{seed: s.seed, tenant: s.tenant, scanType: s.scanType}, s.resultCount, s.targetScore)
	})
	return s.generated
}

// scanView is a scan as the API serves it; pointers are JSON nulls until the
// scan reaches the corresponding state.
type scanView struct {
	ID            string       `json:"id"`
	TenantID      string       `json:"tenant_id"`
	ScanType      string       `json:"scan_type"`
	Status        string       `json:"status"`
	Score         *float64     `json:"score"`
	CreatedAt     string       `json:"created_at"`
	StartedAt     *string      `json:"started_at"`
	CompletedAt   *string      `json:"completed_at"`
	FailureReason *string      `json:"failure_reason"`
	Summary       *summaryView `json:"summary"`
}

type summaryView struct {
	Total            int                `json:"total"`
	Passed           int                `json:"passed"`
	Failed           int                `json:"failed"`
	Warning          int                `json:"warning"`
	Skipped          int                `json:"skipped"`
	Error            int                `json:"error"`
	FailedBySeverity severityCountsView `json:"failed_by_severity"`
}

type severityCountsView struct {
	Critical      int `json:"critical"`
	High          int `json:"high"`
	Medium        int `json:"medium"`
	Low           int `json:"low"`
	Informational int `json:"informational"`
}

// timestamp formats times as RFC 3339 in UTC to the second, like the
// contract's examples.
func timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func timestampPtr(t time.Time) *string {
	formatted := timestamp(t)
	return &formatted
}

func (s *scanRecord) viewAt(now time.Time) scanView {
	status := s.statusAt(now)
	view := scanView{
		ID:        s.id,
		TenantID:  s.tenant,
		ScanType:  s.scanType,
		Status:    status,
		CreatedAt: timestamp(s.createdAt),
	}
	if status != statusQueued {
		view.StartedAt = timestampPtr(s.queuedUntil())
	}
	switch status {
	case statusFailed:
		view.CompletedAt = timestampPtr(s.finishesAt())
		reason := s.failureReason
		view.FailureReason = &reason
	case statusCompleted:
		view.CompletedAt = timestampPtr(s.finishesAt())
		generated := s.results()
		// The reported score is computed from the results, never copied from
		// the target, so score, summary and results always agree.
		score := generated.counts.score()
		view.Score = &score
		view.Summary = &summaryView{
			Total:   len(generated.outcomes),
			Passed:  generated.counts.passed,
			Failed:  generated.counts.failed,
			Warning: generated.counts.warning,
			Skipped: generated.counts.skipped,
			Error:   generated.counts.errored,
			FailedBySeverity: severityCountsView{
				Critical:      generated.failedBy[0],
				High:          generated.failedBy[1],
				Medium:        generated.failedBy[2],
				Low:           generated.failedBy[3],
				Informational: generated.failedBy[4],
			},
		}
	}
	return view
}

// retryAfterSeconds is the polling hint for an unfinished scan: the whole
// seconds until it is expected to finish, at least 1.
func (s *scanRecord) retryAfterSeconds(now time.Time) int {
	remaining := s.finishesAt().Sub(now)
	seconds := int((remaining + time.Second - 1) / time.Second)
	return max(seconds, 1)
}

// derivedScore is a scan's target score when neither Config.Score nor
// Config.ScoreSequence is set: DefaultScoreMin to DefaultScoreMax, above the
// thresholds of the seed and the guides (80 and 75), so a newcomer's first
// gate passes; --score and --score-sequence produce failing ones.
func derivedScore(seed int64, creationIndex int) float64 {
	const steps = int((DefaultScoreMax-DefaultScoreMin)*10) + 1
	return DefaultScoreMin + float64(derive(seed, streamScore, uint64(creationIndex))%uint64(steps))/10
}

func failureReasonFor(seed int64, creationIndex int) string {
	return failureReasons[derive(seed, streamFailureReason, uint64(creationIndex))%uint64(len(failureReasons))]
}
