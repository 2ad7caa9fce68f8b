package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// Report is what a pipeline needs after a gate: every Aether365 scan that
// Terraform kept, the outcome of every condition, and the errors of the run.
type Report struct {
	// Gate is "passed" when every check passed and the run had no error,
	// "failed" when a check failed or the run ended in an error, and
	// "unknown" when Terraform recorded no check at all.
	Gate   string        `json:"gate"`
	Scans  []ScanReport  `json:"scans"`
	Checks []CheckReport `json:"checks"`
	// Errors are the run's errors, and the report's own when -from-api
	// could not read what it was to add (summary apiErrorSummary). Those
	// make the command exit 1 but leave Gate as Terraform recorded it.
	Errors []Diagnostic `json:"errors"`
	// Warnings are the run's warnings, among them every failed check block
	// assertion of `terraform plan -json`.
	Warnings []Diagnostic `json:"warnings"`
}

// ScanReport is one Aether365 scan: an aether365_scan resource or data
// source instance, or several that hold the same scan ID (a resource that
// runs the scan and a data source that reads it for a condition), once.
type ScanReport struct {
	// Address is the instance the report takes the scan's values from: the
	// first resource that holds the scan, else the first data source.
	Address string `json:"address"`
	// OtherAddresses are the other instances that hold the same scan.
	OtherAddresses []string `json:"other_addresses,omitempty"`
	ID             string   `json:"id"`
	// TenantID is the account (t_...) the scan belongs to, null when the
	// configuration said "me" and neither the state nor the API (-from-api)
	// told which account that is: "me" means whichever account the key is
	// of, which is not a record of where the scan ran.
	TenantID    *string  `json:"tenant_id"`
	ScanType    string   `json:"scan_type"`
	Status      string   `json:"status"`
	Score       *float64 `json:"score"`
	CompletedAt string   `json:"completed_at,omitempty"`
	PassCount   *int     `json:"pass_count"`
	FailCount   *int     `json:"fail_count"`
	SkipCount   *int     `json:"skip_count"`
	// FailedBySeverity counts the failures the report found (in state or
	// through the API), by severity; empty when it found none to count.
	FailedBySeverity map[string]int `json:"failed_by_severity"`
	TopFailures      []Failure      `json:"top_failures"`
	// TopFailuresSource says where TopFailures came from: "state" (an
	// aether365_scan_results read of this scan), "api", or why there are
	// none, starting "none: ".
	TopFailuresSource string `json:"top_failures_source"`

	// managed is whether Address is a resource's rather than a data source's.
	managed bool

	// results are every check result the report read, from the same source
	// as TopFailures: what SARIF and JUnit list in full, and what the
	// counts by severity count.
	results []checkResult
}

// checkResult is one Aether365 check of a scan with its outcome, as the
// API spells it in lower case: passed, failed or skipped.
type checkResult struct {
	Failure
	outcome string
}

func (r checkResult) failed() bool { return r.outcome == "failed" }

// Failure is one failed check.
type Failure struct {
	TestID           string `json:"test_id"`
	Title            string `json:"title"`
	Severity         string `json:"severity"`
	Framework        string `json:"framework,omitempty"`
	RemediationSteps string `json:"remediation_steps,omitempty"`
	HelpURL          string `json:"help_url,omitempty"`
}

// failureFrom reads a failure from one result's attributes, as the state
// holds them or as the API's Result has them.
func failureFrom(field func(name string) string) Failure {
	return Failure{
		TestID: field("test_id"), Title: field("title"), Severity: field("severity"), Framework: field("framework"),
		RemediationSteps: field("remediation_steps"), HelpURL: field("help_url"),
	}
}

// summarizeFailures fills scan.FailedBySeverity from every failure the
// report read, and TopFailures with the top most severe of them.
func summarizeFailures(scan *ScanReport, top int) {
	scan.FailedBySeverity = map[string]int{}
	scan.TopFailures = []Failure{}
	if !scan.failuresKnown() {
		return
	}
	for _, severity := range severityOrder {
		scan.FailedBySeverity[severity] = 0
	}
	for _, r := range scan.results {
		if r.failed() {
			scan.FailedBySeverity[strings.ToLower(r.Severity)]++
			scan.TopFailures = append(scan.TopFailures, r.Failure)
		}
	}
	scan.TopFailures = sortFailures(scan.TopFailures, top)
}

