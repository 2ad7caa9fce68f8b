package main

import (
	"fmt"
	"io"
	"strings"
)

// writeMarkdown renders the report for a GitHub Actions job summary (or any
// Markdown viewer): the gate, one table row per scan, the top failures, the
// checks that did not pass and the run's errors.
func writeMarkdown(w io.Writer, r *Report) error {
	var b strings.Builder
	icon := map[string]string{gatePassed: "✅", gateFailed: "❌", gateUnknown: "❔"}[r.Gate]
	fmt.Fprintf(&b, "## Aether365 security gate: %s %s\n\n", icon, r.Gate)

	if len(r.Scans) == 0 {
		b.WriteString("No Aether365 scan is in the Terraform state or plan.\n\n")
	} else {
		b.WriteString("| Scan | Tenant | Status | Score | Failed checks | Critical | High | Medium | Low | Completed |\n")
		b.WriteString("|------|--------|--------|------:|--------------:|---------:|-----:|-------:|----:|-----------|\n")
		for _, s := range r.Scans {
			tenant := "–"
			if s.TenantID != nil {
				tenant = "`" + cell(*s.TenantID) + "`"
			}
			fmt.Fprintf(&b, "| `%s` (`%s`) | %s | %s | %s | %s |", cell(s.ID), cell(s.Address), tenant, cell(s.Status), scoreText(s.Score), countText(s.FailCount))
			for _, severity := range severityOrder {
				if n, ok := s.FailedBySeverity[severity]; ok {
					fmt.Fprintf(&b, " %d |", n)
				} else {
					b.WriteString(" – |")
				}
			}
			fmt.Fprintf(&b, " %s |\n", cell(s.CompletedAt))
		}
		b.WriteString("\n")
		for _, s := range r.Scans {
			if len(s.TopFailures) == 0 {
				continue
			}
			fmt.Fprintf(&b, "### Top failures of scan `%s`\n\n", cell(s.ID))
			b.WriteString("| Severity | Check | Title | Remediation |\n|----------|-------|-------|-------------|\n")
			for _, f := range s.TopFailures {
				fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", cell(f.Severity), cell(f.TestID), cell(f.Title), cell(f.RemediationSteps))
			}
			b.WriteString("\n")
		}
	}

	var notPassing []CheckReport
	for _, c := range r.Checks {
		if c.Status != "pass" {
			notPassing = append(notPassing, c)
		}
	}
	if len(r.Checks) > 0 {
		fmt.Fprintf(&b, "### Checks: %d of %d passed\n\n", len(r.Checks)-len(notPassing), len(r.Checks))
		for _, c := range notPassing {
			fmt.Fprintf(&b, "- **%s** `%s`", c.Status, cell(c.Address))
			if len(c.Problems) > 0 {
				fmt.Fprintf(&b, ": %s", cell(strings.Join(c.Problems, "; ")))
			}
			b.WriteString("\n")
		}
		if len(notPassing) > 0 {
			b.WriteString("\n")
		}
	}
	writeDiagnostics(&b, "Errors", r.Errors)
	writeDiagnostics(&b, "Warnings", r.Warnings)
	_, err := io.WriteString(w, b.String())
	return err
}

func writeDiagnostics(b *strings.Builder, title string, diagnostics []Diagnostic) {
	if len(diagnostics) == 0 {
		return
	}
	fmt.Fprintf(b, "### %s\n\n", title)
	for _, d := range diagnostics {
		fmt.Fprintf(b, "- **%s**", cell(d.Summary))
		if d.Address != "" {
			fmt.Fprintf(b, " (`%s`)", cell(d.Address))
		}
		if d.Detail != "" {
			fmt.Fprintf(b, ": %s", cell(d.Detail))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
}

func scoreText(score *float64) string {
	if score == nil {
		return "–"
	}
	return fmt.Sprintf("%g%%", *score)
}

// cell keeps a value on one table row: no line breaks, no column breaks,
// no backticks ending a code span early.
func cell(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	s = strings.ReplaceAll(s, "|", "\\|")
	return strings.ReplaceAll(s, "`", "'")
}

// countText is a count, or a dash when it is unknown.
func countText(n *int) string {
	if n == nil {
		return "–"
	}
	return fmt.Sprint(*n)
}
