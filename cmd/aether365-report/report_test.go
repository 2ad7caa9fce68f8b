package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/joshdk/go-junit"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// stateJSON is `terraform show -json` of a state holding resources (the
// values of each, keyed by address).
func stateJSON(t *testing.T, resources ...map[string]any) []byte {
	t.Helper()
	var list []map[string]any
	for _, r := range resources {
		address, ok := r["address"].(string)
		if !ok {
			t.Fatalf("resource %v has no address", r)
		}
		typ, name, _ := strings.Cut(strings.TrimPrefix(address, "data."), ".")
		mode := "managed"
		if strings.HasPrefix(address, "data.") {
			mode = "data"
		}
		list = append(list, map[string]any{
			"address": address, "mode": mode, "type": typ, "name": name,
			"provider_name": "registry.terraform.io/aether365/aether365", "schema_version": 1,
			"values": r["values"], "sensitive_values": map[string]any{},
		})
	}
	raw, err := json.Marshal(map[string]any{
		"format_version": "1.0", "terraform_version": "1.11.4",
		"values": map[string]any{"root_module": map[string]any{"resources": list}},
	})
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// completedScan is an aether365_scan resource as the provider records it.
func completedScan(id string, passed, failed, skipped int, score float64) map[string]any {
	return map[string]any{"address": "aether365_scan.gate", "values": map[string]any{
		"id": id, "tenant_id": "me", "scan_type": "compliance", "status": "completed", "score": score,
		"started_at": "2026-11-28T10:00:00Z", "completed_at": "2026-11-28T10:14:23Z",
		"pass_count": passed, "fail_count": failed, "skip_count": skipped, "connection_id": nil,
	}}
}

func result(id, testID, outcome, severity string) map[string]any {
	return map[string]any{
		"id": id, "test_id": testID, "title": "Check " + testID, "framework": "cis", "severity": severity,
		"result": outcome, "source_tool": "compliance", "remediation_steps": "1. Fix " + testID + "\n2. Rescan",
		"help_url": "https://www.cisecurity.org/benchmark/microsoft_365",
	}
}

// runReport runs the command with args and returns the decoded JSON report
// (written to a file), the Markdown and the exit code.
func runReport(t *testing.T, getenv func(string) string, args ...string) (Report, string, int) {
	t.Helper()
	r, md, code, _ := runReportWithStderr(t, getenv, args...)
	return r, md, code
}

// runReportWithStderr is runReport that also returns what the command
// printed on stderr.
func runReportWithStderr(t *testing.T, getenv func(string) string, args ...string) (Report, string, int, string) {
	t.Helper()
	dir := t.TempDir()
	jsonPath, mdPath := filepath.Join(dir, "report.json"), filepath.Join(dir, "summary.md")
	var stderr bytes.Buffer
	code := run(context.Background(), append(args, "-json", jsonPath, "-markdown", mdPath), &bytes.Buffer{}, &stderr, getenv)
	raw, err := os.ReadFile(jsonPath)
	if err != nil {
		t.Fatalf("no JSON report (exit %d): %v\n%s", code, err, stderr.String())
	}
	var r Report
	if err := json.Unmarshal(raw, &r); err != nil {
		t.Fatalf("decoding the report: %v\n%s", err, raw)
	}
	md, err := os.ReadFile(mdPath)
	if err != nil {
		t.Fatal(err)
	}
	return r, string(md), code, stderr.String()
}

func writeFile(t *testing.T, content []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "show.json")
	if err := os.WriteFile(path, content, 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// The counts come from the scan's pass_count, fail_count and skip_count; the
// failures from the aether365_scan_results of the scan in state, whatever
// the case of their values (the seed's "Failed" and "Critical" included),
// counted by severity before -top keeps the most severe.
func TestScanCountsAndFailuresFromState(t *testing.T) {
	show := stateJSON(t,
		completedScan("scan_abc123", 87, 4, 5, 95.6),
		map[string]any{"address": "data.aether365_scan_results.all", "values": map[string]any{
			"scan_id": "scan_abc123", "result": "all",
			"results": []any{
				result("result_001", "CIS.M365.1.1.1", "failed", "high"),
				result("result_002", "AE.1068", "passed", "critical"),
				result("result_003", "CIS.M365.5.1.2.3", "Failed", "Critical"),
				result("result_004", "AE.1102", "failed", "low"),
				result("result_005", "AE.1001", "skipped", "medium"),
				result("result_006", "CIS.M365.2.1.1", "failed", "medium"),
			},
		}},
	)
	r, md, code := runReport(t, os.Getenv, "-show", writeFile(t, show), "-top", "2")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	if len(r.Scans) != 1 {
		t.Fatalf("scans %+v, want the one in state", r.Scans)
	}
	s := r.Scans[0]
	if s.PassCount == nil || *s.PassCount != 87 || s.FailCount == nil || *s.FailCount != 4 || s.SkipCount == nil || *s.SkipCount != 5 {
		t.Errorf("counts %v/%v/%v, want 87/4/5", s.PassCount, s.FailCount, s.SkipCount)
	}
	want := map[string]int{"critical": 1, "high": 1, "medium": 1, "low": 1}
	if fmt.Sprint(s.FailedBySeverity) != fmt.Sprint(want) {
		t.Errorf("failed_by_severity %v, want %v (every failure, before -top)", s.FailedBySeverity, want)
	}
	if s.TopFailuresSource != "state" || len(s.TopFailures) != 2 {
		t.Fatalf("top failures %+v from %q, want 2 from state", s.TopFailures, s.TopFailuresSource)
	}
	first := s.TopFailures[0]
	if first.TestID != "CIS.M365.5.1.2.3" || first.Title != "Check CIS.M365.5.1.2.3" || first.Framework != "cis" ||
		first.RemediationSteps != "1. Fix CIS.M365.5.1.2.3\n2. Rescan" || first.HelpURL == "" {
		t.Errorf("first top failure %+v, want the critical one with every field", first)
	}
	if s.TopFailures[1].TestID != "CIS.M365.1.1.1" {
		t.Errorf("second top failure %s, want the high one", s.TopFailures[1].TestID)
	}
	for _, want := range []string{
		"| Scan | Tenant | Status | Score | Failed checks | Critical | High | Medium | Low | Completed |",
		"| `scan_abc123` (`aether365_scan.gate`) | – | completed | 95.6% | 4 | 1 | 1 | 1 | 1 |",
		"| Severity | Check | Title | Remediation |",
		"| Critical | `CIS.M365.5.1.2.3` | Check CIS.M365.5.1.2.3 | 1. Fix CIS.M365.5.1.2.3 2. Rescan |",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Markdown lacks %q:\n%s", want, md)
		}
	}
	if strings.Contains(strings.ToLower(md), "informational") {
		t.Errorf("the Markdown still has an informational column:\n%s", md)
	}
}

// A scan whose failures the report did not read has no counts by severity
// (rather than zeros), and a scan still in progress shows dashes for its
// null counts.
func TestNoFailuresReadMeansNoCountsBySeverity(t *testing.T) {
	running := map[string]any{"address": "aether365_scan.gate", "values": map[string]any{
		"id": "scan_running", "tenant_id": "me", "scan_type": "exposure", "status": "in_progress", "score": nil,
		"started_at": "2026-11-28T10:00:00Z", "completed_at": nil,
		"pass_count": nil, "fail_count": nil, "skip_count": nil,
	}}
	r, md, _ := runReport(t, os.Getenv, "-show", writeFile(t, stateJSON(t, running)))
	s := r.Scans[0]
	if len(s.FailedBySeverity) != 0 || s.PassCount != nil || s.FailCount != nil || s.SkipCount != nil {
		t.Errorf("scan %+v, want no counts at all", s)
	}
	if !strings.HasPrefix(s.TopFailuresSource, "none") {
		t.Errorf("top_failures_source %q, want why there are none", s.TopFailuresSource)
	}
	if !strings.Contains(md, "| `scan_running` (`aether365_scan.gate`) | – | in_progress | – | – |") {
		t.Errorf("the Markdown row does not show unknown values as dashes:\n%s", md)
	}
}

// -from-api reads every failure of a completed scan from the API (the
// simulator, published profile): the counts by severity add up to the
// scan's fail_count, and each failure has the published fields.
func TestFailuresFromTheAPI(t *testing.T) {
	const key = "ae_live_report_0123456789abcdef"
	score := 60.0
	sim := simtest.Start(t, simulator.Config{APIKeys: map[string]string{key: "t_report"}, Score: &score, Seed: 365})
	client, err := aether365.New(aether365.Config{BaseURL: sim.URL, APIKey: key})
	if err != nil {
		t.Fatal(err)
	}
	scan, err := client.StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatal(err)
	}
	if scan.FailCount == nil || *scan.FailCount == 0 {
		t.Fatalf("scan %+v: want a completed scan with failures", scan)
	}
	show := stateJSON(t, completedScan(scan.ID, *scan.PassCount, *scan.FailCount, *scan.SkipCount, *scan.Score))
	env := map[string]string{"AETHER365_BASE_URL": sim.URL, "AETHER365_API_KEY": key}
	r, md, code := runReport(t, func(name string) string { return env[name] }, "-show", writeFile(t, show), "-from-api", "-top", "3")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	s := r.Scans[0]
	if s.TopFailuresSource != "api" || len(s.TopFailures) != 3 {
		t.Fatalf("top failures %+v from %q, want 3 from the API", s.TopFailures, s.TopFailuresSource)
	}
	total := 0
	for _, severity := range severityOrder {
		total += s.FailedBySeverity[severity]
	}
	if total != *scan.FailCount || len(s.FailedBySeverity) != len(severityOrder) {
		t.Errorf("failed_by_severity %v adds up to %d, want the scan's fail_count %d", s.FailedBySeverity, total, *scan.FailCount)
	}
	for _, f := range s.TopFailures {
		if f.TestID == "" || f.Title == "" || f.Framework == "" || f.RemediationSteps == "" || f.HelpURL == "" {
			t.Errorf("failure %+v lacks a published field", f)
		}
		if f.Severity != strings.ToLower(f.Severity) {
			t.Errorf("severity %q is not as the API spells it", f.Severity)
		}
	}
	if s.TenantID == nil || *s.TenantID != "t_report" {
		t.Errorf("tenant_id %v; want t_report, the account the API says the scan belongs to", s.TenantID)
	}
	if !strings.Contains(md, "| `t_report` |") {
		t.Errorf("the Markdown does not show the scan's account:\n%s", md)
	}
	if strings.Contains(md, key) {
		t.Error("the Markdown holds the API key")
	}
}

