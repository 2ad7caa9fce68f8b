// Command benchrun runs the parts of `make bench` where Terraform itself
// runs (P1 completion latency, P4 memory, P5 fleet), next to the seed's own
// Python polling loop on the same simulator, adds the Go benchmarks' figures
// (P2, P3, from `go test -bench` output) and writes the report: a markdown
// table, a JSON file and an SVG of time-to-result against scan duration.
//
// scripts/bench.sh builds its inputs and calls it; every child process gets
// a deadline and is stopped (with its process group) when benchrun stops.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"
)

type options struct {
	binDir, outDir, repoDir, goBench, terraform, python, publishDir string
	skipNoLimit                                                     bool
	rerender                                                        string
	only                                                            string
}

func main() {
	var opts options
	flag.StringVar(&opts.binDir, "bin", "", "directory holding terraform-provider-aether365, aether365-sim and rsswrap")
	flag.StringVar(&opts.outDir, "out", ".bench", "directory for the report and logs")
	flag.StringVar(&opts.repoDir, "repo", ".", "repository root (for the seed's verbatim Python example)")
	flag.StringVar(&opts.goBench, "gobench", "", "output of go test -bench ./bench/... (P2, P3)")
	flag.StringVar(&opts.terraform, "terraform", "terraform", "terraform (or tofu) executable")
	flag.StringVar(&opts.python, "python", "python3", "python executable for the seed's example (needs requests)")
	flag.StringVar(&opts.publishDir, "publish", "", "also copy results.md, results.json and the SVG here")
	flag.BoolVar(&opts.skipNoLimit, "skip-no-limit", false, "skip P5's comparison run without the client-side limit")
	flag.StringVar(&opts.rerender, "rerender", "", "only rewrite results.md and the SVG in -out from this results.json")
	flag.StringVar(&opts.only, "only", "", "run only the steps whose name starts with this (e.g. E), for a quick look")
	flag.Parse()
	if opts.rerender != "" {
		if err := rerender(opts); err != nil {
			fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
			os.Exit(1)
		}
		return
	}
	if opts.binDir == "" {
		fmt.Fprintln(os.Stderr, "benchrun: -bin is required")
		os.Exit(2)
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, opts); err != nil {
		fmt.Fprintf(os.Stderr, "benchrun: %v\n", err)
		stop()
		os.Exit(1)
	}
}

func run(ctx context.Context, opts options) error {
	var err error
	for _, dir := range []*string{&opts.binDir, &opts.outDir, &opts.repoDir} {
		if *dir, err = filepath.Abs(*dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(opts.outDir, "logs"), 0o755); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "aether365-bench-")
	if err != nil {
		return err
	}
	defer func() { _ = os.RemoveAll(work) }()

	r := &runner{opts: opts, work: work, logs: filepath.Join(opts.outDir, "logs")}
	if err := r.prepare(ctx); err != nil {
		return err
	}
	rep := &report{Machine: r.machine(ctx), Started: time.Now().UTC().Format(time.RFC3339)}

	if opts.goBench != "" {
		metrics, err := parseGoBench(opts.goBench)
		if err != nil {
			return fmt.Errorf("reading %s: %w", opts.goBench, err)
		}
		rep.GoBench = metrics
	}

	steps := []struct {
		name string
		do   func(context.Context, *report) error
	}{
		{"curve (simulated clock)", r.simulatedCurve},
		{"P1 completion latency", r.p1},
		{"P4 memory", r.p4},
		{"P5 fleet", r.p5},
		{"E large result sets end to end", r.largeResults},
	}
	for _, step := range steps {
		if !strings.HasPrefix(step.name, opts.only) {
			continue
		}
		started := time.Now()
		fmt.Fprintf(os.Stderr, "bench: %s ...\n", step.name)
		if err := step.do(ctx, rep); err != nil {
			return fmt.Errorf("%s: %w", step.name, err)
		}
		fmt.Fprintf(os.Stderr, "bench: %s done in %s\n", step.name, time.Since(started).Round(100*time.Millisecond))
	}
	rep.Finished = time.Now().UTC().Format(time.RFC3339)
	rep.evaluate()
	return r.write(rep)
}

func rerender(opts options) error {
	data, err := os.ReadFile(opts.rerender)
	if err != nil {
		return err
	}
	var rep report
	if err := json.Unmarshal(data, &rep); err != nil {
		return fmt.Errorf("%s: %w", opts.rerender, err)
	}
	rep.Targets = nil
	rep.evaluate()
	r := &runner{opts: opts}
	return r.write(&rep)
}

func (r *runner) write(rep *report) error {
	out := r.opts.outDir
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	js, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{
		"results.json":                   append(js, '\n'),
		"results.md":                     []byte(rep.markdown()),
		"performance-time-to-result.svg": []byte(rep.svg()),
	}
	if rep.Large != nil {
		files["performance-large-results.svg"] = []byte(rep.Large.svg())
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(out, name), data, 0o644); err != nil {
			return err
		}
		if r.opts.publishDir != "" {
			if err := os.MkdirAll(r.opts.publishDir, 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(r.opts.publishDir, name), data, 0o644); err != nil {
				return err
			}
		}
	}
	fmt.Print(string(files["results.md"]))
	return nil
}

// machineInfo names the machine the figures come from.
type machineInfo struct {
	CPUs      int    `json:"cpus"`
	OS        string `json:"os"`
	Go        string `json:"go"`
	Terraform string `json:"terraform"`
	Python    string `json:"python,omitempty"`
}

func (r *runner) machine(ctx context.Context) machineInfo {
	m := machineInfo{CPUs: runtime.NumCPU(), OS: runtime.GOOS + "/" + runtime.GOARCH, Go: runtime.Version()}
	if out, err := r.command(ctx, 30*time.Second, r.work, r.terraformEnv(r.cliConfig), r.opts.terraform, "version", "-json"); err == nil {
		var v struct {
			Version string `json:"terraform_version"`
		}
		if json.Unmarshal([]byte(out), &v) == nil {
			m.Terraform = v.Version
		}
	}
	if r.pythonOK {
		if out, err := r.command(ctx, 30*time.Second, "", nil, r.opts.python, "--version"); err == nil {
			m.Python = trimLine(out)
		}
	}
	return m
}
