//go:build unix

package e2e

import (
	"bytes"
	"context"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// Ctrl-C during `terraform apply -invoke` while the scan runs: Terraform
// exits promptly and says the scan goes on in Aether365, naming it.
func TestInterruptedInvokeNamesTheScanThatKeepsRunning(t *testing.T) {
	tf := binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for actions")
	w := newWorkspaceWith(t, tf, simulator.Config{ScanDuration: time.Hour})
	w.writeMain(`action "aether365_run_scan" "weekly" {
  config {
    scan_type = "compliance"
  }
}
`)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	invoke := w.command(ctx, nil, "apply", "-invoke=action.aether365_run_scan.weekly", "-auto-approve", "-input=false", "-no-color")
	// Its own process group, so the signal reaches Terraform and the plugin
	// together, as Ctrl-C in a terminal does.
	invoke.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	var stdout, stderr bytes.Buffer
	invoke.Stdout, invoke.Stderr = &stdout, &stderr
	if err := invoke.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- invoke.Wait() }()

	if !waitFor(time.Minute, func() bool { return w.sim.ScanCount(w.tenant) == 1 }) {
		_ = syscall.Kill(-invoke.Process.Pid, syscall.SIGKILL)
		t.Fatalf("no scan was started within a minute\nstdout:\n%s\nstderr:\n%s", stdout.String(), stderr.String())
	}
	time.Sleep(500 * time.Millisecond)
	scanID := w.sim.ScanIDs(w.tenant)[0]
	if err := syscall.Kill(-invoke.Process.Pid, syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-exited:
	case <-time.After(interruptBound):
		_ = syscall.Kill(-invoke.Process.Pid, syscall.SIGKILL)
		t.Fatalf("terraform apply -invoke still running %s after SIGINT\nstdout:\n%s\nstderr:\n%s", interruptBound, stdout.String(), stderr.String())
	}
	output := strings.Join(strings.Fields(stdout.String()+stderr.String()), " ")
	// The line that names the scan is printed before the interrupt, so the
	// log keeps the ID whatever happens next.
	if !strings.Contains(output, scanID+" started") {
		t.Errorf("the output lacks the start line naming scan %s:\n%s\n%s", scanID, stdout.String(), stderr.String())
	}
	// Terraform 1.15 sometimes stops reading an interrupted invocation
	// before its diagnostics arrive, and then exits 0 ("Apply complete!").
	// When it does report them, they must name the scan that keeps running.
	if strings.Contains(output, "Interrupted While Waiting for Aether365 Scan") {
		if err == nil {
			t.Errorf("Terraform reported the interrupted wait but exited 0")
		}
		if !strings.Contains(output, "Scan "+scanID+" keeps running in Aether365") {
			t.Errorf("the interrupted invocation's error does not name scan %s:\n%s", scanID, stderr.String())
		}
	} else {
		t.Logf("Terraform did not report the action's diagnostics after the interrupt (exit error: %v)", err)
	}
	if n := w.sim.ScanCount(w.tenant); n != 1 {
		t.Errorf("%d scans, want the one interrupted", n)
	}
}
