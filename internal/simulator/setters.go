package simulator

import (
	"fmt"
	"slices"
	"time"
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

// SetScoreSequence makes the n-th scan of each tenant created to complete
// from now on score scores[n-1], counting from the tenant's first scan, the
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

// SetScanOutcome makes scans created afterwards end "completed" or "failed".
// It panics on any other value.
func (s *Server) SetScanOutcome(outcome string) {
	if err := validateOutcome(outcome); err != nil || outcome == "" {
		panic(fmt.Sprintf("simulator: SetScanOutcome(%q): want %q or %q", outcome, OutcomeCompleted, OutcomeFailed))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanOutcome = outcome
}

// SetScanDuration sets how long scans created afterwards take. It panics on a
// negative duration.
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

// ScanCount returns how many scans the simulator holds for a tenant ID
// (a real ID such as "demo", not "me").
func (s *Server) ScanCount(tenant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.scansByTenant[tenant])
}

// ScanIDs returns the IDs of a tenant's scans (a real tenant ID such as
// "demo", not "me") in creation order, so a test can tell a scan it knows
// of from an orphan or a duplicate.
func (s *Server) ScanIDs(tenant string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.scansByTenant[tenant]))
	for _, scan := range s.scansByTenant[tenant] {
		ids = append(ids, scan.id)
	}
	return ids
}

// ForgetScan deletes a scan, as data retention would; the next GET of it is
// 404. It reports whether the scan existed.
func (s *Server) ForgetScan(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	scan, ok := s.scans[id]
	if !ok {
		return false
	}
	delete(s.scans, id)
	s.scansByTenant[scan.tenant] = slices.DeleteFunc(s.scansByTenant[scan.tenant], func(other *scanRecord) bool {
		return other == scan
	})
	return true
}
