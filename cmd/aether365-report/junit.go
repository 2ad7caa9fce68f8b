package main

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
)

// JUnit XML as the test tabs of Azure DevOps (PublishTestResults,
// testResultsFormat JUnit), GitLab (artifacts:reports:junit) and Jenkins
// read it: one suite for Terraform's checks and errors, one per scan with a
// test case per Aether365 check the report read. encoding/xml writes it;
// the format is a handful of elements.

type junitTestSuites struct {
	XMLName xml.Name `xml:"testsuites"`
	Name    string   `xml:"name,attr"`
	junitCounts
	Suites []junitTestSuite `xml:"testsuite"`
}

type junitCounts struct {
	Tests    int `xml:"tests,attr"`
	Failures int `xml:"failures,attr"`
	Errors   int `xml:"errors,attr"`
	Skipped  int `xml:"skipped,attr"`
}

type junitTestSuite struct {
	Name string `xml:"name,attr"`
	junitCounts
	Properties []junitProperty `xml:"properties>property,omitempty"`
	Cases      []junitTestCase `xml:"testcase"`
	SystemOut  string          `xml:"system-out,omitempty"`
}

type junitProperty struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr"`
}

type junitTestCase struct {
	Name      string        `xml:"name,attr"`
	ClassName string        `xml:"classname,attr"`
	Failure   *junitProblem `xml:"failure,omitempty"`
	Error     *junitProblem `xml:"error,omitempty"`
	Skipped   *junitProblem `xml:"skipped,omitempty"`
}

type junitProblem struct {
	Message string `xml:"message,attr,omitempty"`
	Type    string `xml:"type,attr,omitempty"`
	Text    string `xml:",chardata"`
}

// writeJUnit writes the report as JUnit XML.
func writeJUnit(w io.Writer, r *Report) error {
	suites := junitTestSuites{Name: "Aether365 security gate"}
	suites.add(terraformSuite(r))
	for i := range r.Scans {
		suites.add(scanSuite(&r.Scans[i]))
	}
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(suites); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func (s *junitTestSuites) add(suite junitTestSuite) {
	for _, c := range suite.Cases {
		switch {
		case c.Failure != nil:
			suite.Failures++
		case c.Error != nil:
			suite.Errors++
		case c.Skipped != nil:
			suite.Skipped++
		}
	}
	suite.Tests = len(suite.Cases)
	s.Tests += suite.Tests
	s.Failures += suite.Failures
	s.Errors += suite.Errors
	s.Skipped += suite.Skipped
	s.Suites = append(s.Suites, suite)
}

// terraformSuite has a test case per checkable object Terraform recorded
// (a resource's conditions, a check block, an output), and one per error
// of the run that no failed check already stands for (one whose address or
// message is that check's): a plan-time gate that fails leaves only its
// error in the log.
func terraformSuite(r *Report) junitTestSuite {
	suite := junitTestSuite{Name: "Terraform checks", Properties: []junitProperty{{Name: "gate", Value: r.Gate}}}
	failedChecks := map[string]bool{} // addresses and problems
	for _, c := range r.Checks {
		tc := junitTestCase{Name: c.Address, ClassName: "terraform." + c.Kind}
		problems := strings.Join(c.Problems, "\n")
		switch c.Status {
		case "fail":
			tc.Failure = &junitProblem{Message: firstLine(problems, "the check failed"), Type: "fail", Text: problems}
		case "error":
			tc.Error = &junitProblem{Message: firstLine(problems, "the check could not be evaluated"), Type: "error", Text: problems}
		case "pass":
		default:
			tc.Skipped = &junitProblem{Message: "Terraform did not evaluate this check (status " + c.Status + ")"}
		}
		if c.Status == "fail" || c.Status == "error" {
			failedChecks[c.Address] = true
			for _, p := range c.Problems {
				failedChecks[p] = true
			}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	for _, d := range r.Errors {
		if d.Address != "" && failedChecks[d.Address] || d.Detail != "" && failedChecks[d.Detail] {
			continue
		}
		name := d.Summary
		if d.Address != "" {
			name += " (" + d.Address + ")"
		}
		suite.Cases = append(suite.Cases, junitTestCase{Name: name, ClassName: "terraform.error",
			Error: &junitProblem{Message: d.Summary, Type: "error", Text: d.Detail}})
	}
	return suite
}

// scanSuite has a test case per Aether365 check of the scan that the report
// read (every one, not only the top failures); without them it says why.
func scanSuite(s *ScanReport) junitTestSuite {
	suite := junitTestSuite{
		Name: fmt.Sprintf("Aether365 scan %s (%s)", s.ID, s.Address),
		Properties: []junitProperty{
			{Name: "scan_id", Value: s.ID}, {Name: "address", Value: s.Address}, {Name: "status", Value: s.Status},
			{Name: "score", Value: scoreText(s.Score)},
		},
	}
	if s.TenantID != nil {
		suite.Properties = append(suite.Properties, junitProperty{Name: "tenant_id", Value: *s.TenantID})
	}
	if !s.failuresKnown() {
		suite.SystemOut = "The report read no check results of this scan: " + s.TopFailuresSource
		return suite
	}
	for _, result := range s.results {
		tc := junitTestCase{Name: result.TestID + ": " + result.Title, ClassName: s.Address}
		switch result.outcome {
		case "failed":
			text := result.RemediationSteps
			if result.HelpURL != "" {
				text += "\n\n" + result.HelpURL
			}
			tc.Failure = &junitProblem{Message: strings.ToLower(result.Severity) + ": " + result.Title,
				Type: strings.ToLower(result.Severity), Text: text}
		case "skipped":
			tc.Skipped = &junitProblem{Message: "skipped by Aether365 (not applicable or not licensed)"}
		}
		suite.Cases = append(suite.Cases, tc)
	}
	return suite
}

// firstLine is the first line of s, or otherwise when s is empty.
func firstLine(s, otherwise string) string {
	line, _, _ := strings.Cut(s, "\n")
	return firstNonEmpty(line, otherwise)
}
