// Command rsswrap measures a Terraform provider's peak memory. Built under
// the provider's name (terraform-provider-aether365) into the directory a
// dev_overrides entry points at, it runs the real provider
// ($RSSWRAP_TARGET) as its child with the same arguments, environment and
// standard streams (go-plugin's handshake line and gRPC pass straight
// through), waits for it, and appends the child's peak resident set size to
// $RSSWRAP_OUT as a JSON line, {"maxrss_kib": N, "args": [...]}. Terraform
// may start the provider several times per command; each start adds a line.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"syscall"
)

// Record is one line of $RSSWRAP_OUT: one start of the provider.
type Record struct {
	MaxRSSKiB int64    `json:"maxrss_kib"`
	Args      []string `json:"args"`
}

func main() {
	target, out := os.Getenv("RSSWRAP_TARGET"), os.Getenv("RSSWRAP_OUT")
	if target == "" || out == "" {
		fmt.Fprintln(os.Stderr, "rsswrap: set RSSWRAP_TARGET (the real provider) and RSSWRAP_OUT (the file to append to)")
		os.Exit(2)
	}
	child := exec.Command(target, os.Args[1:]...)
	child.Stdin, child.Stdout, child.Stderr = os.Stdin, os.Stdout, os.Stderr
	child.Env = os.Environ()

	// Terraform stops a provider gracefully over gRPC; a signal sent to us
	// is passed on so the child is never left behind.
	signals := make(chan os.Signal, 4)
	signal.Notify(signals, syscall.SIGINT, syscall.SIGTERM)
	if err := child.Start(); err != nil {
		fmt.Fprintf(os.Stderr, "rsswrap: starting %s: %v\n", target, err)
		os.Exit(1)
	}
	go func() {
		for sig := range signals {
			_ = child.Process.Signal(sig)
		}
	}()
	_ = child.Wait()
	signal.Stop(signals)

	state := child.ProcessState
	if usage, ok := state.SysUsage().(*syscall.Rusage); ok {
		// Linux reports ru_maxrss in KiB.
		line, _ := json.Marshal(Record{MaxRSSKiB: usage.Maxrss, Args: os.Args[1:]})
		if f, err := os.OpenFile(out, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644); err == nil {
			_, _ = f.Write(append(line, '\n'))
			_ = f.Close()
		}
	}
	if code := state.ExitCode(); code >= 0 {
		os.Exit(code)
	}
	os.Exit(1)
}
