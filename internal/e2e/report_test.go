package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// report is the part of aether365-report's JSON the tests read.
type report struct {
	Gate  string `json:"gate"`
	Scans []struct {
		Address          string         `json:"address"`
		ID               string         `json:"id"`
		TenantID         *string        `json:"tenant_id"`
		Status           string         `json:"status"`
		Score            *float64       `json:"score"`
		PassCount        *int           `json:"pass_count"`
		FailCount        *int           `json:"fail_count"`
		SkipCount        *int           `json:"skip_count"`
		FailedBySeverity map[string]int `json:"failed_by_severity"`
		TopFailures      []struct {
			TestID    string `json:"test_id"`
			Severity  string `json:"severity"`
			Framework string `json:"framework"`
		} `json:"top_failures"`
		TopFailuresSource string `json:"top_failures_source"`
	} `json:"scans"`
	Checks []struct {
		Address, Status string
		Problems        []string
	} `json:"checks"`
	Errors []struct{ Summary, Detail string } `json:"errors"`
}

// runReport runs aether365-report in the workspace with the workspace's
// environment (API key and base URL, as a pipeline step has them) and
// returns the decoded JSON report, the Markdown and the exit code.
func (w *workspace) runReport(t *testing.T, bin string, args ...string) (report, string, int) {
	t.Helper()
	jsonPath, mdPath := filepath.Join(w.dir, "report.json"), filepath.Join(w.dir, "summary.md")
	_ = os.Remove(mdPath)
	out, code := runCommand(t, w.dir, w.Env, bin, append(args, "-json", jsonPath, "-markdown", mdPath)...)
	if strings.Contains(out, w.apiKey) {
		t.Fatalf("aether365-report printed the API key:\n%s", out)
	}
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatalf("no JSON report (exit %d): %v\n%s", code, err, out)
	}
	var r report
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decoding the report: %v\n%s", err, raw)
	}
	md, err := os.ReadFile(mdPath)
	if err != nil {
		t.Fatalf("no Markdown report: %v", err)
	}
	return r, string(md), code
}

// failedGateWorkspace is the CI guide's example after its postcondition
// failed a 60% scan: apply.json holds the apply's -json log and show.json
// the state as `terraform show -json` prints it.
func failedGateWorkspace(t *testing.T) *workspace {
	t.Helper()
	w := newExampleWorkspace(t, "ci-cd-pipeline")
	w.sim.SetScore(60)
	w.sim.SetScanDuration(0)
	applyLog := w.run(nil, "apply", "-input=false", "-auto-approve", "-json", "-var", "run_id=42")
	if applyLog.err == nil {
		t.Fatalf("the apply passed a 60%% scan; want the postcondition to fail it:\n%s", applyLog.stdout)
	}
	w.write(filepath.Join(w.dir, "apply.json"), applyLog.stdout)
	w.write(filepath.Join(w.dir, "show.json"), w.mustRun(nil, "show", "-json").stdout)
	return w
}

// TestReportAfterFailedGate fails the CI guide's postcondition and runs the
// guide's report step: the score, status, scan ID, failed counts and top
// failures must all be there although the apply failed.
func TestReportAfterFailedGate(t *testing.T) {
	bin := buildCommand(t, "aether365-report")
	w := failedGateWorkspace(t)

	r, md, code := w.runReport(t, bin, "-show", "show.json", "-log", "apply.json", "-from-api", "-top", "5", "-fail-on-gate")
	if code != 3 {
		t.Errorf("exit code %d, want 3 (-fail-on-gate on a failed gate)", code)
	}
	if r.Gate != "failed" || len(r.Scans) != 1 {
		t.Fatalf("gate %q with %d scans; want failed with the pipeline's scan", r.Gate, len(r.Scans))
	}
	scan := r.Scans[0]
	ids := w.sim.ScanIDs(w.tenant)
	if len(ids) != 1 || scan.ID != ids[0] || scan.Address != "aether365_scan.pipeline" {
		t.Errorf("scan %s at %s; the simulator holds %v", scan.ID, scan.Address, ids)
	}
	if scan.Score == nil || *scan.Score != 60 || scan.Status != "completed" {
		t.Errorf("score %v, status %q; want 60, completed", scan.Score, scan.Status)
	}
	// The configuration says tenant_id "me"; the report names the account.
	if scan.TenantID == nil || *scan.TenantID != w.tenant {
		t.Errorf("tenant_id %v; want %s, the key's account", scan.TenantID, w.tenant)
	}
	for _, state := range w.state() {
		if state.Type != "aether365_scan" {
			continue
		}
		for name, got := range map[string]*int{"pass_count": scan.PassCount, "fail_count": scan.FailCount, "skip_count": scan.SkipCount} {
			// terraform-json keeps numbers as json.Number.
			n, ok := state.AttributeValues[name].(json.Number)
			if !ok || got == nil || n.String() != strconv.Itoa(*got) {
				t.Errorf("%s: report %v, state %v", name, got, state.AttributeValues[name])
			}
		}
	}
	// Every failure was read from the API and counted, before -top kept five.
	counted := 0
	for _, severity := range []string{"critical", "high", "medium", "low"} {
		counted += scan.FailedBySeverity[severity]
	}
	if scan.FailCount == nil || counted != *scan.FailCount || len(scan.FailedBySeverity) != 4 {
		t.Errorf("failed_by_severity %v counts %d failures; fail_count is %v", scan.FailedBySeverity, counted, scan.FailCount)
	}
	if scan.TopFailuresSource != "api" || len(scan.TopFailures) != 5 {
		t.Errorf("top failures from %q: %d, want 5 from the API", scan.TopFailuresSource, len(scan.TopFailures))
	}
	if len(scan.TopFailures) > 0 && scan.FailedBySeverity["critical"] > 0 && scan.TopFailures[0].Severity != "critical" {
		t.Errorf("the first top failure is %s; critical failures come first", scan.TopFailures[0].Severity)
	}
	for _, f := range scan.TopFailures {
		if !regexp.MustCompile(`^(CIS\.M365(\.[0-9]+)+|AE\.[0-9]+)$`).MatchString(f.TestID) || f.Framework == "" {
			t.Errorf("top failure %+v lacks a test ID or framework", f)
		}
	}
	if len(r.Checks) != 1 || r.Checks[0].Status != "fail" || len(r.Checks[0].Problems) != 1 ||
		!strings.Contains(r.Checks[0].Problems[0], "below the 75% threshold") {
		t.Errorf("checks = %+v; want the postcondition failed with its message", r.Checks)
	}
	if len(r.Errors) == 0 || r.Errors[0].Summary != "Resource postcondition failed" {
		t.Errorf("errors = %+v; want the postcondition's", r.Errors)
	}
	for _, want := range []string{"❌ failed", scan.ID, "| 60% |", "Top failures"} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown summary lacks %q:\n%s", want, md)
		}
	}
}

