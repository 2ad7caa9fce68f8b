package main

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// Large result sets end to end: real terraform runs reading every result of
// one scan with data "aether365_scan_results", the provider's own time split
// from its structured logs, peak memory and state size.
const (
	// e1Results, e1Score and e1Seed make a scan with 12,571 failed results
	// (126 pages), the size the E1 targets are set at, in every run: without a
	// fixed seed the count moved between 12,000 and 15,000, and the ratio to
	// the page-by-page loop with it.
	e1Results = 18000
	e1Score   = "0"
	e1Seed    = "10"
	e1Latency = 100 * time.Millisecond
)

// curveCounts are the result counts of the size curve (result = "All").
var curveCounts = []int{1000, 10000, 50000}

// slimCounts are the counts at which include_control_text = false is measured too.
var slimCounts = map[int]bool{10000: true, 50000: true}

type largeResults struct {
	// Apply is the ~12.5k failed results at +100 ms per request.
	Apply     largeRun   `json:"apply_12k_failed_100ms"`
	GuideLoop guideLoop  `json:"seed_page_loop_12k_failed_100ms"`
	Curve     []largeRun `json:"curve"`
}

// largeRun is one terraform apply (and a plan after it) of the data source.
type largeRun struct {
	Results     int  `json:"results"`
	ControlText bool `json:"include_control_text"`
	// ApplyS is a plain terraform apply, as a user runs it (the median of
	// three for the 12.5k apply). TracedApplyS is the apply after it, with
	// TF_LOG=json and the provider under rsswrap, which the timings and
	// memory figures come from; the two are kept apart so that tracing
	// never counts in what users would see.
	ApplyS          float64 `json:"apply_s"`
	TracedApplyS    float64 `json:"traced_apply_s"`
	PlanS           float64 `json:"plan_s"`
	ReadMS          float64 `json:"provider_read_ms"`
	NetworkMS       float64 `json:"provider_network_ms"`
	ConversionMS    float64 `json:"provider_conversion_ms"`
	ProviderRSSMiB  float64 `json:"provider_peak_rss_mib"`
	TerraformRSSMiB float64 `json:"terraform_peak_rss_mib"`
	StateBytes      int64   `json:"state_bytes"`
}

type guideLoop struct {
	Results int     `json:"results"`
	Pages   int     `json:"pages"`
	WallS   float64 `json:"wall_s"`
}

func (r *runner) largeResults(ctx context.Context, rep *report) error {
	rep.Large = &largeResults{}
	s, err := r.startSim(ctx, "large-12k-sim", "--scan-duration", "0s", "--results", strconv.Itoa(e1Results),
		"--score", e1Score, "--seed", e1Seed, "--latency", e1Latency.String())
	if err != nil {
		return err
	}
	if err := startScan(ctx, s.URL, simulator.DemoAPIKey, "me"); err != nil {
		s.stop()
		return err
	}
	rep.Large.GuideLoop, err = runGuidePageLoop(ctx, s.URL, simulator.DemoAPIKey)
	if err == nil {
		rep.Large.Apply, err = r.largeApply(ctx, "large-12k", s.URL, `result = "Failed"`, true, 3)
	}
	s.stop()
	if err != nil {
		return err
	}
	for _, n := range curveCounts {
		for _, withText := range []bool{true, false} {
			if !withText && !slimCounts[n] {
				continue
			}
			run, err := r.curveRun(ctx, n, withText)
			if err != nil {
				return err
			}
			rep.Large.Curve = append(rep.Large.Curve, run)
		}
	}
	return nil
}

func (r *runner) curveRun(ctx context.Context, n int, withText bool) (largeRun, error) {
	name := fmt.Sprintf("large-%d-text-%t", n, withText)
	s, err := r.startSim(ctx, name+"-sim", "--scan-duration", "0s", "--results", strconv.Itoa(n), "--score", "87")
	if err != nil {
		return largeRun{}, err
	}
	defer s.stop()
	if err := startScan(ctx, s.URL, simulator.DemoAPIKey, "me"); err != nil {
		return largeRun{}, err
	}
	args := `result = "All"`
	if !withText {
		args += "\n  include_control_text = false"
	}
	return r.largeApply(ctx, name, s.URL, args, withText, 1)
}

