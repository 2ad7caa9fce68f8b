package main

import (
	"regexp"
	"strings"
	"testing"
)

func TestMarkdownCellsStayOnOneRow(t *testing.T) {
	if got := codeCell("a | b\n`c`"); got != "a \\| b 'c'" {
		t.Errorf("codeCell = %q", got)
	}
	if got := text("a | b\n`c`"); got != "a \\| b \\`c\\`" {
		t.Errorf("text = %q", got)
	}
}

// Titles, remediation steps and messages are the API's (and the tenant's
// object names): in a job summary they stay text, whatever HTML or
// Markdown they hold.
func TestMarkdownKeepsItsInputInert(t *testing.T) {
	hostile := "<img src=https://evil.example/p.png> [Click](https://phish.example) ![i](https://evil.example/i) " +
		"**bold** _em_ ~~gone~~ &lt;b&gt; \x1b[31mred\x00 \u202Eright-to-left <!-- the rest\n## Injected\r\n| x |"
	report := &Report{Gate: gateFailed, Scans: []ScanReport{{
		Address: "aether365_scan.gate", ID: "scan_`x`\n## Injected", Status: "completed", TopFailuresSource: "api",
		TopFailures: []Failure{{TestID: "AE.1 <b>", Title: hostile, Severity: "high", RemediationSteps: hostile}},
	}}, Checks: []CheckReport{{Address: "check.x", Kind: "check", Status: "fail", Problems: []string{hostile}}},
		Errors: []Diagnostic{{Summary: hostile, Detail: hostile}}}
	var b strings.Builder
	if err := writeMarkdown(&b, report); err != nil {
		t.Fatal(err)
	}
	md := b.String()
	for _, bad := range []string{"<img", "<!--", "**bold**", "_em_", "~~gone~~", "&lt;b&gt;", "\x1b", "\x00", "\u202E"} {
		if strings.Contains(md, bad) {
			t.Errorf("the Markdown holds %q:\n%s", bad, md)
		}
	}
	if link := regexp.MustCompile(`[^\\]\]\(`).FindString(md); link != "" {
		t.Errorf("the Markdown holds a link (%q):\n%s", link, md)
	}
	// In a code span, which shows its content as it is, <b> is text.
	if strings.Count(md, "<b>") != strings.Count(md, "`AE.1 <b>`") {
		t.Errorf("the Markdown holds <b> outside a code span:\n%s", md)
	}
	for _, line := range strings.Split(md, "\n") {
		if strings.HasPrefix(line, "## Injected") || strings.HasPrefix(line, "| x |") {
			t.Errorf("input started a line of its own: %q", line)
		}
	}
	if !strings.Contains(md, `&lt;img src=https://evil.example/p.png&gt; \[Click\](https://phish.example)`) {
		t.Errorf("the Markdown does not show the text as it was:\n%s", md)
	}
}

// Identifiers with an underscore inside a word stay as they are: it is no
// emphasis, and an escaped one makes the raw summary hard to search.
func TestMarkdownTextKeepsIntrawordUnderscores(t *testing.T) {
	if got := text("scan_abc (scan _x_)"); got != `scan_abc (scan \_x\_)` {
		t.Errorf("text = %q", got)
	}
}
