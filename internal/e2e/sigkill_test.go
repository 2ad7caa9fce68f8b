//go:build linux

package e2e

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// sigkillScanDuration is how long the killed apply's scan runs: long enough
// that it is still running when the next apply starts, even on a loaded
// machine, so that apply adopts it.
const sigkillScanDuration = 30 * time.Second

// SIGKILL of terraform, or of the provider plugin, while aether365_scan is in
// Create (its POST answered by the server but not yet by the network, or its
// wait under way): Terraform saves no state. The killed apply's scan is still
// the tenant's running scan, and Aether365 runs one at a time, so the next
// apply's POST is answered 409 SCAN_ALREADY_RUNNING (published) and the
// provider adopts that scan instead of starting a second one. Nothing else
// carries the adoption: the simulator serves only the published API (no
// Idempotency-Key replay). The server ends with exactly one scan, and it is
// the one in state.
func TestSigkillDuringCreateThenReapplyAdoptsTheScan(t *testing.T) {
	for _, victim := range []string{"terraform", "provider"} {
		for _, during := range []string{"post", "wait"} {
			t.Run(victim+"_during_"+during, func(t *testing.T) {
				t.Parallel()
				runSigkillCase(t, victim, during)
			})
		}
	}
}

func runSigkillCase(t *testing.T, victim, during string) {
	w, gate := newGatedWorkspace(t, during == "post")
	apply := startApply(t, w)
	apply.awaitCreate(t, w, gate, during)
	plugin := 0
	if !waitFor(10*time.Second, func() bool { plugin = providerPID(apply.cmd.Process.Pid); return plugin != 0 }) {
		apply.fail(t, "no provider plugin process under terraform (pid %d)", apply.cmd.Process.Pid)
	}
	// A plugin that outlives a killed terraform is what a real SIGKILL leaves;
	// it is ended only when the test is.
	t.Cleanup(func() { _ = syscall.Kill(plugin, syscall.SIGKILL) })
	killed := apply.cmd.Process.Pid
	if victim == "provider" {
		killed = plugin
	}
	if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	apply.awaitExit(t, 30*time.Second)
	gate.release()
	expectNextApplyAdopts(t, w, gate, fmt.Sprintf("SIGKILL of %s during %s", victim, during))
}

// startRequestInterruptBound is how soon after Ctrl-C an apply whose request
// to start a scan gets no answer must have exited.
const startRequestInterruptBound = 15 * time.Second

// Ctrl-C while the server holds back the answer to the POST that starts the
// scan: the apply exits within seconds (the POST is not finished first), saves
// nothing, and the next apply adopts the scan the POST started.
func TestInterruptDuringStartRequestEndsPromptlyAndNextApplyAdopts(t *testing.T) {
	t.Parallel()
	w, gate := newGatedWorkspace(t, true)
	apply := startApply(t, w)
	apply.awaitCreate(t, w, gate, "post")
	signalled := time.Now()
	apply.interrupt(t)
	apply.awaitExit(t, startRequestInterruptBound)
	t.Logf("terraform apply exited %s after SIGINT during the POST", time.Since(signalled).Round(time.Millisecond))
	if output := apply.output(); !strings.Contains(output, "Interrupted Starting Aether365 Scan") {
		t.Errorf("the interrupted apply does not say what it interrupted:\n%s", output)
	}
	gate.release()
	expectNextApplyAdopts(t, w, gate, "SIGINT during post")
}

// newGatedWorkspace is a workspace whose provider talks to the simulator
// (published profile) through an answerGate, configured with one
// aether365_scan.
func newGatedWorkspace(t *testing.T, holdPOST bool) (*workspace, *answerGate) {
	w := newWorkspace(t, simulator.Config{Profile: simulator.ProfilePublished, ScanDuration: sigkillScanDuration, Seed: 365})
	gate := newAnswerGate(w.sim, holdPOST)
	server := httptest.NewServer(gate)
	t.Cleanup(server.Close)
	t.Cleanup(gate.release) // runs before server.Close, which waits for held requests
	w.url = server.URL
	w.writeConfig(`resource "aether365_scan" "gate" {
  scan_type = "compliance"
}
`)
	return w, gate
}

// awaitCreate returns once the server has created the scan and either still
// holds its answer ("post") or has answered and the provider waits ("wait").
func (a *runningTerraform) awaitCreate(t *testing.T, w *workspace, gate *answerGate, during string) {
	t.Helper()
	reached := false
	if during == "post" {
		select {
		case <-gate.held:
			reached = true
		case <-time.After(time.Minute):
		}
	} else {
		reached = waitFor(time.Minute, func() bool { return w.sim.ScanCount(w.tenant) == 1 })
		time.Sleep(time.Second)
	}
	if !reached {
		a.fail(t, "the apply never started its scan")
	}
}

func (a *runningTerraform) awaitExit(t *testing.T, bound time.Duration) {
	t.Helper()
	if err := a.exitWithin(t, bound); err == nil {
		a.fail(t, "terraform apply succeeded; it was meant to be stopped")
	}
}

