//go:build unix

package e2e

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
	"github.com/aether365/terraform-provider-aether365/internal/syncbuffer"
)

// interruptBound is how soon after Ctrl-C Terraform must have exited.
const interruptBound = 15 * time.Second

// Ctrl-C during `terraform apply` while a scan runs: Terraform exits
// promptly, the scan's ID is in the state file (tainted, not lost), and the
// next apply replaces it. The server ends with exactly two scans: the
// interrupted one and its replacement; nothing orphaned, nothing duplicated.
//
// The simulator's clock is a fake one, so the interrupted scan runs until the
// test moves the clock on: a tenant runs one scan at a time, and while the
// interrupted scan still ran, the replacement would wait for it to end.
func TestInterruptedApplyKeepsTheScanAndTheNextApplyReplacesIt(t *testing.T) {
	clk := simtest.NewClock()
	w := newWorkspace(t, simulator.Config{ScanDuration: time.Hour, Seed: 365, Clock: clk})
	w.writeConfig(`resource "aether365_scan" "gate" {
  scan_type = "compliance"
}
`)

	apply := startApply(t, w)
	// Interrupt only once the scan exists on the server and is being waited for.
	interruptedID := apply.awaitScanStarted(t, w)
	signalled := time.Now()
	apply.interrupt(t)
	err := apply.exitWithin(t, interruptBound)
	took := time.Since(signalled)
	t.Logf("terraform apply exited %s after SIGINT", took.Round(time.Millisecond))
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		apply.fail(t, "interrupted apply: err = %v, want a non-zero exit", err)
	}
	output := apply.output()
	// The scan ID is in the diagnostic's summary, the line a CI log shows
	// first (before, only in its detail).
	for _, want := range []string{"Interrupt received", "Interrupted While Waiting for Aether365 Scan " + interruptedID} {
		if !strings.Contains(output, want) {
			t.Errorf("the interrupted apply's output lacks %q:\n%s", want, output)
		}
	}

	resources := w.state()
	if len(resources) != 1 {
		t.Fatalf("state holds %+v, want the one interrupted scan", resources)
	}
	instance := resources[0]
	if instance.AttributeValues["id"] != interruptedID || !instance.Tainted {
		t.Fatalf("state has scan %v (tainted: %v), want %s tainted", instance.AttributeValues["id"], instance.Tainted, interruptedID)
	}

	// The interrupted scan ends (an hour is past Aether365's 30-minute
	// timeout, so it fails), and the next apply, with scans finishing at
	// once, replaces the tainted scan.
	clk.Advance(time.Hour)
	w.sim.SetScanDuration(0)
	next := w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	if !strings.Contains(next.stdout, "is tainted, so must be replaced") || !strings.Contains(next.stdout, "1 added, 0 changed, 1 destroyed") {
		t.Errorf("the next apply did not replace the tainted scan:\n%s", next.stdout)
	}
	resources = w.state()
	if len(resources) != 1 {
		t.Fatalf("state holds %+v, want the one replacement scan", resources)
	}
	replacement := resources[0]
	ids := w.sim.ScanIDs(w.tenant)
	if len(ids) != 2 || ids[0] != interruptedID || ids[1] != replacement.AttributeValues["id"] {
		t.Errorf("the server holds %v; want exactly [%s %v], the interrupted scan and its replacement", ids, interruptedID, replacement.AttributeValues["id"])
	}
	if replacement.Tainted || replacement.AttributeValues["status"] != "completed" {
		t.Errorf("replacement is tainted %v with status %v", replacement.Tainted, replacement.AttributeValues["status"])
	}
}

