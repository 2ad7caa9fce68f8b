package simtest

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/syncbuffer"
)

// ReadyPrefix starts the one line aether365-sim prints on stdout once it
// listens; the base URL follows it.
const ReadyPrefix = "aether365-sim listening on "

// stopGrace is how long Stop waits after SIGTERM before it kills.
const stopGrace = 5 * time.Second

// Process is a running aether365-sim.
type Process struct {
	// URL is the base URL from the ready line.
	URL string

	cmd  *exec.Cmd
	done chan struct{}
	err  error // cmd.Wait's, once done is closed

	rest syncbuffer.Buffer // stdout after the ready line
}

// StartProcess starts cmd, an aether365-sim command line, and waits up to
// limit for its ready line. cmd.Stdout must be unset; set cmd.Stderr to keep
// the request log. The process gets its own process group, killed when a
// cmd made with exec.CommandContext sees its context end.
func StartProcess(ctx context.Context, cmd *exec.Cmd, limit time.Duration) (*Process, error) {
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	ownProcessGroup(cmd)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	p := &Process{cmd: cmd, done: make(chan struct{})}
	ready := make(chan string, 1)
	go func() {
		p.read(stdout, ready)
		p.err = cmd.Wait() // only once stdout is drained, as exec requires
		close(p.done)
	}()
	timer := time.NewTimer(limit)
	defer timer.Stop()
	select {
	case p.URL = <-ready:
		return p, nil
	case <-p.done:
		return nil, fmt.Errorf("%s exited before it was ready: %v", cmd.Path, p.err)
	case <-timer.C:
		_ = p.Stop()
		return nil, fmt.Errorf("%s did not report its address within %s", cmd.Path, limit)
	case <-ctx.Done():
		_ = p.Stop()
		return nil, ctx.Err()
	}
}

// read passes the ready line's URL to ready and keeps the lines after it.
func (p *Process) read(stdout io.Reader, ready chan<- string) {
	scanner := bufio.NewScanner(stdout)
	announced := false
	for scanner.Scan() {
		line := scanner.Text()
		if url, ok := strings.CutPrefix(line, ReadyPrefix); ok && !announced {
			announced = true
			ready <- strings.TrimSpace(url)
			continue
		}
		_, _ = p.rest.Write([]byte(line + "\n"))
	}
	_, _ = io.Copy(io.Discard, stdout)
}

// Stdout returns what the process printed on stdout besides the ready line.
func (p *Process) Stdout() string { return p.rest.String() }

// Cmd is the running command, to signal it.
func (p *Process) Cmd() *exec.Cmd { return p.cmd }

// Wait waits up to limit for the process to exit by itself and returns its
// exit error; it reports a process still running after limit.
func (p *Process) Wait(limit time.Duration) error {
	select {
	case <-p.done:
		return p.err
	case <-time.After(limit):
		return fmt.Errorf("%s still running after %s", p.cmd.Path, limit)
	}
}

// Stop ends the process group (SIGTERM, then SIGKILL after a grace period)
// and returns the process's exit error. Stopping a stopped process is fine.
func (p *Process) Stop() error {
	select {
	case <-p.done:
		return p.err
	default:
	}
	signalGroup(p.cmd, false)
	select {
	case <-p.done:
	case <-time.After(stopGrace):
		signalGroup(p.cmd, true)
		<-p.done
	}
	return p.err
}
