package simulator

import "net/http"

// BreakAnswers makes every later answer of s lose its data, as a handler
// bug would, for the tests of simtest (package simulator_test) that check a
// non-conforming answer fails the test.
func BreakAnswers(s *Server) {
	s.breakAnswer = func(http.Header, []byte) []byte { return []byte(`{"success":true}` + "\n") }
}