// Where a scan's failures came from (TopFailuresSource).
const (
	sourceState = "state"
	sourceAPI   = "api"
	// sourceNotInState is why a scan has none when nothing else was tried.
	sourceNotInState = "none: no aether365_scan_results of this scan in state"
)

func (s *ScanReport) failuresKnown() bool {
	return s.TopFailuresSource == sourceState || s.TopFailuresSource == sourceAPI
}

// CheckReport is one checkable object (a resource with conditions, a check
// block, an output) with its status: pass, fail, error or unknown.
type CheckReport struct {
	Address  string   `json:"address"`
	Kind     string   `json:"kind"`
	Status   string   `json:"status"`
	Problems []string `json:"problems,omitempty"`
}

// Diagnostic is an error or warning Terraform printed, from its -json log.
type Diagnostic struct {
	Summary string `json:"summary"`
	Detail  string `json:"detail,omitempty"`
	Address string `json:"address,omitempty"`
}

const (
	gatePassed  = "passed"
	gateFailed  = "failed"
	gateUnknown = "unknown"
)

// severityOrder ranks severities for "top" failures, most severe first: the
// API's severities, which it lists in that order.
var severityOrder = aether365.SeverityValues

// severityRank is severity's place in severityOrder, any case; an unknown
// severity comes last.
func severityRank(severity string) int {
	for i, s := range severityOrder {
		if strings.EqualFold(s, severity) {
			return i
		}
	}
	return len(severityOrder)
}

// terraformJSON is what `terraform show -json` prints: a state, or a plan
// when given a plan file. The fields tell them apart.
type terraformJSON struct {
	state *tfjson.State
	plan  *tfjson.Plan
}

func decodeShow(raw []byte) (terraformJSON, error) {
	if len(bytes.TrimSpace(raw)) == 0 {
		return terraformJSON{}, errors.New("the file is empty, not the output of `terraform show -json` " +
			"(did the command that wrote it, such as `terraform show -json > show.json`, fail?)")
	}
	var probe map[string]json.RawMessage
	if err := json.Unmarshal(raw, &probe); err != nil {
		return terraformJSON{}, fmt.Errorf("not the JSON of `terraform show -json`: %w", err)
	}
	if _, ok := probe["format_version"]; !ok {
		return terraformJSON{}, errors.New("not the JSON of `terraform show -json`: it has no format_version")
	}
	_, hasPlanned := probe["planned_values"]
	_, hasChanges := probe["resource_changes"]
	_, hasPrior := probe["prior_state"]
	if hasPlanned || hasChanges || hasPrior {
		var plan tfjson.Plan
		if err := json.Unmarshal(raw, &plan); err != nil {
			return terraformJSON{}, fmt.Errorf("decoding the plan: %w", err)
		}
		return terraformJSON{plan: &plan}, nil
	}
	var state tfjson.State
	if err := json.Unmarshal(raw, &state); err != nil {
		return terraformJSON{}, fmt.Errorf("decoding the state: %w", err)
	}
	return terraformJSON{state: &state}, nil
}

// resources returns every resource and data source instance the JSON holds
// values for: the state's, or a plan's prior state (data sources read while
// planning) followed by its planned values.
func (t terraformJSON) resources() []*tfjson.StateResource {
	var out []*tfjson.StateResource
	seen := map[string]bool{}
	add := func(values *tfjson.StateValues) {
		if values == nil {
			return
		}
		walkModule(values.RootModule, func(r *tfjson.StateResource) {
			if !seen[r.Address] {
				seen[r.Address] = true
				out = append(out, r)
			}
		})
	}
	if t.state != nil {
		add(t.state.Values)
	}
	if t.plan != nil {
		if t.plan.PriorState != nil {
			add(t.plan.PriorState.Values)
		}
		add(t.plan.PlannedValues)
	}
	return out
}

func walkModule(m *tfjson.StateModule, visit func(*tfjson.StateResource)) {
	if m == nil {
		return
	}
	for _, r := range m.Resources {
		visit(r)
	}
	for _, child := range m.ChildModules {
		walkModule(child, visit)
	}
}

func (t terraformJSON) checks() []tfjson.CheckResultStatic {
	if t.state != nil {
		return t.state.Checks
	}
	if t.plan != nil {
		return t.plan.Checks
	}
	return nil
}

