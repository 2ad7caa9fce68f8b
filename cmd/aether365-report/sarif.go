package main

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
)

// The SARIF log is built from these few types with encoding/json rather than
// with a SARIF library: the report emits one run of rules and results, the
// test validates it against the OASIS schema, and GitHub's own rules (a
// location on every result, security-severity, its limits) are ours to
// follow either way.

// GitHub code scanning's limits (docs.github.com, "SARIF support for code
// scanning"): at most 25,000 results in a run, and 10 MB for the SARIF file
// as uploaded, gzip-compressed. The report measures its own gzip encoding
// against 9 MB, leaving a tenth for the uploader compressing less well.
const (
	sarifMaxResults   = 25_000
	sarifMaxGzipBytes = 9_000_000
)

const (
	sarifSchema  = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
	sarifVersion = "2.1.0"
	// fingerprintKey versions the fingerprint: a new way of computing it
	// must use a new key, or GitHub would match unrelated alerts.
	fingerprintKey = "aether365Check/v2"
	toolURI        = "https://github.com/aether365/terraform-provider-aether365/tree/main/cmd/aether365-report"
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool        sarifTool         `json:"tool"`
	Invocations []sarifInvocation `json:"invocations"`
	Results     []sarifResult     `json:"results"`
	Properties  map[string]any    `json:"properties,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID                   string            `json:"id"`
	ShortDescription     sarifText         `json:"shortDescription"`
	Help                 *sarifHelp        `json:"help,omitempty"`
	HelpURI              string            `json:"helpUri,omitempty"`
	DefaultConfiguration sarifRuleDefaults `json:"defaultConfiguration"`
	Properties           map[string]any    `json:"properties"`
}

type sarifRuleDefaults struct {
	Level string `json:"level"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifHelp struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level   string    `json:"level"`
	Message sarifText `json:"message"`
}

type sarifResult struct {
	RuleID              string            `json:"ruleId"`
	RuleIndex           int               `json:"ruleIndex"`
	Level               string            `json:"level"`
	Message             sarifText         `json:"message"`
	Locations           []sarifLocation   `json:"locations"`
	PartialFingerprints map[string]string `json:"partialFingerprints"`
	Properties          map[string]any    `json:"properties"`
}

type sarifLocation struct {
	PhysicalLocation sarifPhysicalLocation `json:"physicalLocation"`
}

type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           sarifRegion           `json:"region"`
}

type sarifArtifactLocation struct {
	URI       string `json:"uri"`
	URIBaseID string `json:"uriBaseId"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine"`
}

