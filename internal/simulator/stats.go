package simulator

import "maps"

// Stats counts what the simulator has seen, for tests and benchmarks. The
// counts only count: nothing the simulator does depends on them.
type Stats struct {
	// Requests counts every request, whatever its answer.
	Requests int
	// ByRoute counts requests by endpoint (the route they were addressed to,
	// even when answered 401, 429 or 503); "other" is unknown paths and
	// wrong methods.
	ByRoute map[string]int
	// ScansCreated counts scans created (idempotent replays excluded).
	ScansCreated int
	// RateLimited counts 429 responses.
	RateLimited int
	// InjectedErrors counts 503 responses caused by ErrorRate.
	InjectedErrors int
	// InjectedResets counts requests processed and then answered by closing
	// the connection (ResetRate).
	InjectedResets int
	// InjectedMalformed counts requests processed and then answered with a
	// broken body (MalformedRate).
	InjectedMalformed int
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	copied := s.stats
	copied.ByRoute = maps.Clone(s.stats.ByRoute)
	return copied
}

// count applies one change to the counters.
func (s *Server) count(change func(*Stats)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	change(&s.stats)
}