// Ctrl-C during `terraform apply -invoke` while the scan runs: Terraform
// exits promptly and says the scan goes on in Aether365, naming it.
func TestInterruptedInvokeNamesTheScanThatKeepsRunning(t *testing.T) {
	tf := binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for actions")
	w := newWorkspaceWith(t, tf, simulator.Config{ScanDuration: time.Hour})
	w.writeConfig(`action "aether365_run_scan" "weekly" {
  config {
    scan_type = "compliance"
  }
}
`)
	invoke := startTerraform(t, w, "apply", "-invoke=action.aether365_run_scan.weekly", "-auto-approve", "-input=false", "-no-color")
	scanID := invoke.awaitScanStarted(t, w)
	invoke.interrupt(t)
	err := invoke.exitWithin(t, interruptBound)
	output := strings.Join(strings.Fields(invoke.output()), " ")
	// The line that names the scan is printed before the interrupt, so the
	// log keeps the ID whatever happens next.
	if !strings.Contains(output, scanID+" started") {
		t.Errorf("the output lacks the start line naming scan %s:\n%s\n%s", scanID, invoke.stdout.String(), invoke.stderr.String())
	}
	// Terraform 1.15 sometimes stops reading an interrupted invocation
	// before its diagnostics arrive, and then exits 0 ("Apply complete!").
	// When it does report them, they must name the scan that keeps running.
	if strings.Contains(output, "Interrupted While Waiting for Aether365 Scan") {
		if err == nil {
			t.Errorf("Terraform reported the interrupted wait but exited 0")
		}
		if !strings.Contains(output, "Scan "+scanID+" keeps running in Aether365") {
			t.Errorf("the interrupted invocation's error does not name scan %s:\n%s", scanID, invoke.stderr.String())
		}
	} else {
		t.Logf("Terraform did not report the action's diagnostics after the interrupt (exit error: %v)", err)
	}
	if n := w.sim.ScanCount(w.tenant); n != 1 {
		t.Errorf("%d scans, want the one interrupted", n)
	}
}

// runningTerraform is a terraform command started in its own process group
// (the workspace's command puts it there), so that a signal to the group
// reaches Terraform and its provider plugin together, as Ctrl-C in a
// terminal does.
type runningTerraform struct {
	cmd            *exec.Cmd
	stdout, stderr *syncbuffer.Buffer
	exited         chan error
}

// startTerraform starts terraform args... in the workspace, for at most two
// minutes.
func startTerraform(t *testing.T, w *workspace, args ...string) *runningTerraform {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	r := &runningTerraform{stdout: &syncbuffer.Buffer{}, stderr: &syncbuffer.Buffer{}, exited: make(chan error, 1)}
	r.cmd = w.command(ctx, nil, args...)
	r.cmd.Stdout, r.cmd.Stderr = r.stdout, r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { r.exited <- r.cmd.Wait() }()
	return r
}

func startApply(t *testing.T, w *workspace) *runningTerraform {
	t.Helper()
	return startTerraform(t, w, "apply", "-auto-approve", "-input=false", "-no-color")
}

// output is what terraform printed so far, stdout then stderr.
func (r *runningTerraform) output() string { return r.stdout.String() + r.stderr.String() }

// fail kills the process group and fails the test with terraform's output.
func (r *runningTerraform) fail(t *testing.T, format string, args ...any) {
	t.Helper()
	_ = syscall.Kill(-r.cmd.Process.Pid, syscall.SIGKILL)
	t.Fatalf(format+"\nstdout:\n%s\nstderr:\n%s", append(args, r.stdout.String(), r.stderr.String())...)
}

// awaitScanStarted returns the ID of the workspace tenant's one scan once the
// simulator holds it and the provider has had a moment to wait on it.
func (r *runningTerraform) awaitScanStarted(t *testing.T, w *workspace) string {
	t.Helper()
	if !waitFor(time.Minute, func() bool { return w.sim.ScanCount(w.tenant) == 1 }) {
		r.fail(t, "no scan was started within a minute")
	}
	time.Sleep(500 * time.Millisecond)
	return w.sim.ScanIDs(w.tenant)[0]
}

// interrupt sends SIGINT to the process group, as Ctrl-C does.
func (r *runningTerraform) interrupt(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(-r.cmd.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
}

// exitWithin waits up to bound for terraform to exit and returns its exit
// error; still running after bound fails the test.
func (r *runningTerraform) exitWithin(t *testing.T, bound time.Duration) error {
	t.Helper()
	select {
	case err := <-r.exited:
		return err
	case <-time.After(bound):
		r.fail(t, "terraform %s still running %s after the signal", strings.Join(r.cmd.Args[1:], " "), bound)
		return nil
	}
}
