package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// gateConfig is a configuration gating aether365_scan.gate with its own
// postcondition, on line 7.
const gateConfig = `variable "min_score" {
  default = 75
}

resource "aether365_scan" "gate" {
  lifecycle {
    postcondition {
      condition     = self.score >= var.min_score
      error_message = "too low"
    }
  }
}
`

// writeConfigDir writes main.tf with content into a new directory.
func writeConfigDir(t *testing.T, content string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "main.tf"), []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return dir
}

// validateSARIF checks raw against the OASIS SARIF 2.1.0 schema (testdata),
// formats included.
func validateSARIF(t *testing.T, raw []byte) {
	t.Helper()
	compiler := jsonschema.NewCompiler()
	compiler.AssertFormat()
	schema, err := compiler.Compile(filepath.Join("testdata", "sarif-schema-2.1.0.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := schema.Validate(doc); err != nil {
		t.Fatalf("the SARIF log is not valid SARIF 2.1.0: %v", err)
	}
}

// The SARIF log of a failed gate is valid SARIF 2.1.0 and what GitHub code
// scanning needs: a location on every result (the postcondition's line),
// a rule per test ID with its security-severity, fingerprints that do not
// change with the scan ID.
func TestSARIFOfAFailedGate(t *testing.T) {
	sarifOf := func(scanID string) sarifLog {
		show := stateJSON(t,
			completedScan(scanID, 10, 4, 1, 71.4),
			map[string]any{"address": "data.aether365_scan_results.all", "values": map[string]any{
				"scan_id": scanID, "result": "all",
				"results": []any{
					result("result_1", "AE.1102", "failed", "low"),
					result("result_2", "CIS.M365.1.1.1", "failed", "high"),
					result("result_3", "AE.1001", "passed", "critical"),
					result("result_4", "CIS.M365.5.1.2.3", "failed", "critical"),
					result("result_5", "CIS.M365.2.1.1", "failed", "medium"),
					result("result_6", "AE.1068", "skipped", "high"),
				},
			}},
		)
		out := filepath.Join(t.TempDir(), "report.sarif")
		var stderr bytes.Buffer
		code := run(context.Background(), []string{"-show", writeFile(t, show), "-json", "", "-sarif", out,
			"-config", writeConfigDir(t, gateConfig)}, &bytes.Buffer{}, &stderr, os.Getenv)
		if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr.String())
		}
		raw, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		validateSARIF(t, raw)
		var log sarifLog
		if err := json.Unmarshal(raw, &log); err != nil {
			t.Fatal(err)
		}
		return log
	}
	log := sarifOf("scan_first")
	run := log.Runs[0]
	var ruleIDs []string
	for _, r := range run.Results {
		ruleIDs = append(ruleIDs, r.RuleID)
	}
	if got := strings.Join(ruleIDs, " "); got != "CIS.M365.5.1.2.3 CIS.M365.1.1.1 CIS.M365.2.1.1 AE.1102" {
		t.Errorf("results %s; want the four failures, most severe first", got)
	}
	wantSeverity := map[string]string{"CIS.M365.5.1.2.3": "9.5", "CIS.M365.1.1.1": "8.0", "CIS.M365.2.1.1": "5.5", "AE.1102": "2.0"}
	for _, r := range run.Results {
		rule := run.Tool.Driver.Rules[r.RuleIndex]
		if rule.ID != r.RuleID || rule.Properties["security-severity"] != wantSeverity[r.RuleID] {
			t.Errorf("rule %+v of result %s; want its own, security-severity %s", rule, r.RuleID, wantSeverity[r.RuleID])
		}
		if len(r.Locations) != 1 {
			t.Fatalf("result %s has %d locations, want 1", r.RuleID, len(r.Locations))
		}
		at := r.Locations[0].PhysicalLocation
		if at.ArtifactLocation.URI != "main.tf" || at.Region.StartLine != 7 || at.Region.EndLine != 10 {
			t.Errorf("result %s at %+v; want main.tf lines 7-10, the postcondition", r.RuleID, at)
		}
		if !strings.Contains(r.Message.Text, "scan_first") || !strings.Contains(r.Message.Text, "71.4%") {
			t.Errorf("message %q does not name the scan and its score", r.Message.Text)
		}
	}
	if rule := run.Tool.Driver.Rules[run.Results[0].RuleIndex]; rule.Help == nil || !strings.Contains(rule.Help.Text, "Fix CIS.M365.5.1.2.3") ||
		rule.HelpURI == "" || rule.DefaultConfiguration.Level != "error" {
		t.Errorf("rule %+v lacks its remediation, help URI or level", rule)
	}

	// The next run's scan has a new ID; each finding keeps its fingerprint.
	next := sarifOf("scan_second")
	for i, r := range next.Runs[0].Results {
		if fp := r.PartialFingerprints[fingerprintKey]; fp == "" || fp != run.Results[i].PartialFingerprints[fingerprintKey] {
			t.Errorf("%s: fingerprint %q, then %q; want one that stays", r.RuleID, run.Results[i].PartialFingerprints[fingerprintKey], fp)
		}
	}
	if run.Results[0].PartialFingerprints[fingerprintKey] == run.Results[1].PartialFingerprints[fingerprintKey] {
		t.Error("two checks share a fingerprint")
	}
}

