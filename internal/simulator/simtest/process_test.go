//go:build unix

package simtest

import (
	"context"
	"os/exec"
	"strings"
	"testing"
	"time"
)

func TestStartProcessReadsTheReadyLineAndKeepsTheRest(t *testing.T) {
	cmd := exec.Command("sh", "-c", `echo "`+ReadyPrefix+`http://127.0.0.1:9"; echo later; exec sleep 60`)
	p, err := StartProcess(context.Background(), cmd, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if p.URL != "http://127.0.0.1:9" {
		t.Errorf("URL = %q", p.URL)
	}
	// The shell echoes "later" after the ready line; a Stop before that
	// would kill it first, so wait for the line (bounded) before stopping.
	for deadline := time.Now().Add(10 * time.Second); p.Stdout() == "" && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if err := p.Stop(); err == nil {
		t.Error("Stop of a sleeping process reported a clean exit, want the SIGTERM")
	}
	if p.Stdout() != "later\n" {
		t.Errorf("Stdout = %q, want the line after the ready line", p.Stdout())
	}
}

func TestStartProcessReportsAnEarlyExitAndASilentProcess(t *testing.T) {
	_, err := StartProcess(context.Background(), exec.Command("sh", "-c", "echo nothing to see; exit 3"), 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "exited before it was ready") {
		t.Errorf("early exit: err = %v", err)
	}
	_, err = StartProcess(context.Background(), exec.Command("sleep", "60"), 100*time.Millisecond)
	if err == nil || !strings.Contains(err.Error(), "did not report its address within") {
		t.Errorf("silent process: err = %v", err)
	}
}
