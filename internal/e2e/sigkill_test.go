//go:build linux

package e2e

import (
	"bytes"
	"context"
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
// wait under way): Terraform saves no state, and the next apply finds and
// adopts the scan the killed one started instead of starting a second one.
// The server ends with exactly one scan, and it is the one in state.
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
	w := newWorkspace(t, simulator.Config{ScanDuration: sigkillScanDuration, Seed: 365})
	gate := newAnswerGate(w.sim, during == "post")
	server := httptest.NewServer(gate)
	t.Cleanup(server.Close)
	t.Cleanup(gate.release) // runs before server.Close, which waits for held requests
	w.url = server.URL
	w.writeConfig(`resource "aether365_scan" "gate" {
  scan_type = "compliance"
}
`)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	apply := w.command(ctx, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	apply.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	apply.Stdout, apply.Stderr = &stdout, &stderr
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- apply.Wait() }()
	fail := func(format string, args ...any) {
		t.Helper()
		_ = syscall.Kill(-apply.Process.Pid, syscall.SIGKILL)
		t.Fatalf(format+"\nstdout:\n%s\nstderr:\n%s", append(args, stdout.String(), stderr.String())...)
	}

	// The moment to kill: the server has created the scan and either still
	// holds its answer, or has answered and the provider is waiting.
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
		fail("the apply never started its scan")
	}
	plugin := 0
	if !waitFor(10*time.Second, func() bool { plugin = providerPID(apply.Process.Pid); return plugin != 0 }) {
		fail("no provider plugin process under terraform (pid %d)", apply.Process.Pid)
	}
	// A plugin that outlives a killed terraform is what a real SIGKILL leaves;
	// it is ended only when the test is.
	t.Cleanup(func() { _ = syscall.Kill(plugin, syscall.SIGKILL) })
	killed := apply.Process.Pid
	if victim == "provider" {
		killed = plugin
	}
	if err := syscall.Kill(killed, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		fail("terraform still running 30s after SIGKILL of the %s", victim)
	}
	gate.release()

	if recorded := recordedScanIDs(t, w); len(recorded) != 0 {
		t.Fatalf("the killed apply recorded %v; the test assumes Terraform saved nothing", recorded)
	}
	orphaned := w.sim.ScanIDs(w.tenant)
	if len(orphaned) != 1 {
		t.Fatalf("after the kill the server holds %v, want the one scan the killed apply started", orphaned)
	}

	adoptStarted := time.Now()
	next := w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	t.Logf("SIGKILL of %s during %s: the next apply adopted the scan and finished in %s", victim, during,
		time.Since(adoptStarted).Round(100*time.Millisecond))
	if output := next.stdout + next.stderr; !strings.Contains(output, "Adopted Aether365 Scan Started Earlier") ||
		!strings.Contains(output, orphaned[0]) {
		t.Errorf("the next apply does not say it adopted %s:\n%s", orphaned[0], output)
	}
	if ids := w.sim.ScanIDs(w.tenant); len(ids) != 1 || ids[0] != orphaned[0] {
		t.Errorf("the server holds %v, want exactly the adopted scan %s", ids, orphaned[0])
	}
	resources := w.state()
	if len(resources) != 1 || len(resources[0].Instances) != 1 {
		t.Fatalf("state holds %+v, want the one adopted scan", resources)
	}
	instance := resources[0].Instances[0]
	if instance.Attributes["id"] != orphaned[0] || instance.Status != "" || instance.Attributes["status"] != "completed" {
		t.Errorf("state has scan %v (%q, status %v), want %s completed and not tainted",
			instance.Attributes["id"], instance.Status, instance.Attributes["status"], orphaned[0])
	}
}

// recordedScanIDs lists the scan IDs in the state file, if there is one. A
// terraform killed during apply can leave it empty, which Terraform reads as
// no state.
func recordedScanIDs(t *testing.T, w *workspace) []any {
	t.Helper()
	if info, err := os.Stat(filepath.Join(w.dir, "terraform.tfstate")); err != nil || info.Size() == 0 {
		return nil
	}
	var ids []any
	for _, r := range w.state() {
		for _, instance := range r.Instances {
			ids = append(ids, instance.Attributes["id"])
		}
	}
	return ids
}

// answerGate serves the simulator, and while holding it lets a POST be
// processed in full (the scan exists) but keeps its answer back until the
// client goes away or the gate is released: the lost answer of a killed
// process.
type answerGate struct {
	sim      http.Handler
	held     chan struct{}
	heldOnce sync.Once
	released chan struct{}
	once     sync.Once
	mu       sync.Mutex
	holding  bool
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
	if !holding {
		g.sim.ServeHTTP(w, r)
		return
	}
	answer := httptest.NewRecorder()
	g.sim.ServeHTTP(answer, r)
	g.heldOnce.Do(func() { close(g.held) })
	select {
	case <-r.Context().Done():
		return
	case <-g.released:
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
