// Package simtest starts the Aether365 simulator for tests and benchmarks:
// in process behind a loopback HTTP server, or as the aether365-sim binary.
// It knows no Terraform and no client, so the client's own tests can use it.
//
// The simulator package's internal tests cannot import it (it imports the
// simulator); they keep their own copy of Epoch and use syncbuffer directly.
package simtest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/syncbuffer"
)

// Epoch is the instant every fake clock in the tests starts at, so dates in
// expected answers read the same everywhere.
var Epoch = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// NewClock returns a fake clock set to Epoch.
func NewClock() *clock.Fake { return clock.NewFake(Epoch) }

// Server is a simulator served over HTTP on a loopback port.
type Server struct {
	*simulator.Server
	// URL is the base URL to put into a client or a provider block.
	URL string
	// HTTP is the listening server; its Client() reaches it.
	HTTP *httptest.Server
}

// Front builds the handler that faces the network from the simulator, to
// rewrite or drop answers on the way; nil serves the simulator itself.
type Front func(*simulator.Server) http.Handler

// New starts a simulator for cfg behind front on a loopback port. Close it
// when done; tests use Start, which does.
func New(cfg simulator.Config, front Front) (*Server, error) {
	sim, err := simulator.New(cfg)
	if err != nil {
		return nil, err
	}
	var handler http.Handler = sim
	if front != nil {
		handler = front(sim)
	}
	server := httptest.NewServer(handler)
	return &Server{Server: sim, URL: server.URL, HTTP: server}, nil
}

// Close stops the HTTP server.
func (s *Server) Close() { s.HTTP.Close() }

// Start is New for one test: it fails the test on a bad cfg, closes the
// server when the test ends, and then fails the test if any answer of the
// simulator did not conform to api/aether365.openapi.yaml (each was
// answered 500 INTERNAL_ERROR instead), so drift between the simulator and
// the document fails every test that meets it.
func Start(t testing.TB, cfg simulator.Config) *Server {
	t.Helper()
	return StartBehind(t, cfg, nil)
}

// StartBehind is Start with a Front. A Front that rewrites answers is not
// checked: only what the simulator itself answered is.
func StartBehind(t testing.TB, cfg simulator.Config, front Front) *Server {
	t.Helper()
	s, err := New(cfg, front)
	if err != nil {
		t.Fatalf("starting the simulator: %v", err)
	}
	t.Cleanup(func() {
		s.Close()
		CheckConformance(t, s.Server)
	})
	return s
}

// CheckConformance fails t once for each answer of sim that did not conform
// to api/aether365.openapi.yaml. Start and StartBehind call it when the test
// ends; call it yourself for a simulator made with simulator.New.
func CheckConformance(t testing.TB, sim *simulator.Server) {
	t.Helper()
	for _, reason := range sim.NonConformingAnswers() {
		t.Errorf("the simulator answered 500 INTERNAL_ERROR instead of an answer that does not conform to api/aether365.openapi.yaml: %s", reason)
	}
}

// SyncBuffer is syncbuffer.Buffer, so that a test starting the simulator
// finds the buffer for its request log or a process's stderr in the same
// import.
type SyncBuffer = syncbuffer.Buffer