// A scan configured with tenant_id "me" is recorded under its account when
// a data source in state has read it, and otherwise as unknown (null):
// "me" is whichever account a key is of, not a record of where it ran.
func TestTenantMeIsNotRecordedAsMe(t *testing.T) {
	scan := completedScan("scan_me", 1, 1, 0, 50)
	for _, tc := range []struct {
		name  string
		state []map[string]any
		want  string
	}{
		{name: "the resource alone", state: []map[string]any{scan}},
		{name: "read by the scan data source", want: "t_abc", state: []map[string]any{scan,
			{"address": "data.aether365_scan.latest", "values": map[string]any{"id": "scan_me", "tenant_id": "t_abc"}}}},
		{name: "listed by the scans data source", want: "t_abc", state: []map[string]any{scan,
			{"address": "data.aether365_scans.recent", "values": map[string]any{"scans": []any{
				map[string]any{"id": "scan_other", "tenant_id": "t_other"},
				map[string]any{"id": "scan_me", "tenant_id": "t_abc"},
			}}}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, _, _ := runReport(t, os.Getenv, "-show", writeFile(t, stateJSON(t, tc.state...)))
			got := r.Scans[0].TenantID
			if tc.want == "" && got != nil || tc.want != "" && (got == nil || *got != tc.want) {
				t.Errorf("tenant_id %v, want %q (empty: null)", got, tc.want)
			}
		})
	}
}

