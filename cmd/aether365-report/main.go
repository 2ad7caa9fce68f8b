// Command aether365-report writes what a pipeline needs after an Aether365
// gate, passed or failed: each scan's score, status, ID and failed counts by
// severity, its top failures, and the outcome of every check, as JSON, as
// Markdown (for a GitHub Actions job summary), as SARIF (for GitHub code
// scanning) and as JUnit XML (for the test tabs of Azure DevOps and GitLab). It reads what Terraform keeps
// even when the gate fails: the state or plan (`terraform show -json`) and
// the diagnostics of a `terraform plan -json` / `apply -json` log.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"
	"unicode"
	"unicode/utf8"
)

// Exit codes: 1 when the report is incomplete (an input could not be read,
// a -from-api read failed, an output could not be written), 2 for a bad
// command line (as the flag package does), 3 when -fail-on-gate is given
// and the gate did not pass. 1 wins over 3: a pipeline must not take an
// incomplete report for a verdict.
const (
	exitOK         = 0
	exitFailure    = 1
	exitBadUsage   = 2
	exitGateFailed = 3
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv))
}

type options struct {
	show, log        string
	jsonOut, mdOut   string
	sarifOut, junit  string
	configDir        string
	top              int
	fromAPI          bool
	failOnGate       bool
	allowInsecureAPI bool
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("aether365-report", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, "Usage: aether365-report [flags]\n\n"+
			"Reports the Aether365 scans, checks and errors of a Terraform run, passed or failed.\n\n"+
			"  terraform show -json > show.json                 # after apply, even a failed one\n"+
			"  terraform show -json tfplan > show.json          # or a saved plan\n"+
			"  aether365-report -show show.json -log apply.log -markdown \"$GITHUB_STEP_SUMMARY\"\n\nFlags:\n")
		fs.PrintDefaults()
		fmt.Fprint(stderr, "\nExit status:\n"+
			"  0  the report is written (and with -fail-on-gate, the gate passed)\n"+
			"  1  the report is incomplete: an input is missing, empty or not what it should be, a -from-api read failed\n"+
			"     (then no SARIF is written: code scanning would close the scan's alerts), or an output could not be\n"+
			"     written (the others still are); this wins over 3\n"+
			"  2  a bad command line\n"+
			"  3  with -fail-on-gate, the gate did not pass\n")
	}
	fs.StringVar(&o.show, "show", "", "read `FILE`, the output of `terraform show -json` (state) or `terraform show -json PLANFILE`")
	fs.StringVar(&o.log, "log", "", "read `FILE`, the output of `terraform plan -json` or `terraform apply -json`, for its errors and warnings")
	fs.StringVar(&o.jsonOut, "json", "-", "write the JSON report to `FILE` (- for stdout, empty for none)")
	fs.StringVar(&o.mdOut, "markdown", "", "append the Markdown report to `FILE`, e.g. \"$GITHUB_STEP_SUMMARY\" (- for stdout)")
	fs.StringVar(&o.sarifOut, "sarif", "", "write SARIF 2.1.0 for GitHub code scanning to `FILE`: every failed check, at the line of the configuration that gates its scan")
	fs.StringVar(&o.junit, "junit", "", "write JUnit XML to `FILE`: a test case per Terraform check and per Aether365 check")
	fs.StringVar(&o.configDir, "config", ".", "with -sarif, read the Terraform configuration's .tf files from `DIR`")
	fs.IntVar(&o.top, "top", 10, "list at most `N` failures per scan, most severe first")
	fs.BoolVar(&o.fromAPI, "from-api", false, "read each scan's results from the Aether365 API (AETHER365_API_KEY, AETHER365_BASE_URL, AETHER365_MAX_RETRIES) when the state holds none, and the account of a scan recorded under tenant \"me\"; a failed read is an error (exit 1, no SARIF)")
	fs.BoolVar(&o.allowInsecureAPI, "allow-insecure-http", false, "with -from-api, allow http:// to a host that is not loopback")
	fs.BoolVar(&o.failOnGate, "fail-on-gate", false, "exit 3 when the gate did not pass (a failed or errored check, a failed check block, an error in the log)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		logf(stderr, "unexpected argument %q", fs.Arg(0))
		return o, errors.New("unexpected argument")
	}
	if o.show == "" && o.log == "" {
		logf(stderr, "%v", errNoInput)
		return o, errNoInput
	}
	if o.top < 0 {
		logf(stderr, "-top must not be negative, got %d", o.top)
		return o, errors.New("bad -top")
	}
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) int {
	opts, err := parseFlags(args, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return exitOK
	}
	if err != nil {
		return exitBadUsage
	}
	var show, log []byte
	if opts.show != "" {
		if show, err = os.ReadFile(opts.show); err != nil {
			logf(stderr, "-show: %v", err)
			return exitFailure
		}
	}
	if opts.log != "" {
		if log, err = os.ReadFile(opts.log); err != nil {
			logf(stderr, "-log: %v", err)
			return exitFailure
		}
	}
	report, err := buildReport(show, log)
	if err != nil {
		logf(stderr, "%v", err)
		return exitFailure
	}
	incomplete := false
	if opts.fromAPI {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		apiErrs := addFromAPI(ctx, report, apiSettings{
			baseURL: getenv("AETHER365_BASE_URL"), apiKey: getenv("AETHER365_API_KEY"), maxRetries: getenv("AETHER365_MAX_RETRIES"),
			allowInsecureHTTP: opts.allowInsecureAPI,
		})
		// The report is still worth writing (the scores come from state), but
		// it lacks what -from-api was to add: its errors say so, and no
		// output may pass for complete.
		for _, err := range apiErrs {
			logf(stderr, "-from-api: %v", err)
			report.Errors = append(report.Errors, Diagnostic{Summary: apiErrorSummary, Detail: err.Error()})
		}
		incomplete = len(apiErrs) > 0
	}
	for i := range report.Scans {
		summarizeFailures(&report.Scans[i], opts.top)
	}

	// Each output is written whatever became of the others.
	failed := incomplete
	output := func(what string, write func() error) {
		if err := write(); err != nil {
			logf(stderr, "writing %s: %v", what, err)
			failed = true
		}
	}
	if opts.jsonOut != "" {
		output("the JSON report", func() error {
			return writeTo(opts.jsonOut, stdout, false, func(w io.Writer) error {
				enc := json.NewEncoder(w)
				enc.SetIndent("", "  ")
				return enc.Encode(report)
			})
		})
	}
	if opts.mdOut != "" {
		output("the Markdown report", func() error {
			return writeTo(opts.mdOut, stdout, true, func(w io.Writer) error { return writeMarkdown(w, report) })
		})
	}
	if opts.sarifOut != "" {
		if incomplete {
			// A log without a scan's failures closes every open alert of it.
			logf(stderr, "not writing SARIF to %s: -from-api could not read every scan's failures, and code scanning "+
				"would take their absence for fixed alerts", opts.sarifOut)
		} else {
			output("SARIF", func() error { return writeSARIF(opts, report, stdout, stderr) })
		}
	}
	if opts.junit != "" {
		output("JUnit XML", func() error {
			return writeTo(opts.junit, stdout, false, func(w io.Writer) error { return writeJUnit(w, report) })
		})
	}
	gateFailedToPass := opts.failOnGate && report.Gate != gatePassed
	if gateFailedToPass {
		logf(stderr, "the gate %s", map[string]string{gateFailed: "failed", gateUnknown: "has no check results"}[report.Gate])
	}
	switch {
	case failed:
		logf(stderr, "the report is incomplete: see the errors above")
		return exitFailure
	case gateFailedToPass:
		return exitGateFailed
	}
	return exitOK
}