// buildReport assembles the report from `terraform show -json` output and
// a `terraform plan|apply -json` log; nil is an input not given, and an
// empty one is an error.
func buildReport(show, log []byte) (*Report, error) {
	report := &Report{Scans: []ScanReport{}, Checks: []CheckReport{}, Errors: []Diagnostic{}, Warnings: []Diagnostic{}}
	if show != nil {
		decoded, err := decodeShow(show)
		if err != nil {
			return nil, fmt.Errorf("-show: %w", err)
		}
		resources := decoded.resources()
		for _, r := range resources {
			if r.Type == "aether365_scan" {
				report.Scans = addScan(report.Scans, scanReport(r, resources))
			}
		}
		for i := range report.Scans {
			if report.Scans[i].TenantID == nil {
				report.Scans[i].TenantID = tenantFromState(report.Scans[i].ID, resources)
			}
		}
		for _, c := range decoded.checks() {
			report.Checks = append(report.Checks, checkReports(c)...)
		}
	}
	if log != nil {
		errs, warnings, err := decodeLog(bytes.NewReader(log))
		if err != nil {
			return nil, fmt.Errorf("-log: %w", err)
		}
		report.Errors = append(report.Errors, errs...)
		report.Warnings = append(report.Warnings, warnings...)
	}
	report.Gate = gateOf(report)
	return report, nil
}

func gateOf(r *Report) string {
	if len(r.Errors) > 0 {
		return gateFailed
	}
	for _, c := range r.Checks {
		if c.Status == string(tfjson.CheckStatusFail) || c.Status == string(tfjson.CheckStatusError) {
			return gateFailed
		}
	}
	for _, w := range r.Warnings {
		if w.Summary == "Check block assertion failed" {
			return gateFailed
		}
	}
	if len(r.Checks) == 0 {
		return gateUnknown
	}
	for _, c := range r.Checks {
		if c.Status != string(tfjson.CheckStatusPass) {
			return gateUnknown
		}
	}
	return gatePassed
}

func checkReports(c tfjson.CheckResultStatic) []CheckReport {
	kind := string(c.Address.Kind)
	if len(c.Instances) == 0 {
		return []CheckReport{{Address: c.Address.ToDisplay, Kind: kind, Status: string(c.Status)}}
	}
	out := make([]CheckReport, 0, len(c.Instances))
	for _, instance := range c.Instances {
		address := instance.Address.ToDisplay
		if address == "" {
			address = c.Address.ToDisplay
		}
		report := CheckReport{Address: address, Kind: kind, Status: string(instance.Status)}
		for _, p := range instance.Problems {
			report.Problems = append(report.Problems, p.Message)
		}
		out = append(out, report)
	}
	return out
}

// addScan adds scan to scans, or, when an instance already there holds the
// same scan ID, adds scan's address to it: a resource's values replace a
// data source's, since the resource is the scan that configuration runs
// and gates.
func addScan(scans []ScanReport, scan ScanReport) []ScanReport {
	if scan.ID == "" {
		return append(scans, scan)
	}
	for i := range scans {
		held := &scans[i]
		if held.ID != scan.ID {
			continue
		}
		if scan.managed && !held.managed {
			scan.OtherAddresses = append([]string{held.Address}, held.OtherAddresses...)
			*held = scan
		} else {
			held.OtherAddresses = append(held.OtherAddresses, scan.Address)
		}
		return scans
	}
	return append(scans, scan)
}

func scanReport(r *tfjson.StateResource, all []*tfjson.StateResource) ScanReport {
	v := r.AttributeValues
	scan := ScanReport{
		Address:          r.Address,
		managed:          r.Mode == tfjson.ManagedResourceMode,
		ID:               stringAttr(v, "id"),
		TenantID:         knownTenant(stringAttr(v, "tenant_id")),
		ScanType:         stringAttr(v, "scan_type"),
		Status:           stringAttr(v, "status"),
		CompletedAt:      stringAttr(v, "completed_at"),
		PassCount:        intAttr(v, "pass_count"),
		FailCount:        intAttr(v, "fail_count"),
		SkipCount:        intAttr(v, "skip_count"),
		FailedBySeverity: map[string]int{},
		TopFailures:      []Failure{},
	}
	if score, ok := v["score"].(float64); ok {
		scan.Score = &score
	}
	scan.results, scan.TopFailuresSource = resultsFromState(scan.ID, all)
	return scan
}

// knownTenant is tenant as a record of the scan's account: nil for "me"
// (or nothing), which names the key's account rather than recording it.
func knownTenant(tenant string) *string {
	if tenant == "" || tenant == aether365.DefaultTenant {
		return nil
	}
	return &tenant
}