// manyFailures is a report of scans scans (instances of
// aether365_scan.gate), each with checks failed checks, their severities in
// turn low, medium, high, critical, each remediation remedySize random
// characters (which compress badly, as a large upload would).
func manyFailures(scans, checks, remedySize int) *Report {
	random := rand.New(rand.NewChaCha8([32]byte{})) // the same every time
	remedy := func() string {
		b := make([]byte, remedySize*3/4)
		for i := range b {
			b[i] = byte(random.Uint32())
		}
		return base64.StdEncoding.EncodeToString(b)
	}
	severities := []string{"low", "medium", "high", "critical"}
	report := &Report{Gate: gateFailed}
	for s := range scans {
		scan := ScanReport{Address: fmt.Sprintf("aether365_scan.gate[\"t%03d\"]", s), ID: fmt.Sprintf("scan_%03d", s),
			Status: "completed", TopFailuresSource: "api"}
		for c := range checks {
			scan.results = append(scan.results, checkResult{outcome: "failed", Failure: Failure{
				TestID: fmt.Sprintf("AE.%04d", c), Title: "t", Severity: severities[c%len(severities)], RemediationSteps: remedy(),
			}})
		}
		report.Scans = append(report.Scans, scan)
	}
	return report
}

// Past GitHub's limits (25,000 results; 10 MB compressed) the log keeps
// the most severe failures, the same ones every time, and says what it
// left out.
func TestSARIFWithinGitHubLimits(t *testing.T) {
	config, err := readConfiguration(writeConfigDir(t, gateConfig))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name                      string
		scans, checks, remedySize int
		wantKept                  int // 0: fewer than all, as many as fit
	}{
		{name: "more results than 25,000", scans: 251, checks: 100, wantKept: sarifMaxResults},
		{name: "more than 10 MB", scans: 1, checks: 3000, remedySize: 4500},
	} {
		t.Run(tc.name, func(t *testing.T) {
			total := tc.scans * tc.checks
			out, err := buildSARIF(manyFailures(tc.scans, tc.checks, tc.remedySize), config)
			if err != nil {
				t.Fatal(err)
			}
			if size := gzipSize(out.JSON); size > sarifMaxGzipBytes {
				t.Errorf("%d bytes compressed, over %d", size, sarifMaxGzipBytes)
			}
			if tc.wantKept != 0 && out.Kept != tc.wantKept || out.Kept == 0 || out.Kept >= total || out.Total != total {
				t.Fatalf("kept %d of %d; want %d of %d", out.Kept, out.Total, tc.wantKept, total)
			}
			var log sarifLog
			if err := json.Unmarshal(out.JSON, &log); err != nil {
				t.Fatal(err)
			}
			run := log.Runs[0]
			if len(run.Results) != out.Kept || run.Properties["truncated"] != true ||
				run.Properties["totalResults"] != float64(total) || run.Properties["includedResults"] != float64(out.Kept) {
				t.Errorf("%d results, properties %v; want %d and the truncation recorded", len(run.Results), run.Properties, out.Kept)
			}
			notifications := run.Invocations[0].ToolExecutionNotifications
			if len(notifications) != 1 || !strings.Contains(notifications[0].Message.Text, fmt.Sprintf("%d most severe of %d", out.Kept, total)) {
				t.Errorf("notifications %+v; want one saying what was left out", notifications)
			}
			if len(out.Notes) != 1 || out.Notes[0] != notifications[0].Message.Text {
				t.Errorf("notes for stderr %q; want the notification's", out.Notes)
			}
			previous, critical := -1, 0
			for _, r := range run.Results {
				severity, _ := r.Properties["severity"].(string)
				if rank := severityRank(severity); rank < previous {
					t.Fatalf("%s (%s) after a less severe result", r.RuleID, severity)
				} else {
					previous = rank
				}
				if severity == "critical" {
					critical++
				}
			}
			if want := min(out.Kept, total/4); critical != want {
				t.Errorf("%d critical results kept, want %d: every critical one before any other", critical, want)
			}
			if tc.remedySize == 0 { // building the large one twice takes long
				again, err := buildSARIF(manyFailures(tc.scans, tc.checks, tc.remedySize), config)
				if err != nil || !bytes.Equal(again.JSON, out.JSON) {
					t.Error("a second build of the same report differs")
				}
			}
		})
	}
}