// securitySeverity is GitHub's security-severity of each Aether365
// severity, inside the band GitHub shows under that name: critical above
// 9.0, high 7.0-8.9, medium 4.0-6.9, low 0.1-3.9.
var securitySeverity = map[string]string{"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}

// sarifLevel is the SARIF level of each severity, for viewers that do not
// read security-severity.
var sarifLevel = map[string]string{"critical": "error", "high": "error", "medium": "warning", "low": "note"}

// sarifFinding is one failed check of one scan, anchored at its gate.
type sarifFinding struct {
	scan   *ScanReport
	result checkResult
	gate   gateLocation
}

// sarifOutput is the SARIF log and what the report says about it.
type sarifOutput struct {
	JSON []byte
	// Kept and Total count the findings: Kept < Total when the log was cut
	// to GitHub's limits.
	Kept, Total int
	// Notes are the warnings the run carries as notifications, for stderr.
	Notes []string
}

// buildSARIF turns every failure the report read into a result at the gate
// of its scan (config finds it; nil when there is no configuration to read,
// which is an error only when there is a failure to place). When the failures exceed GitHub's limits
// it keeps the most severe, in a fixed order (severity, scan address, test
// ID), and says so in the run.
func buildSARIF(r *Report, config *configuration) (sarifOutput, error) {
	var findings []sarifFinding
	var notes []string
	for i := range r.Scans {
		scan := &r.Scans[i]
		if !scan.failuresKnown() {
			note := fmt.Sprintf("scan %s (%s): its failures are not in this log (%s); "+
				"code scanning closes alerts that a log does not repeat", scan.ID, scan.Address, scan.TopFailuresSource)
			if scan.TopFailuresSource == sourceNotInState {
				note += ", so give -from-api or read aether365_scan_results"
			}
			notes = append(notes, note)
			continue
		}
		for _, result := range scan.results {
			if !result.failed() {
				continue
			}
			gate, err := config.gateFor(scan.Address, scan.OtherAddresses...)
			if err != nil {
				return sarifOutput{}, err
			}
			findings = append(findings, sarifFinding{scan: scan, result: result, gate: gate})
		}
	}
	sort.SliceStable(findings, func(i, j int) bool {
		a, b := findings[i], findings[j]
		if ra, rb := severityRank(a.result.Severity), severityRank(b.result.Severity); ra != rb {
			return ra < rb
		}
		if a.scan.Address != b.scan.Address {
			return a.scan.Address < b.scan.Address
		}
		if a.result.TestID != b.result.TestID {
			return a.result.TestID < b.result.TestID
		}
		return a.result.Title < b.result.Title
	})

	encode := func(kept int) ([]byte, error) {
		runNotes := notes
		properties := map[string]any{"gate": r.Gate}
		if kept < len(findings) {
			runNotes = append(runNotes, truncationNote(kept, len(findings)))
			properties["truncated"] = true
			properties["totalResults"] = len(findings)
			properties["includedResults"] = kept
		}
		// Compact: indenting would cost a third of the 10 MB.
		return json.Marshal(sarifLogOf(findings[:kept], runNotes, properties))
	}
	kept := min(len(findings), sarifMaxResults)
	out, err := encode(kept)
	if err != nil {
		return sarifOutput{}, err
	}
	if size := gzipSize(out); size > sarifMaxGzipBytes {
		if kept, err = mostThatFit(kept, size, func(n int) (int, error) {
			b, err := encode(n)
			return gzipSize(b), err
		}); err != nil {
			return sarifOutput{}, err
		}
		if out, err = encode(kept); err != nil {
			return sarifOutput{}, err
		}
	}
	if kept < len(findings) {
		notes = append(notes, truncationNote(kept, len(findings)))
	}
	return sarifOutput{JSON: append(out, '\n'), Kept: kept, Total: len(findings), Notes: notes}, nil
}

// mostThatFit finds the largest n below tooMany (whose size is
// sizeOfTooMany) whose size is within sarifMaxGzipBytes. The size grows
// about linearly with n, so it guesses by interpolation, bisecting every
// other step to bound the number of encodings of a large log.
func mostThatFit(tooMany, sizeOfTooMany int, sizeOf func(n int) (int, error)) (int, error) {
	fits, sizeFits := 0, 0
	tooLarge, sizeTooLarge := tooMany, sizeOfTooMany
	for step := 0; tooLarge-fits > 1; step++ {
		guess := fits + (tooLarge-fits)/2
		if step%2 == 0 {
			guess = fits + int(float64(tooLarge-fits)*float64(sarifMaxGzipBytes-sizeFits)/float64(sizeTooLarge-sizeFits))
			guess = min(max(guess, fits+1), tooLarge-1)
		}
		size, err := sizeOf(guess)
		if err != nil {
			return 0, err
		}
		if size <= sarifMaxGzipBytes {
			fits, sizeFits = guess, size
		} else {
			tooLarge, sizeTooLarge = guess, size
		}
	}
	return fits, nil
}

func truncationNote(kept, total int) string {
	return fmt.Sprintf("SARIF holds the %d most severe of %d failed checks: GitHub code scanning takes at most %d results "+
		"and 10 MB (compressed) per upload; the JSON and JUnit reports hold all of them", kept, total, sarifMaxResults)
}

// gzipSize is the size of b compressed as an upload compresses it.
func gzipSize(b []byte) int {
	var counter countingWriter
	zw := gzip.NewWriter(&counter)
	_, _ = zw.Write(b) // a countingWriter never fails
	_ = zw.Close()
	return int(counter)
}

type countingWriter int

func (c *countingWriter) Write(p []byte) (int, error) {
	*c += countingWriter(len(p))
	return len(p), nil
}

func sarifLogOf(findings []sarifFinding, notes []string, properties map[string]any) sarifLog {
	run := sarifRun{
		Tool:        sarifTool{Driver: sarifDriver{Name: "aether365-report", InformationURI: toolURI, Rules: []sarifRule{}}},
		Invocations: []sarifInvocation{{ExecutionSuccessful: true}},
		Results:     []sarifResult{},
		Properties:  properties,
	}
	for _, note := range notes {
		run.Invocations[0].ToolExecutionNotifications = append(run.Invocations[0].ToolExecutionNotifications,
			sarifNotification{Level: "warning", Message: sarifText{Text: note}})
	}
	ruleIndex := map[string]int{}
	for _, f := range findings {
		severity := strings.ToLower(f.result.Severity)
		index, ok := ruleIndex[f.result.TestID]
		if !ok {
			index = len(run.Tool.Driver.Rules)
			ruleIndex[f.result.TestID] = index
			run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(f.result.Failure, severity))
		}
		run.Results = append(run.Results, sarifResult{
			RuleID:    f.result.TestID,
			RuleIndex: index,
			Level:     levelOf(severity),
			Message:   sarifText{Text: resultMessage(f)},
			Locations: []sarifLocation{{PhysicalLocation: sarifPhysicalLocation{
				ArtifactLocation: sarifArtifactLocation{URI: f.gate.File, URIBaseID: "%SRCROOT%"},
				Region:           sarifRegion{StartLine: f.gate.StartLine, EndLine: f.gate.EndLine},
			}}},
			PartialFingerprints: map[string]string{fingerprintKey: fingerprint(f)},
			Properties:          resultProperties(f),
		})
	}
	return sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

func sarifRuleOf(f Failure, severity string) sarifRule {
	rule := sarifRule{
		ID:                   f.TestID,
		ShortDescription:     sarifText{Text: firstNonEmpty(f.Title, f.TestID)},
		HelpURI:              f.HelpURL,
		DefaultConfiguration: sarifRuleDefaults{Level: levelOf(severity)},
		Properties:           map[string]any{"tags": tagsOf(f)},
	}
	if s, ok := securitySeverity[severity]; ok {
		rule.Properties["security-severity"] = s
	}
	if f.RemediationSteps != "" {
		// The steps are the API's text: GitHub renders the Markdown, so it
		// is kept to text, a line of it per line.
		rule.Help = &sarifHelp{Text: f.RemediationSteps, Markdown: "**Remediation**\n\n" + textLines(f.RemediationSteps)}
	}
	return rule
}

func tagsOf(f Failure) []string {
	tags := []string{"security", "aether365"}
	if f.Framework != "" {
		tags = append(tags, f.Framework)
	}
	return tags
}

func levelOf(severity string) string {
	if level, ok := sarifLevel[severity]; ok {
		return level
	}
	return "warning"
}

func resultMessage(f sarifFinding) string {
	return fmt.Sprintf("%s failed (%s) in Aether365 scan %s of %s, score %s, gated by the %s: %s",
		f.result.TestID, firstNonEmpty(strings.ToLower(f.result.Severity), "unknown severity"), f.scan.ID, f.scan.Address,
		scoreText(f.scan.Score), f.gate.What, firstNonEmpty(f.result.Title, f.result.TestID))
}

func resultProperties(f sarifFinding) map[string]any {
	properties := map[string]any{"scanId": f.scan.ID, "severity": strings.ToLower(f.result.Severity)}
	if f.scan.TenantID != nil {
		properties["tenantId"] = *f.scan.TenantID
	}
	return properties
}

// fingerprint identifies a finding across runs, so GitHub keeps one alert
// for it: the scan's address in the configuration (not the scan ID, which
// is new on every run), the check, and the result's title, which tells
// apart the results of one check about different objects (CIS.M365.1.1.6
// (user-0001) and (user-0002)); GitHub merges results that share a
// fingerprint. Not the result's id, which is the scan's own.
func fingerprint(f sarifFinding) string {
	sum := sha256.Sum256([]byte(f.scan.Address + "\x00" + f.result.TestID + "\x00" + f.result.Title))
	return hex.EncodeToString(sum[:16])
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
