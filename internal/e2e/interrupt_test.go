//go:build unix

package e2e

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// interruptBound is how soon after Ctrl-C Terraform must have exited.
const interruptBound = 15 * time.Second

// Ctrl-C during `terraform apply` while a scan runs: Terraform exits
// promptly, the scan's ID is in the state file (tainted, not lost), and the
// next apply replaces it. The server ends with exactly two scans: the
// interrupted one and its replacement; nothing orphaned, nothing duplicated.
func TestInterruptedApplyKeepsTheScanAndTheNextApplyReplacesIt(t *testing.T) {
	w := newWorkspace(t, simulator.Config{ScanDuration: time.Hour, Seed: 365})
	w.writeConfig(`resource "aether365_scan" "gate" {
  scan_type = "compliance"
}
`)

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// command gives it its own process group, so the signal reaches Terraform
	// and its provider plugin together, as Ctrl-C in a terminal does.
	apply := w.command(ctx, nil, "apply", "-auto-approve", "-input=false", "-no-color")
	var stdout, stderr bytes.Buffer
	apply.Stdout, apply.Stderr = &stdout, &stderr
	if err := apply.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- apply.Wait() }()

	// Interrupt only once the scan exists on the server and is being waited for.
	if !waitFor(time.Minute, func() bool { return w.sim.ScanCount(w.tenant) == 1 }) {
		_ = syscall.Kill(-apply.Process.Pid, syscall.SIGKILL)
		t.Fatalf("no scan was started within a minute\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	time.Sleep(500 * time.Millisecond)
	interruptedID := w.sim.ScanIDs(w.tenant)[0]

	signalled := time.Now()
	if err := syscall.Kill(-apply.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(interruptBound):
		_ = syscall.Kill(-apply.Process.Pid, syscall.SIGKILL)
		t.Fatalf("terraform apply still running %s after SIGINT\nstdout:\n%s\nstderr:\n%s", interruptBound, stdout.String(), stderr.String())
	}
	took := time.Since(signalled)
	t.Logf("terraform apply exited %s after SIGINT", took.Round(time.Millisecond))
	var exitErr *exec.ExitError
	if !errors.As(err, &exitErr) {
		t.Fatalf("interrupted apply: err = %v, want a non-zero exit\nstdout:\n%s\nstderr:\n%s", err, stdout.String(), stderr.String())
	}
	output := stdout.String() + stderr.String()
	for _, want := range []string{"Interrupt received", "Interrupted While Waiting for Aether365 Scan", interruptedID} {
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

	// The next apply, with scans finishing at once, replaces the tainted scan.
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
