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

// An empty -show file (what `terraform show -json > show.json` leaves when
// terraform fails) or one that is not `terraform show -json` output is an
// error, not a report of nothing; so is a -log with no line of a -json log.
func TestEmptyOrInvalidInputIsAnError(t *testing.T) {
	for name, tc := range map[string]struct {
		flag, content string
	}{
		"empty show":      {"-show", ""},
		"blank show":      {"-show", " \n"},
		"null show":       {"-show", "null"},
		"array show":      {"-show", "[]"},
		"empty object":    {"-show", "{}"},
		"empty log":       {"-log", ""},
		"log of no JSON":  {"-log", "Error: Failed to load plugin schemas\n"},
		"log of one null": {"-log", "null\n"},
	} {
		t.Run(name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "input.json")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			sarifPath := filepath.Join(t.TempDir(), "report.sarif")
			var stderr bytes.Buffer
			code := run(context.Background(), []string{tc.flag, path, "-json", "", "-sarif", sarifPath, "-config", t.TempDir()},
				&bytes.Buffer{}, &stderr, os.Getenv)
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			if !strings.Contains(stderr.String(), tc.flag) || !strings.Contains(stderr.String(), "-json") {
				t.Errorf("the error does not name the input and what it should hold: %s", stderr.String())
			}
			if _, err := os.Stat(sarifPath); !os.IsNotExist(err) {
				t.Errorf("a SARIF file was written (%v)", err)
			}
		})
	}
}

// Each output is written whatever happened to the others, and every
// failure is reported.
func TestEachOutputIsWrittenWhenAnotherFails(t *testing.T) {
	show := stateJSON(t, completedScan("scan_out", 1, 1, 0, 50),
		map[string]any{"address": "data.aether365_scan_results.all", "values": map[string]any{
			"scan_id": "scan_out", "result": "all", "results": []any{result("result_1", "AE.1102", "failed", "low")},
		}})
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-directory")
	junitPath, mdPath := filepath.Join(dir, "junit.xml"), filepath.Join(dir, "summary.md")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-show", writeFile(t, show),
		"-json", filepath.Join(missing, "report.json"), "-markdown", mdPath,
		"-sarif", filepath.Join(missing, "report.sarif"), "-junit", junitPath, "-config", writeConfigDir(t, gateConfig)},
		&bytes.Buffer{}, &stderr, os.Getenv)
	if code != exitFailure {
		t.Errorf("exit %d, want %d", code, exitFailure)
	}
	for _, path := range []string{junitPath, mdPath} {
		if _, err := os.Stat(path); err != nil {
			t.Errorf("%s was not written: %v", filepath.Base(path), err)
		}
	}
	for _, want := range []string{"writing the JSON report", "writing SARIF"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("stderr does not report %q:\n%s", want, stderr.String())
		}
	}
}

// What the command prints on stderr stays one line per message, each
// starting with its name: input (a scan ID, an API's error message) can
// neither start a line of its own (a GitHub workflow command, "::...")
// nor break one.
func TestStderrLinesCannotBeInjected(t *testing.T) {
	show := stateJSON(t, completedScan("scan_x\n::error::Injected\r\n## Injected\u2028::warning::x", 1, 1, 0, 50))
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-show", writeFile(t, show), "-json", "", "-sarif", filepath.Join(t.TempDir(), "r.sarif"),
		"-config", t.TempDir()}, &bytes.Buffer{}, &stderr, os.Getenv)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "Injected") {
		t.Fatalf("stderr does not mention the scan at all:\n%s", stderr.String())
	}
	for _, line := range strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n") {
		if !strings.HasPrefix(line, "aether365-report: ") || strings.ContainsAny(line, "\r\u2028") {
			t.Errorf("line %q does not start with the command's name, or breaks", line)
		}
	}
}
