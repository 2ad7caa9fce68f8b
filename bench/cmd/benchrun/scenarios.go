package main

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/bench"
	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

const (
	p1ScanDuration = 5 * time.Second
	p1Runs         = 3
	startupRuns    = 3
	p4Results      = 10000
	p5Tenants      = 50
	p5RateLimit    = 20
	// p5ClientRate is the provider's requests_per_second: a tenth under the
	// server's limit, so that the client's and the server's token buckets,
	// which start and refill at slightly different instants, never disagree.
	p5ClientRate  = 18
	p5Parallelism = 10 // Terraform's default -parallelism
	fleetKey      = "ae_live_fleet"
	guideScript   = "internal/simulator/testdata/seed/trigger_and_wait.py"
)

// curveDurations are the scan durations of the time-to-result picture.
var curveDurations = []time.Duration{
	1 * time.Second, 2 * time.Second, 3 * time.Second, 5 * time.Second, 7 * time.Second, 10 * time.Second,
	15 * time.Second, 20 * time.Second, 25 * time.Second, 30 * time.Second, 35 * time.Second, 45 * time.Second,
	60 * time.Second, 75 * time.Second, 90 * time.Second, 120 * time.Second, 150 * time.Second, 180 * time.Second,
	240 * time.Second, 300 * time.Second, 360 * time.Second, 420 * time.Second, 480 * time.Second,
	540 * time.Second, 600 * time.Second,
}

// realDurations are waited for on the wall clock (Go-level waiter).
var realDurations = []time.Duration{2 * time.Second, 5 * time.Second, 10 * time.Second}

func providerBlock(url, key string, extra string) string {
	return fmt.Sprintf(`terraform {
  required_providers {
    aether365 = { source = "aether365/aether365" }
  }
}

provider "aether365" {
  base_url = %q
  api_key  = %q
%s}
`, url, key, extra)
}

// --- curve -------------------------------------------------------------------

func (r *runner) simulatedCurve(ctx context.Context, rep *report) error {
	points, err := bench.SimulatedCurve(ctx, curveDurations)
	if err != nil {
		return err
	}
	for _, p := range points {
		rep.Curve = append(rep.Curve, curvePoint{
			ScanS: p.ScanDuration.Seconds(), ProviderS: p.Provider.Seconds(), ProviderNoHintS: p.ProviderNoHint.Seconds(),
			GuideS: p.Guide.Seconds(), Polls: p.Polls, PollsNoHint: p.PollsNoHint, GuidePolls: p.GuidePolls,
		})
	}
	return nil
}

// --- P1 ------------------------------------------------------------------------

func (r *runner) p1(ctx context.Context, rep *report) error {
	s, err := r.startSim(ctx, "p1-sim", "--scan-duration", p1ScanDuration.String(), "--score", "87")
	if err != nil {
		return err
	}
	defer s.stop()

	// The seed's loop sleeps 30 s and the Go-level real-time waits take up to
	// 10 s; both mostly sleep, so they run alongside Terraform.
	guideDone := make(chan guideRun, 1)
	go func() { guideDone <- r.runGuide(ctx, s.URL) }()
	type realRuns struct {
		runs []bench.WaitRun
		err  error
	}
	realDone := make(chan realRuns, 1)
	go func() {
		runs, err := bench.RealTimeWaits(ctx, realDurations)
		realDone <- realRuns{runs, err}
	}()

	if rep.P1.StartupRunsS, err = r.terraformStartups(ctx); err != nil {
		return err
	}
	rep.P1.StartupS = median(rep.P1.StartupRunsS)

	config := providerBlock(s.URL, simulator.DemoAPIKey, "") + `
resource "aether365_scan" "p1" {
  scan_type = "compliance"
}

output "scan" {
  value = {
    id           = aether365_scan.p1.id
    status       = aether365_scan.p1.status
    created_at   = aether365_scan.p1.created_at
    completed_at = aether365_scan.p1.completed_at
  }
}
`
	for i := range p1Runs {
		run, err := r.p1Apply(ctx, filepath.Join(r.work, fmt.Sprintf("p1-apply-%d", i)), config)
		if err != nil {
			return err
		}
		rep.P1.Runs = append(rep.P1.Runs, run)
	}

	guide := <-guideDone
	if guide.err != nil {
		return fmt.Errorf("the seed's Python loop: %w", guide.err)
	}
	rep.P1.Guide = guide
	realTime := <-realDone
	if realTime.err != nil {
		return fmt.Errorf("real-time waits: %w", realTime.err)
	}
	for _, run := range realTime.runs {
		rep.P1.RealWaits = append(rep.P1.RealWaits, realWait{
			ScanS: run.ScanDuration.Seconds(), TimeToResultS: run.TimeToResult.Seconds(),
			LatenessS: run.Lateness().Seconds(), Polls: run.Polls,
		})
	}
	rep.P1.ScanS = p1ScanDuration.Seconds()
	return nil
}