// tenantFromState finds the account of scan scanID in the data sources that
// read it (aether365_scan, aether365_scans), which record the scan's own
// tenant_id where the resource keeps the "me" it was configured with.
func tenantFromState(scanID string, all []*tfjson.StateResource) *string {
	for _, r := range all {
		if r.Mode != tfjson.DataResourceMode {
			continue
		}
		switch r.Type {
		case "aether365_scan":
			if stringAttr(r.AttributeValues, "id") == scanID {
				if tenant := knownTenant(stringAttr(r.AttributeValues, "tenant_id")); tenant != nil {
					return tenant
				}
			}
		case "aether365_scans":
			scans, _ := r.AttributeValues["scans"].([]any)
			for _, item := range scans {
				scan, _ := item.(map[string]any)
				if stringAttr(scan, "id") == scanID {
					if tenant := knownTenant(stringAttr(scan, "tenant_id")); tenant != nil {
						return tenant
					}
				}
			}
		}
	}
	return nil
}

// resultsFromState collects the results that aether365_scan_results data
// sources of this scan hold, each once.
func resultsFromState(scanID string, all []*tfjson.StateResource) ([]checkResult, string) {
	var out []checkResult
	seen := map[string]bool{}
	found := false
	for _, r := range all {
		if r.Type != "aether365_scan_results" || scanID == "" || stringAttr(r.AttributeValues, "scan_id") != scanID {
			continue
		}
		found = true
		results, _ := r.AttributeValues["results"].([]any)
		for _, item := range results {
			result, _ := item.(map[string]any)
			if seen[stringAttr(result, "id")] {
				continue
			}
			seen[stringAttr(result, "id")] = true
			out = append(out, checkResult{
				Failure: failureFrom(func(name string) string { return stringAttr(result, name) }),
				outcome: strings.ToLower(stringAttr(result, "result")),
			})
		}
	}
	if !found {
		return out, sourceNotInState
	}
	return out, sourceState
}

func stringAttr(values map[string]any, name string) string {
	s, _ := values[name].(string)
	return s
}

func intAttr(values map[string]any, name string) *int {
	n, ok := values[name].(float64)
	if !ok {
		return nil
	}
	i := int(n)
	return &i
}

// sortFailures puts the most severe first, keeping the API's order within a
// severity, and keeps at most top.
func sortFailures(failures []Failure, top int) []Failure {
	sort.SliceStable(failures, func(i, j int) bool { return severityRank(failures[i].Severity) < severityRank(failures[j].Severity) })
	if top >= 0 && len(failures) > top {
		failures = failures[:top]
	}
	return failures
}

// logLine is the part of a `terraform -json` log line the report reads.
type logLine struct {
	Type       string `json:"type"`
	Diagnostic *struct {
		Severity string `json:"severity"`
		Summary  string `json:"summary"`
		Detail   string `json:"detail"`
		Address  string `json:"address"`
	} `json:"diagnostic"`
}

// decodeLog reads the diagnostics of a `terraform plan -json` or
// `terraform apply -json` log; lines that are not JSON (a wrapper's
// output) are skipped.
//
// A log without a single line of terraform's (each has a "type"; the first
// is "version") is an error: terraform did not write it.
func decodeLog(r io.Reader) (errs, warnings []Diagnostic, err error) {
	scanner := bufio.NewScanner(r)
	scanner.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	terraformLines := 0
	for scanner.Scan() {
		var line logLine
		if json.Unmarshal(scanner.Bytes(), &line) != nil || line.Type == "" {
			continue
		}
		terraformLines++
		if line.Type != "diagnostic" || line.Diagnostic == nil {
			continue
		}
		d := Diagnostic{Summary: line.Diagnostic.Summary, Detail: line.Diagnostic.Detail, Address: line.Diagnostic.Address}
		switch line.Diagnostic.Severity {
		case "error":
			errs = append(errs, d)
		case "warning":
			warnings = append(warnings, d)
		}
	}
	if err := scanner.Err(); err != nil {
		return nil, nil, fmt.Errorf("reading the terraform -json log: %w", err)
	}
	if terraformLines == 0 {
		return nil, nil, errors.New("no line of the file is from a `terraform plan -json` or `terraform apply -json` log " +
			"(is it empty, or the output of terraform without -json?)")
	}
	return errs, warnings, nil
}

var errNoInput = errors.New("give -show (the output of `terraform show -json`) and/or -log (the output of `terraform plan -json` or `apply -json`)")
