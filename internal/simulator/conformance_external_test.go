package simulator_test

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// recordingTB is a testing.TB whose cleanups and errors the test inspects
// instead of failing.
type recordingTB struct {
	testing.TB
	cleanups []func()
	errors   []string
}

func (r *recordingTB) Helper()          {}
func (r *recordingTB) Cleanup(f func()) { r.cleanups = append(r.cleanups, f) }
func (r *recordingTB) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordingTB) Fatalf(format string, args ...any) {
	r.TB.Fatalf(format, args...)
}

func (r *recordingTB) runCleanups() {
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}

// simtest.Start fails the test that got a non-conforming answer, when the
// test ends; one that got none passes.
func TestSimtestStartFailsTheTestOnANonConformingAnswer(t *testing.T) {
	for _, broken := range []bool{false, true} {
		tb := &recordingTB{TB: t}
		server := simtest.Start(tb, simulator.Config{})
		if broken {
			simulator.BreakAnswers(server.Server)
		}
		req, _ := http.NewRequest("GET", server.URL+"/tenants/me/scans", nil)
		req.Header.Set("Authorization", "Bearer "+simulator.DemoAPIKey)
		resp, err := server.HTTP.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_ = resp.Body.Close()
		tb.runCleanups()
		switch {
		case broken && (resp.StatusCode != http.StatusInternalServerError || len(tb.errors) != 1 ||
			!strings.Contains(tb.errors[0], "GET /tenants/me/scans 200")):
			t.Errorf("broken answer: status %d, test errors %q; want 500 and one error naming the request", resp.StatusCode, tb.errors)
		case !broken && (resp.StatusCode != http.StatusOK || len(tb.errors) != 0):
			t.Errorf("sound answer: status %d, test errors %q", resp.StatusCode, tb.errors)
		}
	}
}
