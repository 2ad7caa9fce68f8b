package e2e

import (
	"bytes"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joshdk/go-junit"
	"github.com/santhosh-tekuri/jsonschema/v6"
)

// TestReportCIFormatsAfterFailedGate runs the CI guide's report step after
// a failed gate, through the real terraform: the SARIF is valid SARIF 2.1.0
// with every failed check at the postcondition of main.tf, and the JUnit
// file parses, with the gate and every failed check as failures.
func TestReportCIFormatsAfterFailedGate(t *testing.T) {
	bin := buildCommand(t, "aether365-report")
	w := failedGateWorkspace(t)

	r, md, code := w.runReport(t, bin, "-show", "show.json", "-log", "apply.json", "-from-api",
		"-sarif", "aether365.sarif", "-junit", "aether365-junit.xml", "-fail-on-gate")
	if code != 3 || r.Gate != "failed" || len(r.Scans) != 1 || r.Scans[0].FailCount == nil {
		t.Fatalf("exit %d, gate %q, scans %+v; want 3 and the failed gate's scan", code, r.Gate, r.Scans)
	}
	scan := r.Scans[0]
	if !strings.Contains(md, "❌ failed") {
		t.Errorf("the summary does not show the failed gate:\n%s", md)
	}

	raw := []byte(w.read("aether365.sarif"))
	compiler := jsonschema.NewCompiler()
	compiler.AssertFormat()
	schema, err := compiler.Compile(filepath.Join(repoRoot(t), "cmd", "aether365-report", "testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("not valid SARIF 2.1.0: %v", err)
	}
	var sarif struct {
		Runs []struct {
			Results []struct {
				RuleID    string `json:"ruleId"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct{ URI string }
						Region           struct{ StartLine int }
					}
				}
				PartialFingerprints map[string]string
			}
		}
	}
	if err := json.Unmarshal(raw, &sarif); err != nil {
		t.Fatal(err)
	}
	results := sarif.Runs[0].Results
	if len(results) != *scan.FailCount {
		t.Errorf("%d SARIF results; want one per failed check, %d", len(results), *scan.FailCount)
	}
	postcondition := lineOf(t, w.read("main.tf"), "postcondition {")
	for _, res := range results {
		at := res.Locations[0].PhysicalLocation
		if at.ArtifactLocation.URI != "main.tf" || at.Region.StartLine != postcondition || len(res.PartialFingerprints) != 1 {
			t.Errorf("%s at %s:%d; want main.tf:%d, the postcondition, with a fingerprint", res.RuleID,
				at.ArtifactLocation.URI, at.Region.StartLine, postcondition)
		}
	}

	suites, err := junit.IngestFile(filepath.Join(w.dir, "aether365-junit.xml"))
	if err != nil {
		t.Fatalf("the JUnit file does not parse: %v", err)
	}
	if len(suites) != 2 {
		t.Fatalf("%d suites; want Terraform's checks and the scan's", len(suites))
	}
	if gate := suites[0].Tests; len(gate) != 1 || gate[0].Name != "aether365_scan.pipeline" || gate[0].Status != junit.StatusFailed {
		t.Errorf("Terraform suite %+v; want the postcondition, failed", gate)
	}
	totals := suites[1].Totals
	if totals.Failed != *scan.FailCount || totals.Passed != *scan.PassCount || totals.Skipped != *scan.SkipCount {
		t.Errorf("scan suite totals %+v; want the scan's %d failed, %d passed, %d skipped",
			totals, *scan.FailCount, *scan.PassCount, *scan.SkipCount)
	}
}

// TestReportIsOfThisRun is the CI guide's second run: a passed gate, then
// a failed one with the state kept (a backend). terraform output still
// prints the first run's score, as the guide warns; the report reads this
// run's scan.
func TestReportIsOfThisRun(t *testing.T) {
	bin := buildCommand(t, "aether365-report")
	w := newExampleWorkspace(t, "ci-cd-pipeline")
	w.sim.SetScanDuration(0)
	w.sim.SetScore(88)
	w.mustRun(nil, "apply", "-input=false", "-auto-approve", "-var", "run_id=1")

	w.sim.SetScore(60)
	if failed := w.run(nil, "apply", "-input=false", "-auto-approve", "-var", "run_id=2"); failed.err == nil {
		t.Fatal("the second apply passed a 60% scan")
	}
	if stale := strings.TrimSpace(w.mustRun(nil, "output", "-raw", "score").stdout); stale != "88" {
		t.Logf("terraform output now prints %q after the failed gate; the guide says it keeps the last passed run's 88", stale)
		t.Fail()
	}
	w.write(filepath.Join(w.dir, "show.json"), w.mustRun(nil, "show", "-json").stdout)
	r, _, code := w.runReport(t, bin, "-show", "show.json", "-fail-on-gate")
	if code != 3 || r.Gate != "failed" || len(r.Scans) != 1 || r.Scans[0].Score == nil || *r.Scans[0].Score != 60 {
		t.Errorf("exit %d, gate %q, scans %+v; want 3, failed, this run's 60%% scan", code, r.Gate, r.Scans)
	}
	if ids := w.sim.ScanIDs(w.tenant); len(ids) != 2 || len(r.Scans) == 1 && r.Scans[0].ID != ids[1] {
		t.Errorf("the report's scan is not the second run's: simulator %v", ids)
	}
}

// lineOf is the 1-based line of content's first line containing s.
func lineOf(t *testing.T, content, s string) int {
	t.Helper()
	for i, line := range strings.Split(content, "\n") {
		if strings.Contains(line, s) {
			return i + 1
		}
	}
	t.Fatalf("no line contains %q", s)
	return 0
}