// terraformStartups times Terraform's own start-up and shutdown: applies of
// a lone terraform_data, in seconds.
func (r *runner) terraformStartups(ctx context.Context) ([]float64, error) {
	var runs []float64
	for i := range startupRuns {
		dir := filepath.Join(r.work, fmt.Sprintf("p1-startup-%d", i))
		if err := writeConfig(dir, "resource \"terraform_data\" \"startup\" {}\n"); err != nil {
			return nil, err
		}
		_, took, err := r.terraform(ctx, dir, r.terraformEnv(r.cliConfig), "apply", "-auto-approve", "-input=false", "-no-color")
		if err != nil {
			return nil, err
		}
		runs = append(runs, took.Seconds())
	}
	return runs, nil
}

// p1Apply applies one aether365_scan and splits the time with the
// provider's debug log (millisecond timestamps): the scan exists from the
// moment its POST was sent at the latest, so it is complete no later than
// POST sent + 5 s; everything after that instant counts as latency.
func (r *runner) p1Apply(ctx context.Context, dir, config string) (p1Run, error) {
	if err := writeConfig(dir, config); err != nil {
		return p1Run{}, err
	}
	// The provider's debug events in Terraform's JSON log; Terraform's own
	// stay off, as before, so the log costs the apply no more.
	logPath := filepath.Join(dir, "provider.jsonl")
	env := r.terraformEnv(r.cliConfig, "TF_LOG=json", "TF_LOG_CORE=off", "TF_LOG_PROVIDER=DEBUG", "TF_LOG_PATH="+logPath)
	started := time.Now()
	out, took, err := r.terraform(ctx, dir, env, "apply", "-auto-approve", "-input=false", "-no-color")
	ended := started.Add(took)
	if err != nil {
		return p1Run{}, err
	}
	_ = os.WriteFile(filepath.Join(r.logs, filepath.Base(dir)+".out"), []byte(out), 0o644)
	post, final, err := scanRequests(logPath)
	if err != nil {
		return p1Run{}, err
	}
	completion := post.sent().Add(p1ScanDuration)
	run := p1Run{
		ApplyS:          took.Seconds(),
		BeforeScanS:     post.sent().Sub(started).Seconds(),
		LatenessS:       ended.Sub(completion).Seconds(),
		WaiterLatenessS: final.Timestamp.Sub(completion).Seconds(),
		AfterResultS:    ended.Sub(final.Timestamp).Seconds(),
		PostRoundTripS:  post.Timestamp.Sub(post.sent()).Seconds(),
	}

	outJSON, err := r.command(ctx, 60*time.Second, dir, r.terraformEnv(r.cliConfig), r.opts.terraform, "output", "-json", "scan")
	if err != nil {
		return p1Run{}, err
	}
	var scan map[string]string
	if err := json.Unmarshal([]byte(outJSON), &scan); err != nil {
		return p1Run{}, fmt.Errorf("terraform output scan: %w", err)
	}
	if scan["status"] != "completed" {
		return p1Run{}, fmt.Errorf("scan %s is %q after apply", scan["id"], scan["status"])
	}
	run.ScanID = scan["id"]
	if completedAt, err := time.Parse(time.RFC3339, scan["completed_at"]); err == nil {
		// completed_at has whole seconds: this overstates by up to 1 s.
		run.CoarseLatenessS = ended.Sub(completedAt).Seconds()
	}
	return run, nil
}