// logf prints one line on stderr, named after the command. What it
// interpolates (scan IDs, addresses, the API's messages) cannot break the
// line, so nothing from the input starts one: a line starting with "::" is
// a GitHub Actions workflow command.
func logf(stderr io.Writer, format string, args ...any) {
	fmt.Fprintf(stderr, "aether365-report: %s\n", oneLine(fmt.Sprintf(format, args...)))
}

// oneLine escapes what would end a line or act on a terminal: control
// characters, Unicode line and paragraph separators, and the bidirectional
// overrides that reorder what a reader sees.
func oneLine(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteByte(' ')
		case unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || isBidiControl(r) || r == utf8.RuneError:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// isBidiControl reports the invisible characters that change the order in
// which text is shown (Trojan Source).
func isBidiControl(r rune) bool {
	return r >= '\u202A' && r <= '\u202E' || r >= '\u2066' && r <= '\u2069' || r == '\u200E' || r == '\u200F' || r == '\u061C'
}

// writeSARIF writes the SARIF log, and on stderr what it leaves out.
func writeSARIF(opts options, report *Report, stdout, stderr io.Writer) error {
	// Without .tf files, buildSARIF fails only if a failed check needs a location.
	config, err := readConfiguration(opts.configDir)
	if err != nil && !errors.Is(err, errNoConfiguration) {
		return fmt.Errorf("reading the configuration: %w", err)
	}
	out, err := buildSARIF(report, config)
	if err != nil {
		return err
	}
	for _, note := range out.Notes {
		logf(stderr, "SARIF: %s", note)
	}
	return writeTo(opts.sarifOut, stdout, false, func(w io.Writer) error {
		_, err := w.Write(out.JSON)
		return err
	})
}

// writeTo writes to stdout for "-", else to the file, appending when asked
// (a job summary file collects every step's output).
func writeTo(name string, stdout io.Writer, appendToFile bool, write func(io.Writer) error) error {
	if name == "-" {
		return write(stdout)
	}
	flags := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if appendToFile {
		flags = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	f, err := os.OpenFile(name, flags, 0o644)
	if err != nil {
		return err
	}
	if err := write(f); err != nil {
		_ = f.Close()
		return err
	}
	return f.Close()
}
