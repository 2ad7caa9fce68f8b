package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joshdk/go-junit"
)

// The JUnit file, as a consumer's parser reads it: a suite of Terraform's
// checks and errors, and a suite per scan with a test case for every check
// the report read (not only the top failures), failures as failures.
func TestJUnitOfAFailedGate(t *testing.T) {
	scan := completedScan("scan_junit", 1, 2, 1, 33.3)
	show := stateJSON(t, scan,
		map[string]any{"address": "data.aether365_scan_results.all", "values": map[string]any{
			"scan_id": "scan_junit", "result": "all",
			"results": []any{
				result("result_1", "CIS.M365.1.1.1", "failed", "high"),
				result("result_2", "AE.1001", "passed", "critical"),
				result("result_3", "AE.1102", "failed", "low"),
				result("result_4", "AE.1068", "skipped", "medium"),
			},
		}},
	)
	var state map[string]any
	if err := json.Unmarshal(show, &state); err != nil {
		t.Fatal(err)
	}
	state["checks"] = []any{map[string]any{
		"address": map[string]any{"kind": "resource", "to_display": "aether365_scan.gate", "mode": "managed", "type": "aether365_scan", "name": "gate"},
		"status":  "fail",
		"instances": []any{map[string]any{
			"address":  map[string]any{"to_display": "aether365_scan.gate"},
			"status":   "fail",
			"problems": []any{map[string]any{"message": "Security score 33.3% is below 75%"}},
		}},
	}}
	log := `{"type":"diagnostic","diagnostic":{"severity":"error","summary":"Resource postcondition failed","detail":"Security score 33.3% is below 75%","address":"aether365_scan.gate"}}
{"type":"diagnostic","diagnostic":{"severity":"error","summary":"Aether365 Scan Quota Used Up","detail":"429"}}
`
	dir := t.TempDir()
	logPath, junitPath := filepath.Join(dir, "apply.json"), filepath.Join(dir, "junit.xml")
	if err := os.WriteFile(logPath, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	withChecks, err := json.Marshal(state)
	if err != nil {
		t.Fatal(err)
	}
	code := run(context.Background(), []string{"-show", writeFile(t, withChecks), "-log", logPath, "-json", "", "-top", "1",
		"-junit", junitPath}, &bytes.Buffer{}, &stderr, os.Getenv)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	suites, err := junit.IngestFile(junitPath)
	if err != nil {
		t.Fatalf("the JUnit file does not parse: %v", err)
	}
	if len(suites) != 2 {
		t.Fatalf("%d suites, want Terraform's and the scan's", len(suites))
	}
	statuses := func(s junit.Suite) string {
		var out []string
		for _, test := range s.Tests {
			out = append(out, test.Name+"="+string(test.Status))
		}
		return strings.Join(out, ", ")
	}
	// The postcondition's error is the failed check; the quota error is the run's own.
	if got, want := statuses(suites[0]), "aether365_scan.gate=failed, Aether365 Scan Quota Used Up=error"; got != want {
		t.Errorf("Terraform suite: %s; want %s", got, want)
	}
	if got, want := statuses(suites[1]),
		"CIS.M365.1.1.1: Check CIS.M365.1.1.1=failed, AE.1001: Check AE.1001=passed, AE.1102: Check AE.1102=failed, AE.1068: Check AE.1068=skipped"; got != want {
		t.Errorf("scan suite: %s; want %s", got, want)
	}
	if got := suites[1].Totals; got.Tests != 4 || got.Failed != 2 || got.Skipped != 1 || got.Passed != 1 {
		t.Errorf("scan suite totals %+v", got)
	}
	failure, ok := suites[1].Tests[0].Error.(junit.Error)
	if !ok || failure.Message != "high: Check CIS.M365.1.1.1" || !strings.Contains(failure.Body, "Fix CIS.M365.1.1.1") ||
		suites[1].Properties["scan_id"] != "scan_junit" {
		t.Errorf("failure %+v (suite properties %v); want the severity, title and remediation", failure, suites[1].Properties)
	}
}