// TestContinuousValidationAlerting runs the continuous-validation guide's
// alerting step on a saved plan: exit 3 when a check block fails, 0 when
// every check passes. plan -detailed-exitcode cannot tell these apart.
func TestContinuousValidationAlerting(t *testing.T) {
	bin := buildCommand(t, "aether365-report")
	w := newExampleWorkspace(t, "continuous-validation")

	alert := func() (report, string, int) {
		t.Helper()
		w.mustRun(nil, "plan", "-input=false", "-out=tfplan")
		shown := w.mustRun(nil, "show", "-json", "tfplan")
		w.write(filepath.Join(w.dir, "plan.json"), shown.stdout)
		return w.runReport(t, bin, "-show", "plan.json", "-fail-on-gate")
	}
	checkStatus := func(r report) map[string]string {
		statuses := map[string]string{}
		for _, c := range r.Checks {
			statuses[c.Address] = c.Status
		}
		return statuses
	}

	w.completedScan(t, 100) // no failure at all: every check passes
	r, md, code := alert()
	if code != 0 || r.Gate != "passed" {
		t.Fatalf("all checks should pass: exit %d, gate %q, checks %v\n%s", code, r.Gate, checkStatus(r), md)
	}
	if len(r.Checks) != 4 {
		t.Errorf("want the guide's four checks, got %v", checkStatus(r))
	}

	w.completedScan(t, 72.5)
	r, md, code = alert()
	if code != 3 || r.Gate != "failed" {
		t.Fatalf("a 72.5%% score should fail security_score: exit %d, gate %q, checks %v", code, r.Gate, checkStatus(r))
	}
	if got := checkStatus(r)["check.security_score"]; got != "fail" {
		t.Errorf("check.security_score is %q, want fail; checks %v", got, checkStatus(r))
	}
	if !strings.Contains(md, "The latest compliance score is 72.5%, below 80%") {
		t.Errorf("the summary does not carry the check's message:\n%s", md)
	}
}

// TestReportAfterFailedPlan fails the plan-time gate: a failed plan leaves
// no state, so the report reads the -json log, whose error carries the
// precondition's message with the score and the scan ID.
func TestReportAfterFailedPlan(t *testing.T) {
	bin := buildCommand(t, "aether365-report")
	w := newExampleWorkspace(t, "plan-time-gate")
	scan := w.completedScan(t, 64.7)

	plan := w.run(nil, "plan", "-input=false", "-json")
	if plan.err == nil {
		t.Fatalf("the plan passed a 64.7%% scan:\n%s", plan.stdout)
	}
	w.write(filepath.Join(w.dir, "plan.log"), plan.stdout)

	r, md, code := w.runReport(t, bin, "-log", "plan.log", "-fail-on-gate")
	if code != 3 || r.Gate != "failed" {
		t.Fatalf("exit %d, gate %q; want 3, failed", code, r.Gate)
	}
	if len(r.Errors) != 1 || r.Errors[0].Summary != "Resource precondition failed" ||
		!strings.Contains(r.Errors[0].Detail, "Security score 64.7% (scan "+scan.ID) {
		t.Errorf("errors = %+v; want the precondition's, with the score and scan ID", r.Errors)
	}
	if !strings.Contains(md, "Security score 64.7% (scan "+scan.ID) {
		t.Errorf("the summary does not carry the gate's message:\n%s", md)
	}
}