// scanRequests finds the scan's POST and its last status poll among the
// requests the provider logged as answered.
func scanRequests(logPath string) (post, final providerRequest, err error) {
	answered, err := answeredRequests(logPath)
	if err != nil {
		return post, final, err
	}
	for _, req := range answered {
		switch {
		case req.Method == http.MethodPost && post.Method == "":
			post = req
		case req.isStatusPoll():
			final = req
		}
	}
	if post.Method == "" || final.Method == "" {
		return post, final, fmt.Errorf("%s has no POST and status poll (%d answered requests logged)", logPath, len(answered))
	}
	return post, final, nil
}

type guideRun struct {
	Measured      bool    `json:"measured"`
	TimeToResultS float64 `json:"time_to_result_s"`
	LatenessS     float64 `json:"lateness_s"`
	Note          string  `json:"note,omitempty"`
	err           error
}

// runGuide runs the seed's "Trigger a scan and wait for results" example,
// verbatim but for its base URL and key, and times it from start to exit.
func (r *runner) runGuide(ctx context.Context, url string) guideRun {
	closedForm := bench.GuideTimeToResult(p1ScanDuration).Seconds()
	if !r.pythonOK {
		return guideRun{TimeToResultS: closedForm, LatenessS: closedForm - p1ScanDuration.Seconds(),
			Note: "closed form ceil(d/30 s)*30 s: python3 with requests not found"}
	}
	source, err := os.ReadFile(filepath.Join(r.opts.repoDir, guideScript))
	if err != nil {
		return guideRun{err: err}
	}
	script := string(source)
	for old, replacement := range map[string]string{"https://api.aether365.io": url, "ae_live_your-api-key": simulator.DemoAPIKey} {
		if !strings.Contains(script, old) {
			return guideRun{err: fmt.Errorf("%s no longer contains %q", guideScript, old)}
		}
		script = strings.ReplaceAll(script, old, replacement)
	}
	path := filepath.Join(r.work, "trigger_and_wait.py")
	if err := os.WriteFile(path, []byte(script), 0o644); err != nil {
		return guideRun{err: err}
	}
	started := time.Now()
	out, err := r.command(ctx, 120*time.Second, r.work, nil, r.opts.python, "-u", path)
	took := time.Since(started)
	_ = os.WriteFile(filepath.Join(r.logs, "p1-seed.out"), []byte(out), 0o644)
	if err != nil {
		return guideRun{err: err}
	}
	return guideRun{Measured: true, TimeToResultS: took.Seconds(), LatenessS: took.Seconds() - p1ScanDuration.Seconds(),
		Note: "internal/simulator/testdata/seed/trigger_and_wait.py run with python3, URL and key substituted"}
}

// --- P4 ------------------------------------------------------------------------