// A -from-api read that fails is an error, not a report without failures:
// it is in the JSON's errors, the command exits 1, and it writes no SARIF,
// which code scanning would read as every alert of the scan fixed. The
// other outputs are still written.
func TestFailedAPIReadIsAnError(t *testing.T) {
	const key = "ae_live_report_0123456789abcdef"
	sim := simtest.Start(t, simulator.Config{APIKeys: map[string]string{key: "t_report"}})
	closed := httptest.NewServer(http.NotFoundHandler())
	unreachable := closed.URL
	closed.Close()
	for _, tc := range []struct {
		name string
		env  map[string]string
	}{
		{name: "unreachable", env: map[string]string{"AETHER365_BASE_URL": unreachable, "AETHER365_API_KEY": key, "AETHER365_MAX_RETRIES": "0"}},
		{name: "wrong key", env: map[string]string{"AETHER365_BASE_URL": sim.URL, "AETHER365_API_KEY": "ae_live_wrong_0123456789abcdef"}},
		{name: "no key", env: map[string]string{"AETHER365_BASE_URL": sim.URL}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			sarifPath, junitPath := filepath.Join(dir, "report.sarif"), filepath.Join(dir, "junit.xml")
			show := stateJSON(t, completedScan("scan_unread", 10, 4, 1, 71.4))
			r, md, code, stderr := runReportWithStderr(t, func(name string) string { return tc.env[name] },
				"-show", writeFile(t, show), "-from-api", "-sarif", sarifPath, "-junit", junitPath, "-config", writeConfigDir(t, gateConfig))
			if code != exitFailure {
				t.Errorf("exit %d, want %d", code, exitFailure)
			}
			if len(r.Errors) == 0 || !strings.Contains(r.Errors[0].Summary+r.Errors[0].Detail, "API") {
				t.Errorf("errors %+v; want the failed API read", r.Errors)
			}
			if source := r.Scans[0].TopFailuresSource; !strings.Contains(source, "API") {
				t.Errorf("top_failures_source %q; want it to say the API read failed", source)
			}
			if _, err := os.Stat(sarifPath); !os.IsNotExist(err) {
				t.Errorf("a SARIF file was written (%v): uploaded, it would close the scan's alerts", err)
			}
			if _, err := os.Stat(junitPath); err != nil {
				t.Errorf("no JUnit file: %v", err)
			}
			if !strings.Contains(md, "API") {
				t.Errorf("the Markdown does not show the failed API read:\n%s", md)
			}
			if strings.Contains(stderr, "give -from-api") || !strings.Contains(stderr, "SARIF") {
				t.Errorf("stderr does not say why there is no SARIF, or asks for -from-api:\n%s", stderr)
			}
			if strings.Contains(stderr, key) || strings.Contains(md, key) {
				t.Error("the API key was printed")
			}
		})
	}
}

