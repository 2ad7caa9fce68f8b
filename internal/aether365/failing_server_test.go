package aether365

import (
	"net/http"
	"testing"
)

// newFailingClient is a client whose server answers every request with the
// same API error; the counter tells how many requests it got.
func newFailingClient(t *testing.T, status int, code, message string, adjust ...func(*Config)) (*Client, *counter) {
	t.Helper()
	hits := &counter{}
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		writeAPIError(w, status, code, message)
	}, adjust...)
	return c, hits
}