// expectNextApplyAdopts checks that the stopped apply saved nothing and left
// one scan, then that the next apply's POST met 409 SCAN_ALREADY_RUNNING and
// adopted exactly that scan.
func expectNextApplyAdopts(t *testing.T, w *workspace, gate *answerGate, what string) {
	t.Helper()
	if recorded := recordedScanIDs(t, w); len(recorded) != 0 {
		t.Fatalf("the stopped apply recorded %v; the test assumes Terraform saved nothing", recorded)
	}
	orphaned := w.sim.ScanIDs(w.tenant)
	if len(orphaned) != 1 {
		t.Fatalf("after the stop the server holds %v, want the one scan the stopped apply started", orphaned)
	}
	conflictsBefore := gate.conflicts()
	started := time.Now()
	next := w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	t.Logf("%s: the next apply finished in %s", what, time.Since(started).Round(100*time.Millisecond))
	if output := joinLines(next.stdout + next.stderr); !strings.Contains(output, "Adopted the Running Aether365 Scan") ||
		!strings.Contains(output, orphaned[0]) {
		t.Errorf("the next apply does not say it adopted %s:\n%s", orphaned[0], next.stdout+next.stderr)
	}
	if n := gate.conflicts() - conflictsBefore; n != 1 {
		t.Errorf("the next apply's POSTs met 409 SCAN_ALREADY_RUNNING %d times, want once: the adoption rests on it", n)
	}
	if ids := w.sim.ScanIDs(w.tenant); len(ids) != 1 || ids[0] != orphaned[0] {
		t.Errorf("the server holds %v, want exactly the adopted scan %s", ids, orphaned[0])
	}
	resources := w.state()
	if len(resources) != 1 {
		t.Fatalf("state holds %+v, want the one adopted scan", resources)
	}
	scan := resources[0]
	if scan.AttributeValues["id"] != orphaned[0] || scan.Tainted || scan.AttributeValues["status"] != "completed" {
		t.Errorf("state has scan %v (tainted %t, status %v), want %s completed and not tainted",
			scan.AttributeValues["id"], scan.Tainted, scan.AttributeValues["status"], orphaned[0])
	}
}

// recordedScanIDs lists the scan IDs in the state file, if there is one.
func recordedScanIDs(t *testing.T, w *workspace) []any {
	t.Helper()
	var ids []any
	for _, r := range w.savedState() {
		ids = append(ids, r.AttributeValues["id"])
	}
	return ids
}

// answerGate serves the simulator, and while holding it lets a POST be
// processed in full (the scan exists) but keeps its answer back until the
// client goes away or the gate is released: the lost answer of a killed
// process. It counts the POSTs answered 409.
type answerGate struct {
	sim          http.Handler
	held         chan struct{}
	heldOnce     sync.Once
	released     chan struct{}
	once         sync.Once
	mu           sync.Mutex
	holding      bool
	conflicts409 int
}

// conflicts is how many POSTs the simulator answered 409 so far.
func (g *answerGate) conflicts() int {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.conflicts409
}

func newAnswerGate(sim http.Handler, holding bool) *answerGate {
	return &answerGate{sim: sim, held: make(chan struct{}), released: make(chan struct{}), holding: holding}
}

func (g *answerGate) release() {
	g.once.Do(func() {
		g.mu.Lock()
		g.holding = false
		g.mu.Unlock()
		close(g.released)
	})
}

func (g *answerGate) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	holding := g.holding && r.Method == http.MethodPost
	g.mu.Unlock()
	if r.Method != http.MethodPost {
		g.sim.ServeHTTP(w, r)
		return
	}
	answer := httptest.NewRecorder()
	g.sim.ServeHTTP(answer, r)
	if answer.Code == http.StatusConflict {
		g.mu.Lock()
		g.conflicts409++
		g.mu.Unlock()
	}
	if holding {
		g.heldOnce.Do(func() { close(g.held) })
		select {
		case <-r.Context().Done():
			return
		case <-g.released:
		}
	}
	for name, values := range answer.Header() {
		w.Header()[name] = values
	}
	w.WriteHeader(answer.Code)
	_, _ = w.Write(answer.Body.Bytes())
}

// providerPID finds the provider plugin terraform (parent) started, or 0.
func providerPID(parent int) int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0
	}
	for _, entry := range entries {
		pid, err := strconv.Atoi(entry.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", entry.Name(), "stat"))
		if err != nil {
			continue
		}
		// pid (comm) state ppid ...: comm may hold spaces, so split after ')'.
		fields := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:]))
		if len(fields) < 2 || fields[1] != strconv.Itoa(parent) {
			continue
		}
		cmdline, _ := os.ReadFile(filepath.Join("/proc", entry.Name(), "cmdline"))
		if strings.Contains(string(cmdline), "terraform-provider-aether365") {
			return pid
		}
	}
	return 0
}
