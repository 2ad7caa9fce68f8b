package main

import (
	"fmt"
	"io"
	"strings"
	"unicode"
)

// writeMarkdown renders the report for a GitHub Actions job summary (or any
// Markdown viewer): the gate, one table row per scan, the top failures, the
// checks that did not pass and the run's errors. Every value it
// interpolates goes through text or code: titles, remediation steps and
// messages are the API's, and carry the names of a tenant's objects.
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
				tenant = "`" + codeCell(*s.TenantID) + "`"
			}
			addresses := make([]string, 0, 1+len(s.OtherAddresses))
			for _, address := range append([]string{s.Address}, s.OtherAddresses...) {
				addresses = append(addresses, "`"+codeCell(address)+"`")
			}
			fmt.Fprintf(&b, "| `%s` (%s) | %s | %s | %s | %s |", codeCell(s.ID), strings.Join(addresses, ", "), tenant, text(s.Status),
				scoreText(s.Score), countText(s.FailCount))
			for _, severity := range severityOrder {
				if n, ok := s.FailedBySeverity[severity]; ok {
					fmt.Fprintf(&b, " %d |", n)
				} else {
					b.WriteString(" – |")
				}
			}
			fmt.Fprintf(&b, " %s |\n", text(s.CompletedAt))
		}
		b.WriteString("\n")
		for _, s := range r.Scans {
			if len(s.TopFailures) == 0 {
				continue
			}
			fmt.Fprintf(&b, "### Top failures of scan `%s`\n\n", code(s.ID))
			b.WriteString("| Severity | Check | Title | Remediation |\n|----------|-------|-------|-------------|\n")
			for _, f := range s.TopFailures {
				fmt.Fprintf(&b, "| %s | `%s` | %s | %s |\n", text(f.Severity), codeCell(f.TestID), text(f.Title), text(f.RemediationSteps))
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
			fmt.Fprintf(&b, "- **%s** `%s`", text(c.Status), code(c.Address))
			if len(c.Problems) > 0 {
				fmt.Fprintf(&b, ": %s", text(strings.Join(c.Problems, "; ")))
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
		fmt.Fprintf(b, "- **%s**", text(d.Summary))
		if d.Address != "" {
			fmt.Fprintf(b, " (`%s`)", code(d.Address))
		}
		if d.Detail != "" {
			fmt.Fprintf(b, ": %s", text(d.Detail))
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

// text makes s inert text on one line of Markdown (GitHub's flavour), in a
// table cell or a list item: line breaks become spaces (no new row, heading
// or list), control and bidirectional characters U+FFFD, HTML's < > &
// entities (no tag, comment or entity of its own), and the characters that
// open links, images, emphasis, strikethrough, code spans and cells are
// escaped with a backslash. An underscore inside a word stays: it opens no
// emphasis there.
func text(s string) string {
	runes := []rune(strings.Join(strings.Fields(visible(s)), " "))
	var b strings.Builder
	for i, r := range runes {
		switch r {
		case '&':
			b.WriteString("&amp;")
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '\\', '`', '*', '[', ']', '~', '|':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '_':
			if i == 0 || i == len(runes)-1 || !isWordRune(runes[i-1]) || !isWordRune(runes[i+1]) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// textLines is text line by line, for a value whose lines matter (numbered
// remediation steps), each line its own paragraph line.
func textLines(s string) string {
	lines := strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n")
	for i, line := range lines {
		lines[i] = text(line)
	}
	return strings.Join(lines, "  \n")
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }

// code is s for the inside of a code span, which Markdown shows as it is:
// on one line, with no backtick to end the span early, no control
// characters.
func code(s string) string {
	return strings.ReplaceAll(strings.Join(strings.Fields(visible(s)), " "), "`", "'")
}

// codeCell is code for a code span in a table cell, where a | would end
// the cell even inside the span.
func codeCell(s string) string {
	return strings.ReplaceAll(code(s), "|", "\\|")
}

// visible replaces control characters other than whitespace, and the
// invisible characters that reorder text, with U+FFFD.
func visible(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return r
		}
		if unicode.IsControl(r) || isBidiControl(r) {
			return unicode.ReplacementChar
		}
		return r
	}, s)
}

// countText is a count, or a dash when it is unknown.
func countText(n *int) string {
	if n == nil {
		return "–"
	}
	return fmt.Sprint(*n)
}