func (r *runner) p4(ctx context.Context, rep *report) error {
	s, err := r.startSim(ctx, "p4-sim", "--scan-duration", "0s", "--results", strconv.Itoa(p4Results), "--score", "87")
	if err != nil {
		return err
	}
	defer s.stop()
	if err := startScan(ctx, s.URL, simulator.DemoAPIKey, aether365.DefaultTenant); err != nil {
		return err
	}
	dir := filepath.Join(r.work, "p4")
	config := providerBlock(s.URL, simulator.DemoAPIKey, "") + `
data "aether365_scan_results" "all" {
  result = "All"
}

output "count" {
  value = length(data.aether365_scan_results.all.results)
}
`
	if err := writeConfig(dir, config); err != nil {
		return err
	}
	target := filepath.Join(r.opts.binDir, providerBinary)
	measure := func(phase string, args ...string) (float64, int, time.Duration, error) {
		rssFile := filepath.Join(dir, "rss-"+phase+".txt")
		env := r.terraformEnv(r.rssCLIConfig, "RSSWRAP_TARGET="+target, "RSSWRAP_OUT="+rssFile)
		out, took, err := r.terraform(ctx, dir, env, args...)
		_ = os.WriteFile(filepath.Join(r.logs, "p4-"+phase+".out"), []byte(out), 0o644)
		if err != nil {
			return 0, 0, 0, err
		}
		peak, starts, err := readMaxRSS(rssFile)
		return peak, starts, took, err
	}
	var took time.Duration
	if rep.P4.PlanPeakRSSMiB, rep.P4.PlanProviderStarts, took, err = measure("plan", "plan", "-input=false", "-no-color"); err != nil {
		return err
	}
	rep.P4.PlanS = took.Seconds()
	if rep.P4.ApplyPeakRSSMiB, rep.P4.ApplyProviderStarts, took, err = measure("apply", "apply", "-auto-approve", "-input=false", "-no-color"); err != nil {
		return err
	}
	rep.P4.ApplyS = took.Seconds()
	info, err := os.Stat(filepath.Join(dir, "terraform.tfstate"))
	if err != nil {
		return err
	}
	rep.P4.StateBytes = info.Size()
	count, err := r.command(ctx, 60*time.Second, dir, r.terraformEnv(r.cliConfig), r.opts.terraform, "output", "-raw", "count")
	if err != nil {
		return err
	}
	if rep.P4.Results, err = strconv.Atoi(strings.TrimSpace(count)); err != nil || rep.P4.Results != p4Results {
		return fmt.Errorf("the data source read %q results, want %d", strings.TrimSpace(count), p4Results)
	}
	return nil
}

// rssRecord is one line rsswrap appends: one start of the provider.
type rssRecord struct {
	MaxRSSKiB int64 `json:"maxrss_kib"`
}