// largeApply applies a configuration reading the results plainApplies
// times (the median is ApplyS), then once more traced for the provider's
// timings and both processes' memory, then plans it (the plan re-reads the
// data source and Terraform re-reads the state).
func (r *runner) largeApply(ctx context.Context, name, url, args string, withText bool, plainApplies int) (largeRun, error) {
	dir := filepath.Join(r.work, name)
	config := providerBlock(url, simulator.DemoAPIKey, "") + fmt.Sprintf(`
data "aether365_scan_results" "read" {
  %s
}

output "count" {
  value = length(data.aether365_scan_results.read.results)
}
`, args)
	if err := writeConfig(dir, config); err != nil {
		return largeRun{}, err
	}
	run := largeRun{ControlText: withText}
	// Each apply starts from no state, as a first apply does: with an
	// earlier apply's state Terraform would hold the old value beside the
	// new one, and neither its time nor its memory would be a first apply's.
	removeState := func() error {
		for _, name := range []string{"terraform.tfstate", "terraform.tfstate.backup"} {
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !os.IsNotExist(err) {
				return err
			}
		}
		return nil
	}
	plain := make([]float64, plainApplies)
	for i := range plain {
		_, took, err := r.terraform(ctx, dir, r.terraformEnv(r.cliConfig), "apply", "-auto-approve", "-input=false", "-no-color")
		if err != nil {
			return run, err
		}
		if err := removeState(); err != nil {
			return run, err
		}
		plain[i] = took.Seconds()
	}
	run.ApplyS = median(plain)
	logPath := filepath.Join(r.logs, name+"-apply.jsonl")
	rssPath := filepath.Join(dir, "rss-apply.txt")
	env := r.terraformEnv(r.rssCLIConfig, "RSSWRAP_TARGET="+filepath.Join(r.opts.binDir, providerBinary),
		"RSSWRAP_OUT="+rssPath, "TF_LOG=json", "TF_LOG_PATH="+logPath)
	_ = os.Remove(logPath) // Terraform appends to TF_LOG_PATH; an earlier run's lines must not count
	started := time.Now()
	out, usage, err := r.commandUsage(ctx, dir, env, "apply", "-auto-approve", "-input=false", "-no-color")
	run.TracedApplyS = time.Since(started).Seconds()
	if err != nil {
		return run, err
	}
	run.TerraformRSSMiB = float64(usage.Maxrss) / 1024
	if run.ProviderRSSMiB, _, err = readMaxRSS(rssPath); err != nil {
		return run, err
	}
	if run.ReadMS, run.NetworkMS, err = readTimings(logPath); err != nil {
		return run, fmt.Errorf("%s: %w\n%s", logPath, err, tail(out, 10))
	}
	run.ConversionMS = run.ReadMS - run.NetworkMS
	info, err := os.Stat(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return run, err
	}
	run.StateBytes = info.Size()
	if run.Results, err = r.outputCount(ctx, dir); err != nil {
		return run, err
	}
	_, took, err := r.terraform(ctx, dir, r.terraformEnv(r.cliConfig), "plan", "-input=false", "-no-color")
	run.PlanS = took.Seconds()
	return run, err
}

func (r *runner) outputCount(ctx context.Context, dir string) (int, error) {
	out, err := r.command(ctx, 60*time.Second, dir, r.terraformEnv(r.cliConfig), r.opts.terraform, "output", "-raw", "count")
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(trimLine(out))
}

// commandUsage runs terraform and returns its resource usage: ru_maxrss of
// wait4 is the largest of terraform and the children it reaped.
func (r *runner) commandUsage(ctx context.Context, dir string, env []string, args ...string) (string, *syscall.Rusage, error) {
	var usage *syscall.Rusage
	out, err := r.commandWith(ctx, terraformLimit, dir, env, func(state *os.ProcessState) {
		usage, _ = state.SysUsage().(*syscall.Rusage)
	}, r.opts.terraform, args...)
	if err == nil && usage == nil {
		err = fmt.Errorf("terraform %v: no resource usage", args)
	}
	return out, usage, err
}

// logLine holds the structured fields of Terraform's JSON log that the
// bench reads: the plugin protocol's duration of a ReadDataSource call and
// the provider's own network_ms of the read.
type logLine struct {
	RPC        string   `json:"tf_rpc"`
	DurationMS *float64 `json:"tf_req_duration_ms"`
	NetworkMS  *float64 `json:"network_ms"`
}

// readTimings returns the slowest ReadDataSource call's duration and the
// largest network time in the log (one data source per configuration).
func readTimings(path string) (readMS, networkMS float64, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, err
	}
	defer func() { _ = f.Close() }()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(make([]byte, 1<<20), 64<<20)
	for scanner.Scan() {
		var line logLine
		if json.Unmarshal(scanner.Bytes(), &line) != nil {
			continue
		}
		if line.RPC == "ReadDataSource" && line.DurationMS != nil {
			readMS = max(readMS, *line.DurationMS)
		}
		if line.NetworkMS != nil {
			networkMS = max(networkMS, *line.NetworkMS)
		}
	}
	if err := scanner.Err(); err != nil {
		return 0, 0, err
	}
	if readMS == 0 || networkMS == 0 {
		return 0, 0, fmt.Errorf("no ReadDataSource tf_req_duration_ms or network_ms in the log: %w", errNoData)
	}
	return readMS, networkMS, nil
}

// runGuidePageLoop is the seed's critical-failures script without its
// severity filter: the latest completed scan, then its failed results one
// page request after the other until meta.totalPages.
func runGuidePageLoop(ctx context.Context, url, key string) (guideLoop, error) {
	started := time.Now()
	var scans struct {
		Data []struct {
			ID string `json:"id"`
		} `json:"data"`
	}
	if err := getJSON(ctx, url+"/tenants/me/scans?status=completed&limit=1", key, &scans); err != nil {
		return guideLoop{}, err
	}
	if len(scans.Data) == 0 {
		return guideLoop{}, fmt.Errorf("seed loop: no completed scan")
	}
	loop := guideLoop{}
	for page := 1; ; page++ {
		var resp struct {
			Data []json.RawMessage `json:"data"`
			Meta struct {
				TotalPages int `json:"totalPages"`
			} `json:"meta"`
		}
		pageURL := fmt.Sprintf("%s/scans/%s/results?result=Failed&page=%d&limit=100", url, scans.Data[0].ID, page)
		if err := getJSON(ctx, pageURL, key, &resp); err != nil {
			return loop, err
		}
		loop.Results += len(resp.Data)
		loop.Pages = page
		if page >= resp.Meta.TotalPages {
			break
		}
	}
	loop.WallS = time.Since(started).Seconds()
	return loop, nil
}

func getJSON(ctx context.Context, url, key string, out any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+key)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer func() { _ = resp.Body.Close() }()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: HTTP %d", url, resp.StatusCode)
	}
	return json.NewDecoder(resp.Body).Decode(out)
}
