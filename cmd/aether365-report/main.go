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
	"syscall"
	"time"
)

// Exit codes: 2 for a bad command line (as the flag package does), 3 when
// -fail-on-gate is given and the gate did not pass.
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
	}
	fs.StringVar(&o.show, "show", "", "read `FILE`, the output of `terraform show -json` (state) or `terraform show -json PLANFILE`")
	fs.StringVar(&o.log, "log", "", "read `FILE`, the output of `terraform plan -json` or `terraform apply -json`, for its errors and warnings")
	fs.StringVar(&o.jsonOut, "json", "-", "write the JSON report to `FILE` (- for stdout, empty for none)")
	fs.StringVar(&o.mdOut, "markdown", "", "append the Markdown report to `FILE`, e.g. \"$GITHUB_STEP_SUMMARY\" (- for stdout)")
	fs.StringVar(&o.sarifOut, "sarif", "", "write SARIF 2.1.0 for GitHub code scanning to `FILE`: every failed check, at the line of the configuration that gates its scan")
	fs.StringVar(&o.junit, "junit", "", "write JUnit XML to `FILE`: a test case per Terraform check and per Aether365 check")
	fs.StringVar(&o.configDir, "config", ".", "with -sarif, read the Terraform configuration's .tf files from `DIR`")
	fs.IntVar(&o.top, "top", 10, "list at most `N` failures per scan, most severe first")
	fs.BoolVar(&o.fromAPI, "from-api", false, "read each scan's results from the Aether365 API (AETHER365_API_KEY, AETHER365_BASE_URL) when the state holds none, and the account of a scan recorded under tenant \"me\"")
	fs.BoolVar(&o.allowInsecureAPI, "allow-insecure-http", false, "with -from-api, allow http:// to a host that is not loopback")
	fs.BoolVar(&o.failOnGate, "fail-on-gate", false, "exit 3 when the gate did not pass (a failed or errored check, a failed check block, an error in the log)")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "aether365-report: unexpected argument %q\n", fs.Arg(0))
		return o, errors.New("unexpected argument")
	}
	if o.show == "" && o.log == "" {
		fmt.Fprintf(stderr, "aether365-report: %v\n", errNoInput)
		return o, errNoInput
	}
	if o.top < 0 {
		fmt.Fprintf(stderr, "aether365-report: -top must not be negative, got %d\n", o.top)
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
			fmt.Fprintf(stderr, "aether365-report: %v\n", err)
			return exitFailure
		}
	}
	if opts.log != "" {
		if log, err = os.ReadFile(opts.log); err != nil {
			fmt.Fprintf(stderr, "aether365-report: %v\n", err)
			return exitFailure
		}
	}
	report, err := buildReport(show, log)
	if err != nil {
		fmt.Fprintf(stderr, "aether365-report: %s: %v\n", opts.show, err)
		return exitFailure
	}
	if opts.fromAPI {
		ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
		defer cancel()
		if err := addFromAPI(ctx, report, apiSettings{
			baseURL: getenv("AETHER365_BASE_URL"), apiKey: getenv("AETHER365_API_KEY"), allowInsecureHTTP: opts.allowInsecureAPI,
		}); err != nil {
			// The report is still worth writing: the scores come from state.
			fmt.Fprintf(stderr, "aether365-report: reading from the API: %v\n", err)
		}
	}
	for i := range report.Scans {
		summarizeFailures(&report.Scans[i], opts.top)
	}

	if opts.jsonOut != "" {
		if err := writeTo(opts.jsonOut, stdout, false, func(w io.Writer) error {
			enc := json.NewEncoder(w)
			enc.SetIndent("", "  ")
			return enc.Encode(report)
		}); err != nil {
			fmt.Fprintf(stderr, "aether365-report: writing the JSON report: %v\n", err)
			return exitFailure
		}
	}
	if opts.mdOut != "" {
		if err := writeTo(opts.mdOut, stdout, true, func(w io.Writer) error { return writeMarkdown(w, report) }); err != nil {
			fmt.Fprintf(stderr, "aether365-report: writing the Markdown report: %v\n", err)
			return exitFailure
		}
	}
	if opts.sarifOut != "" {
		if err := writeSARIF(opts, report, stdout, stderr); err != nil {
			fmt.Fprintf(stderr, "aether365-report: writing SARIF: %v\n", err)
			return exitFailure
		}
	}
	if opts.junit != "" {
		if err := writeTo(opts.junit, stdout, false, func(w io.Writer) error { return writeJUnit(w, report) }); err != nil {
			fmt.Fprintf(stderr, "aether365-report: writing JUnit XML: %v\n", err)
			return exitFailure
		}
	}
	if opts.failOnGate && report.Gate != gatePassed {
		fmt.Fprintf(stderr, "aether365-report: the gate %s\n", map[string]string{gateFailed: "failed", gateUnknown: "has no check results"}[report.Gate])
		return exitGateFailed
	}
	return exitOK
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
		fmt.Fprintf(stderr, "aether365-report: SARIF: %s\n", note)
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
