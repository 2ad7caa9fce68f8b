package simulator

import (
	"fmt"
	"slices"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// The setters change what scans created afterwards look like, for tests that
// need several kinds of scan from one simulator. They panic on a bad value:
// that is a bug in the calling test, not input to report.

// SetScore makes scans created afterwards complete with score, replacing any
// score sequence. It panics on a score outside 0..100.
func (s *Server) SetScore(score float64) {
	if err := validateScore(score); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.score = &score
	s.scoreSequence = nil
}

// SetScoreSequence makes the n-th scan of each account created to complete
// from now on score scores[n-1], counting from the account's first scan, the
// last score repeating; it replaces any fixed score. With no scores, scores
// are derived from the seed again. It panics on a score outside 0..100.
func (s *Server) SetScoreSequence(scores ...float64) {
	for _, score := range scores {
		if err := validateScore(score); err != nil {
			panic(err)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.score = nil
	s.scoreSequence = slices.Clone(scores)
}

// SetScanOutcome makes scans created afterwards end OutcomeCompleted,
// OutcomeFailed or OutcomeCancelled. It panics on any other value.
func (s *Server) SetScanOutcome(outcome string) {
	if err := validateOutcome(outcome); err != nil || outcome == "" {
		panic(fmt.Sprintf("simulator: SetScanOutcome(%q): want %q, %q or %q", outcome, OutcomeCompleted, OutcomeFailed, OutcomeCancelled))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanOutcome = outcome
}

// SetScanDuration sets how long scans created afterwards take (beyond
// ScanTimeout they fail at ScanTimeout). It panics on a negative duration.
func (s *Server) SetScanDuration(d time.Duration) {
	if d < 0 {
		panic(fmt.Sprintf("simulator: SetScanDuration(%s): must not be negative", d))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanDuration = d
}

// SetResultsPerScan sets how many results scans created afterwards have
// (0 means the default). It panics outside 0..MaxResultsPerScan.
func (s *Server) SetResultsPerScan(n int) {
	if n < 0 || n > MaxResultsPerScan {
		panic(fmt.Sprintf("simulator: SetResultsPerScan(%d): want 0..%d", n, MaxResultsPerScan))
	}
	if n == 0 {
		n = DefaultResultsPerScan
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resultsPerScan = n
}

// SetScanQuota sets how many scans each account may have created in all
// (scans created before count); 0 means unlimited. It panics on a negative
// quota.
func (s *Server) SetScanQuota(n int) {
	if n < 0 {
		panic(fmt.Sprintf("simulator: SetScanQuota(%d): must not be negative", n))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanQuota = n
}

// ScanCount returns how many scans the simulator holds for an account ID
// (a real ID such as DemoTenant, not "me").
func (s *Server) ScanCount(account string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if acct := s.accounts[account]; acct != nil {
		return len(acct.scans)
	}
	return 0
}

// ScanIDs returns the IDs of an account's scans (a real account ID such as
// DemoTenant, not "me") in creation order, so a test can tell a scan it
// knows of from an orphan or a duplicate.
func (s *Server) ScanIDs(account string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.accounts[account]
	if acct == nil {
		return nil
	}
	ids := make([]string, 0, len(acct.scans))
	for _, scan := range acct.scans {
		ids = append(ids, scan.id)
	}
	return ids
}

// ScanConnection returns the ID of the connection a scan scanned, which the
// scan object does not show, and whether the scan exists.
func (s *Server) ScanConnection(scanID string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	scan, ok := s.scans[scanID]
	if !ok {
		return "", false
	}
	return scan.connection, true
}

// ForgetScan deletes a scan, as data retention would; the next GET of it is
// 404. It reports whether the scan existed. The scan still counts against
// the quota.
func (s *Server) ForgetScan(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	scan, ok := s.scans[id]
	if !ok {
		return false
	}
	delete(s.scans, id)
	acct := s.accounts[scan.account]
	acct.scans = slices.DeleteFunc(acct.scans, func(other *scanRecord) bool { return other == scan })
	if acct.latest[scan.connection] == scan {
		// The scans before it ended before it started.
		delete(acct.latest, scan.connection)
	}
	return true
}

// StartScanError is why StartScheduledScan could not start a scan: the
// error the API would answer a POST with.
type StartScanError struct {
	Status  int
	Code    api.ErrorCode
	Message string
}

func (e *StartScanError) Error() string { return fmt.Sprintf("%d %s: %s", e.Status, e.Code, e.Message) }

// StartScheduledScan starts a scan as the plan schedule would, without the
// API: on connectionID ("" for the primary connection) of account, with the
// same rules as a POST (one running scan per connection, the quota), and
// stamps the plan schedule's lastTriggeredAt. A refusal is a
// *StartScanError (SCAN_ALREADY_RUNNING, SCAN_PLAN_LIMIT_REACHED,
// CONNECTION_NOT_FOUND, TENANT_NOT_CONNECTED, TENANT_NOT_FOUND).
func (s *Server) StartScheduledScan(account, connectionID string, scanType api.ScanType) (string, error) {
	if !scanType.Valid() {
		return "", &StartScanError{Status: 400, Code: api.ErrorCodeValidationError,
			Message: fmt.Sprintf("scan type %q is not %s or %s", scanType, api.ScanTypeCompliance, api.ScanTypeExposure)}
	}
	scan, _, apiErr := s.startScan("", account, connectionID, scanType, "")
	if apiErr != nil {
		return "", &StartScanError{Status: apiErr.Status, Code: apiErr.Code, Message: apiErr.Message}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, schedule := range s.accounts[account].schedules {
		if schedule.ID == planScheduleID {
			triggered := timestamp(scan.createdAt)
			schedule.LastTriggeredAt = &triggered
		}
	}
	return scan.id, nil
}

// SetScheduledScanLastTriggered sets a schedule's lastTriggeredAt ("plan"
// for the plan schedule), as if it had fired at at. It reports whether the
// account has that schedule.
func (s *Server) SetScheduledScanLastTriggered(account, scheduleID string, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.accounts[account]
	if acct == nil {
		return false
	}
	for _, schedule := range acct.schedules {
		if schedule.ID == scheduleID {
			triggered := timestamp(at)
			schedule.LastTriggeredAt = &triggered
			return true
		}
	}
	return false
}
