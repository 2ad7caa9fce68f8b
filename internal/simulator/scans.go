package simulator

import (
	"sync"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// scanRecord is a scan as stored. Everything but the lazily generated
// results is fixed at creation: the status is a function of the clock, so a
// scan needs no goroutine and a fake clock can play it instantly.
type scanRecord struct {
	id            string
	creationIndex int
	account       string
	// connection is the connected Microsoft 365 tenant the scan scans; the
	// published scan object does not show it.
	connection  string
	scanType    api.ScanType
	createdAt   time.Time
	duration    time.Duration
	outcome     string
	resultCount int
	targetScore float64
	seed        int64

	generateOnce sync.Once
	generated    *scanResults
}

// endsAt is when the scan leaves in_progress: after its duration, or at the
// service's timeout if that comes first.
func (s *scanRecord) endsAt() time.Time { return s.createdAt.Add(min(s.duration, ScanTimeout)) }

// finalStatus is the status the scan ends with: a scan that would run past
// the timeout fails, as published; otherwise its configured outcome.
func (s *scanRecord) finalStatus() api.ScanStatus {
	if s.duration > ScanTimeout {
		return api.ScanStatusFailed
	}
	switch s.outcome {
	case OutcomeFailed:
		return api.ScanStatusFailed
	case OutcomeCancelled:
		return api.ScanStatusCancelled
	}
	return api.ScanStatusCompleted
}

// completes reports whether the scan will end completed, with results.
func (s *scanRecord) completes() bool { return s.finalStatus() == api.ScanStatusCompleted }

func (s *scanRecord) statusAt(now time.Time) api.ScanStatus {
	if now.Before(s.endsAt()) {
		return api.ScanStatusInProgress
	}
	return s.finalStatus()
}

// results generates the scan's results on first use and caches them; only
// call it for a completed scan.
func (s *scanRecord) results() *scanResults {
	s.generateOnce.Do(func() {
		p := posture{seed: s.seed, account: s.account, connection: s.connection, scanType: s.scanType}
		s.generated = generateResults(p, s.resultCount, s.targetScore)
	})
	return s.generated
}

// timestamp is how times are served: UTC to the second, like the
// reference's examples.
func timestamp(t time.Time) time.Time { return t.UTC().Truncate(time.Second) }

// viewAt is the scan as the API serves it at now: completed_at, the counts
// and the score are null until the scan ends, and the counts and score stay
// null unless it completed.
func (s *scanRecord) viewAt(now time.Time) api.Scan {
	status := s.statusAt(now)
	view := api.Scan{
		ID:        s.id,
		TenantID:  s.account,
		ScanType:  s.scanType,
		Status:    status,
		StartedAt: timestamp(s.createdAt),
	}
	if status == api.ScanStatusInProgress {
		return view
	}
	completedAt := timestamp(s.endsAt())
	view.CompletedAt = &completedAt
	if status == api.ScanStatusCompleted {
		counts := s.results().counts
		// The reported score is computed from the results, never copied from
		// the target, so score, counts and results always agree.
		score := counts.score()
		view.Score = &score
		view.PassCount, view.FailCount, view.SkipCount = &counts.passed, &counts.failed, &counts.skipped
	}
	return view
}

// retryAfterSeconds is the polling hint for an unfinished scan: the whole
// seconds until it is expected to end, at least 1.
func (s *scanRecord) retryAfterSeconds(now time.Time) int {
	remaining := s.endsAt().Sub(now)
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
