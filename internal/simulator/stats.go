package simulator

import (
	"maps"
	"slices"
)

// Stats.ByRoute keys: the method and path template of the document's
// operation a request was for, such as "GET /scans/{scanId}", or
// StatsKeyOther. The ones callers count are exported.
const (
	StatsKeyStartScan   = "POST /tenants/{tenantId}/scans"
	StatsKeyListScans   = "GET /tenants/{tenantId}/scans"
	StatsKeyGetScan     = "GET /scans/{scanId}"
	StatsKeyListResults = "GET /scans/{scanId}/results"
	StatsKeyGetResult   = "GET /scans/{scanId}/results/{testId}"
	// StatsKeyOther counts unknown paths and wrong methods.
	StatsKeyOther = "other"
)

// Stats counts what the simulator has seen, for tests and benchmarks. The
// counts only count: nothing the simulator does depends on them.
type Stats struct {
	// Requests counts every request, whatever its answer.
	Requests int
	// ByRoute counts requests by endpoint (the operation they were addressed
	// to, even when answered 401, 429 or 503); see the StatsKey constants.
	ByRoute map[string]int
	// ScansCreated counts scans created, through the API or
	// StartScheduledScan (idempotent replays excluded).
	ScansCreated int
	// RateLimited counts 429 RATE_LIMITED responses (assumed profile).
	RateLimited int
	// InjectedErrors counts 503 responses caused by ErrorRate.
	InjectedErrors int
	// InjectedResets counts requests processed and then answered by closing
	// the connection (ResetRate).
	InjectedResets int
	// InjectedMalformed counts requests processed and then answered with a
	// broken body (MalformedRate).
	InjectedMalformed int
	// NonConformingAnswers counts answers that did not conform to
	// api/aether365.openapi.yaml and were replaced by 500 INTERNAL_ERROR:
	// a simulator bug, or drift between the code and the document.
	NonConformingAnswers int
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	copied := s.stats
	copied.ByRoute = maps.Clone(s.stats.ByRoute)
	return copied
}

// NonConformingAnswers returns why each answer that did not conform to the
// document was replaced, oldest first: "METHOD path status: reason".
func (s *Server) NonConformingAnswers() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.nonConforming)
}

// count applies one change to the counters.
func (s *Server) count(change func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.stats)
}

// maxNonConformingKept bounds the reasons kept, so a simulator serving a
// long soak with a bug does not grow without limit; the count goes on.
const maxNonConformingKept = 100

func (s *Server) recordNonConforming(reason string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stats.NonConformingAnswers++
	if len(s.nonConforming) < maxNonConformingKept {
		s.nonConforming = append(s.nonConforming, reason)
	}
}