// readMaxRSS reads rsswrap's records: the largest peak, in MiB, and how
// many times the provider was started.
func readMaxRSS(path string) (float64, int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, 0, fmt.Errorf("no rsswrap record (%w): did Terraform start the wrapper?", err)
	}
	defer func() { _ = f.Close() }()
	var peak int64
	starts := 0
	err = jsonLines(f, func(line []byte) error {
		var record rssRecord
		if err := json.Unmarshal(line, &record); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		peak = max(peak, record.MaxRSSKiB)
		starts++
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	if starts == 0 {
		return 0, 0, fmt.Errorf("%s: %w", path, errNoData)
	}
	return float64(peak) / 1024, starts, nil
}

// startScan starts a compliance scan for tenant with the client.
func startScan(ctx context.Context, url, key, tenant string) error {
	client, err := aether365.New(aether365.Config{BaseURL: url, APIKey: key})
	if err != nil {
		return err
	}
	_, err = client.StartScan(ctx, aether365.StartScanRequest{Tenant: tenant, ScanType: "compliance"})
	return err
}

// --- P5 ------------------------------------------------------------------------

func (r *runner) p5(ctx context.Context, rep *report) error {
	limited, err := r.p5Fleet(ctx, "p5", p5ClientRate)
	if err != nil {
		return err
	}
	rep.P5 = limited
	if !r.opts.skipNoLimit {
		unlimited, err := r.p5Fleet(ctx, "p5-no-client-limit", 0)
		if err != nil {
			return err
		}
		rep.P5NoClientLimit = &unlimited
	}
	return nil
}

func (r *runner) p5Fleet(ctx context.Context, name string, clientRate float64) (p5Result, error) {
	// An MSP's fleet: one Aether365 account with a connection per Microsoft
	// 365 tenant, as published. A request rate limit is not published: it is
	// the assumed profile's.
	tenants := make([]string, p5Tenants)
	for i := range tenants {
		tenants[i] = fmt.Sprintf("conn_t%02d", i+1)
	}
	s, err := r.startSim(ctx, name+"-sim", "--profile", "assumed", "--scan-duration", p1ScanDuration.String(), "--score", "87",
		"--rate-limit", strconv.Itoa(p5RateLimit), "--api-key", fleetKey+"=t_fleet", "--connections", "t_fleet="+strings.Join(tenants, ","))
	if err != nil {
		return p5Result{}, err
	}
	defer s.stop()
	dir := filepath.Join(r.work, name)
	if err := writeConfig(dir, fleetConfig(s.URL, tenants, clientRate)); err != nil {
		return p5Result{}, err
	}
	out, took, applyErr := r.terraform(ctx, dir, r.terraformEnv(r.cliConfig), "apply", "-auto-approve", "-input=false", "-json")
	_ = os.WriteFile(filepath.Join(r.logs, name+".jsonl"), []byte(out), 0o644)
	s.stop()

	res := p5Result{
		Tenants: p5Tenants, ClientRate: clientRate, ServerRate: p5RateLimit, Parallelism: p5Parallelism,
		ScanS: p1ScanDuration.Seconds(), WallS: took.Seconds(),
	}
	res.Errors, res.Surfaced429 = applyDiagnostics(out)
	if applyErr != nil && res.Errors == 0 {
		res.Errors = 1
	}
	if applyErr == nil {
		count, err := r.command(ctx, 60*time.Second, dir, r.terraformEnv(r.cliConfig), r.opts.terraform, "output", "-raw", "completed")
		if err == nil {
			res.Completed, _ = strconv.Atoi(strings.TrimSpace(count))
		}
	}
	answered, err := readRequestLog(s.LogPath)
	if err != nil {
		return p5Result{}, err
	}
	for _, entry := range answered {
		res.Requests++
		if entry.Status == http.StatusTooManyRequests {
			res.Sent429++
		}
	}
	// The ideal schedule: Terraform runs p5Parallelism creates at a time and
	// each lasts a whole scan, so ceil(50/10) = 5 waves of 5 s; the rate limit
	// alone would need (POST + one status poll per scan) / 20 per second.
	waves := (p5Tenants + p5Parallelism - 1) / p5Parallelism
	res.IdealWavesS = float64(waves) * p1ScanDuration.Seconds()
	res.IdealRateS = float64(2*p5Tenants) / p5RateLimit
	res.IdealS = math.Max(res.IdealWavesS, res.IdealRateS)
	res.Ratio = res.WallS / res.IdealS
	return res, nil
}

// fleetConfig scans every connection with for_each; clientRate > 0 sets the
// provider's requests_per_second.
func fleetConfig(url string, tenants []string, clientRate float64) string {
	extra := ""
	if clientRate > 0 {
		extra = fmt.Sprintf("  requests_per_second = %g\n", clientRate)
	}
	quoted := make([]string, len(tenants))
	for i, t := range tenants {
		quoted[i] = strconv.Quote(t)
	}
	return providerBlock(url, fleetKey, extra) + fmt.Sprintf(`
resource "aether365_scan" "fleet" {
  for_each      = toset([%s])
  connection_id = each.key
  scan_type = "compliance"
}

output "completed" {
  value = length([for s in aether365_scan.fleet : s.id if s.status == "completed"])
}
`, strings.Join(quoted, ", "))
}

func median(values []float64) float64 {
	if len(values) == 0 {
		return 0
	}
	sorted := slices.Clone(values)
	slices.Sort(sorted)
	if n := len(sorted); n%2 == 0 {
		return (sorted[n/2-1] + sorted[n/2]) / 2
	}
	return sorted[len(sorted)/2]
}
