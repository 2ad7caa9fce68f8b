package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBadCommandLines(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-top", "-1", "-show", "x.json"},
		{"-show", "x.json", "extra"},
	} {
		var stderr bytes.Buffer
		if code := run(context.Background(), args, &bytes.Buffer{}, &stderr, os.Getenv); code != exitBadUsage {
			t.Errorf("%q: exit %d, want %d", args, code, exitBadUsage)
		}
		if stderr.Len() == 0 {
			t.Errorf("%q: no message on stderr", args)
		}
	}
}

func TestUnreadableInputIsAnError(t *testing.T) {
	dir := t.TempDir()
	notJSON := filepath.Join(dir, "show.json")
	if err := os.WriteFile(notJSON, []byte("No outputs found."), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"-show", notJSON}, &bytes.Buffer{}, &stderr, os.Getenv); code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	if !strings.Contains(stderr.String(), "terraform show -json") {
		t.Errorf("the error does not say what input is expected: %s", stderr.String())
	}
}

func TestNoChecksIsNotAPass(t *testing.T) {
	r, err := buildReport([]byte(`{"format_version":"1.0","values":{"root_module":{}}}`), nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Gate != gateUnknown {
		t.Errorf("gate %q for a state without check results, want %q", r.Gate, gateUnknown)
	}
}

func TestFailedCheckBlockInLogFailsTheGate(t *testing.T) {
	log := `{"type":"version"}
not json from a wrapper
{"type":"diagnostic","diagnostic":{"severity":"warning","summary":"Check block assertion failed","detail":"score 72%","address":"check.security_score"}}
`
	r, err := buildReport(nil, []byte(log))
	if err != nil {
		t.Fatal(err)
	}
	if r.Gate != gateFailed || len(r.Warnings) != 1 || r.Warnings[0].Address != "check.security_score" {
		t.Errorf("report %+v; want a failed gate with the check's warning", r)
	}
}

func TestMarkdownCellsStayOnOneRow(t *testing.T) {
	if got := cell("a | b\n`c`"); got != "a \\| b 'c'" {
		t.Errorf("cell = %q", got)
	}
}