// A scan whose failures the report did not read would close every alert
// of it in code scanning: the log and stderr say so.
func TestSARIFSaysWhenFailuresAreUnknown(t *testing.T) {
	show := stateJSON(t, completedScan("scan_unread", 10, 4, 1, 71.4))
	out := filepath.Join(t.TempDir(), "report.sarif")
	var stderr bytes.Buffer
	code := run(context.Background(), []string{"-show", writeFile(t, show), "-json", "", "-sarif", out,
		"-config", t.TempDir()}, &bytes.Buffer{}, &stderr, os.Getenv)
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	raw, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	validateSARIF(t, raw)
	if !strings.Contains(stderr.String(), "scan_unread") || !strings.Contains(stderr.String(), "-from-api") {
		t.Errorf("stderr does not say the scan's failures are missing:\n%s", stderr.String())
	}
	if !strings.Contains(string(raw), "its failures are not in this log") {
		t.Errorf("the log does not say the scan's failures are missing:\n%s", raw)
	}
}

// Failed checks need a location; without the configuration to find one the
// command fails rather than write results GitHub rejects.
func TestSARIFWithoutConfigurationFails(t *testing.T) {
	_, err := buildSARIF(manyFailures(1, 1, 0), nil)
	if err == nil || !strings.Contains(err.Error(), "-config") {
		t.Errorf("err = %v; want one naming -config", err)
	}
}

// Results of one check about different objects (one per user, say) have
// titles that tell them apart, and so do their fingerprints, which stay
// the same from one scan to the next: GitHub merges results that share one.
func TestSARIFFingerprintsTellObjectsApart(t *testing.T) {
	config, err := readConfiguration(writeConfigDir(t, gateConfig))
	if err != nil {
		t.Fatal(err)
	}
	fingerprints := func(scanID string) map[string]string {
		report := &Report{Scans: []ScanReport{{Address: "aether365_scan.gate", ID: scanID, Status: "completed", TopFailuresSource: "api",
			results: []checkResult{
				{outcome: "failed", Failure: Failure{TestID: "CIS.M365.1.1.6", Title: "CIS.M365.1.1.6 (user-0002)", Severity: "high"}},
				{outcome: "failed", Failure: Failure{TestID: "CIS.M365.1.1.6", Title: "CIS.M365.1.1.6 (user-0001)", Severity: "high"}},
			}}}}
		out, err := buildSARIF(report, config)
		if err != nil {
			t.Fatal(err)
		}
		var log sarifLog
		if err := json.Unmarshal(out.JSON, &log); err != nil {
			t.Fatal(err)
		}
		byTitle := map[string]string{}
		for _, r := range log.Runs[0].Results {
			byTitle[r.Message.Text[strings.LastIndex(r.Message.Text, "(user"):]] = r.PartialFingerprints[fingerprintKey]
		}
		return byTitle
	}
	first := fingerprints("scan_1")
	if len(first) != 2 || first["(user-0001)"] == "" || first["(user-0001)"] == first["(user-0002)"] {
		t.Errorf("fingerprints %v; want one of its own for each user", first)
	}
	if next := fingerprints("scan_2"); fmt.Sprint(next) != fmt.Sprint(first) {
		t.Errorf("fingerprints %v, then %v; want them to stay", first, next)
	}
}

// GitHub renders a rule's help Markdown: the remediation steps, the API's
// text, stay text there, one step per line.
func TestSARIFHelpMarkdownIsText(t *testing.T) {
	rule := sarifRuleOf(Failure{TestID: "AE.1", RemediationSteps: "1. Open <img src=x> [Click](https://phish.example)\n2. Rescan"}, "high")
	if want := "**Remediation**\n\n1. Open &lt;img src=x&gt; \\[Click\\](https://phish.example)  \n2. Rescan"; rule.Help == nil || rule.Help.Markdown != want {
		t.Errorf("help %+v; want the Markdown %q", rule.Help, want)
	}
}