// A scan that a resource and a data source both hold (the resource runs it,
// the data source reads it for a condition) is one scan: one entry under the
// resource's address, listing the data source's, one set of SARIF results
// at the condition that gates its score, one JUnit suite.
func TestScanHeldByResourceAndDataSourceIsReportedOnce(t *testing.T) {
	const config = `resource "aether365_scan" "gate" {
  scan_type = "compliance"
}

data "aether365_scan" "latest" {
  scan_type = "compliance"
  depends_on = [aether365_scan.gate]
}

resource "terraform_data" "deployment" {
  lifecycle {
    precondition {
      condition     = data.aether365_scan.latest.score >= 80
      error_message = "below 80"
    }
  }
}
`
	show := stateJSON(t,
		map[string]any{"address": "data.aether365_scan.latest", "values": map[string]any{
			"id": "scan_both", "tenant_id": "t_abc", "scan_type": "compliance", "status": "completed", "score": 50.0,
			"pass_count": 1, "fail_count": 2, "skip_count": 0,
		}},
		completedScan("scan_both", 1, 2, 0, 50),
		map[string]any{"address": "data.aether365_scan_results.all", "values": map[string]any{
			"scan_id": "scan_both", "result": "all",
			"results": []any{
				result("result_1", "CIS.M365.1.1.1", "failed", "high"),
				result("result_2", "AE.1102", "failed", "low"),
				result("result_3", "AE.1001", "passed", "low"),
			},
		}},
	)
	dir := t.TempDir()
	sarifPath, junitPath := filepath.Join(dir, "report.sarif"), filepath.Join(dir, "junit.xml")
	r, md, code, stderr := runReportWithStderr(t, os.Getenv, "-show", writeFile(t, show),
		"-sarif", sarifPath, "-junit", junitPath, "-config", writeConfigDir(t, config))
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(r.Scans) != 1 {
		t.Fatalf("%d scans %+v; want scan_both once", len(r.Scans), r.Scans)
	}
	s := r.Scans[0]
	if s.Address != "aether365_scan.gate" || fmt.Sprint(s.OtherAddresses) != "[data.aether365_scan.latest]" {
		t.Errorf("address %s, other addresses %v; want the resource's, then the data source's", s.Address, s.OtherAddresses)
	}
	if s.TenantID == nil || *s.TenantID != "t_abc" || s.FailedBySeverity["high"] != 1 || s.FailedBySeverity["low"] != 1 {
		t.Errorf("scan %+v; want the data source's account and both failures, counted once", s)
	}
	if n := strings.Count(md, "`scan_both`"); n != 2 { // its row and its top failures' heading
		t.Errorf("the Markdown names scan_both %d times, want 2:\n%s", n, md)
	}

	raw, err := os.ReadFile(sarifPath)
	if err != nil {
		t.Fatal(err)
	}
	var log sarifLog
	if err := json.Unmarshal(raw, &log); err != nil {
		t.Fatal(err)
	}
	if results := log.Runs[0].Results; len(results) != 2 {
		t.Errorf("%d SARIF results, want 2", len(results))
	} else if at := results[0].Locations[0].PhysicalLocation.Region; at.StartLine != 12 {
		t.Errorf("the first result is at line %d; want 12, the precondition that reads the data source's score", at.StartLine)
	}
	suites, err := junit.IngestFile(junitPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(suites) != 2 {
		t.Errorf("%d JUnit suites; want Terraform's and the one scan's", len(suites))
	}
}
