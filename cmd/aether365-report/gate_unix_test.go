//go:build unix

package main

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// Only regular files are read: a directory named x.tf is skipped (as
// Terraform skips it) and a FIFO named zz.tf neither fails the report nor
// blocks it.
func TestConfigurationReadsOnlyRegularFiles(t *testing.T) {
	dir := writeConfigDir(t, gateConfig)
	if err := os.Mkdir(filepath.Join(dir, "x.tf"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(dir, "zz.tf"), 0o600); err != nil {
		t.Skipf("no FIFO here: %v", err)
	}
	if err := os.Symlink(os.DevNull, filepath.Join(dir, "null.tf")); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		c   *configuration
		err error
	}
	done := make(chan answer, 1)
	go func() {
		c, err := readConfiguration(dir)
		done <- answer{c, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			t.Fatal(a.err)
		}
		if got, err := a.c.gateFor("aether365_scan.gate"); err != nil || got.File != "main.tf" || got.StartLine != 7 {
			t.Errorf("gate %+v, %v; want main.tf:7", got, err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("reading the configuration blocks on the FIFO")
	}
}
