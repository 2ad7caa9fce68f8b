package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
)

// soakSummary is .soak/summary.json.
type soakSummary struct {
	When      string `json:"when"`
	Machine   string `json:"machine"`
	Go        string `json:"go"`
	Terraform string `json:"terraform"`
	Verdict   string `json:"verdict"`
	Settings  struct {
		CyclesMax         int     `json:"cycles_max"`
		SecondsMax        int     `json:"seconds_max"`
		ResourcesPerCycle int     `json:"resources_per_cycle"`
		Seed              int64   `json:"seed"`
		Profile           string  `json:"profile"`
		ErrorRate         float64 `json:"error_rate"`
		ResetRate         float64 `json:"reset_rate"`
		MalformedRate     float64 `json:"malformed_rate"`
		RateLimit         float64 `json:"rate_limit_per_second"`
		Latency           string  `json:"latency"`
		ScanDuration      string  `json:"scan_duration"`
		ResultsPerScan    int     `json:"results_per_scan"`
		MaxRetries        int     `json:"max_retries"`
		APIKey            string  `json:"api_key"`
	} `json:"settings"`
	CyclesRun     int `json:"cycles_run"`
	Seconds       int `json:"seconds"`
	TerraformRuns int `json:"terraform_runs"`
	Failures      int `json:"failures"`
	Scans         struct {
		Expected                int `json:"expected"`
		RecordedInState         int `json:"recorded_in_state"`
		OnServer                int `json:"on_server"`
		Duplicates              int `json:"duplicates"`
		Orphaned                int `json:"orphaned"`
		OrphanedByFailedApplies int `json:"orphaned_by_failed_applies"`
		// OutlastedByRetry counts the orphans (among Orphaned, and among
		// Duplicates when their apply succeeded) that a start request's
		// retries outlasted: the request started the scan, its answer was
		// lost, and by the time a retry got through the scan had ended, so
		// there was no 409 SCAN_ALREADY_RUNNING to find it by and the retry
		// started another. That is the documented limit of adoption (real
		// scans take minutes, retries seconds), not a failure of the soak.
		OutlastedByRetry int `json:"outlasted_by_retry"`
		// Overlapping counts orphans that were still running when the next
		// scan of their connection started: one running scan per connection
		// was not kept, a failure.
		Overlapping        int `json:"overlapping"`
		RecordedButMissing int `json:"recorded_but_missing"`
	} `json:"scans"`
	KeyLeaks struct {
		Occurrences   int `json:"occurrences"`
		Files         int `json:"files"`
		BytesSearched int `json:"bytes_searched"`
	} `json:"key_leaks"`
	Requests int `json:"requests"`
	Faults   struct {
		Injected503     int `json:"injected_503"`
		RateLimited429  int `json:"rate_limited_429"`
		Resets          int `json:"resets"`
		Malformed       int `json:"malformed"`
		MalformedByKind struct {
			ProxyHTML502     int `json:"proxy_html_502"`
			TruncatedJSON200 int `json:"truncated_json_200"`
			Empty200         int `json:"empty_200"`
			ErrorEnvelope200 int `json:"error_envelope_200"`
		} `json:"malformed_by_kind"`
	} `json:"faults"`
}

// summarize counts scans on the server against those state recorded, and
// reads the faults from the simulator's own counters.
func (s *soak) summarize(elapsed time.Duration) soakSummary {
	var sum soakSummary
	set := s.settings
	sum.When = time.Now().UTC().Format(time.RFC3339)
	sum.Machine = fmt.Sprintf("%s %s, %d CPU(s)", runtime.GOOS, runtime.GOARCH, runtime.NumCPU())
	sum.Go, sum.Terraform = runtime.Version(), s.terraformVersion()
	sum.Settings.CyclesMax, sum.Settings.SecondsMax, sum.Settings.ResourcesPerCycle = set.cycles, set.seconds, set.resources
	sum.Settings.Seed, sum.Settings.ErrorRate, sum.Settings.ResetRate = set.seed, set.errorRate, set.resetRate
	sum.Settings.Profile = soakProfile(set)
	sum.Settings.MalformedRate, sum.Settings.RateLimit, sum.Settings.Latency = set.malformedRate, set.rateLimit, set.latency
	sum.Settings.ScanDuration, sum.Settings.ResultsPerScan, sum.Settings.MaxRetries = set.scanDuration, set.results, set.maxRetries
	sum.Settings.APIKey = s.apiKey[:len("ae_live_soak_")] + "***"
	sum.CyclesRun, sum.Seconds = s.cycle, int(elapsed.Seconds())
	sum.TerraformRuns, sum.Failures = s.tally.runs, s.tally.failures

	onServer := map[string]bool{}
	for _, id := range s.sim.ScanIDs(soakTenant) {
		onServer[id] = true
	}
	sum.Scans.Expected = s.cycle * set.resources
	sum.Scans.RecordedInState, sum.Scans.OnServer = len(s.recorded), len(onServer)
	sum.Scans.Duplicates, sum.Scans.OrphanedByFailedApplies = s.tally.duplicates, s.tally.orphansDuring
	sum.Scans.Orphaned, sum.Scans.RecordedButMissing = countMissing(onServer, s.recorded), countMissing(s.recorded, onServer)

	if log, err := os.ReadFile(s.simLog.Name()); err == nil {
		s.tally.leaks += strings.Count(string(log), s.apiKey)
	}
	sum.KeyLeaks.Occurrences, sum.KeyLeaks.Files, sum.KeyLeaks.BytesSearched = s.tally.leaks, s.tally.leakFiles, s.tally.searchedBytes

	stats := s.sim.Stats()
	sum.Requests = stats.Requests
	sum.Faults.Injected503, sum.Faults.RateLimited429 = stats.InjectedErrors, stats.RateLimited
	sum.Faults.Resets, sum.Faults.Malformed = stats.InjectedResets, stats.InjectedMalformed
	kinds := malformedByKind(stats.InjectedMalformed)
	byKind := &sum.Faults.MalformedByKind
	byKind.ProxyHTML502, byKind.TruncatedJSON200, byKind.Empty200, byKind.ErrorEnvelope200 = kinds[0], kinds[1], kinds[2], kinds[3]

	sum.Scans.OutlastedByRetry, sum.Scans.Overlapping = s.classifyOrphans(onServer)

	sum.Verdict = "pass"
	// An orphan a retry outlasted is counted once among Orphaned and, when
	// its apply succeeded, once among Duplicates: neither fails the soak.
	unexplainedDuplicates := max(0, sum.Scans.Duplicates-sum.Scans.OutlastedByRetry)
	unexplainedOrphans := sum.Scans.Orphaned - sum.Scans.OutlastedByRetry
	if sum.Failures+unexplainedDuplicates+unexplainedOrphans+sum.Scans.Overlapping+sum.KeyLeaks.Occurrences+sum.Scans.RecordedButMissing > 0 {
		sum.Verdict = "fail"
	}
	return sum
}

// classifyOrphans looks at every scan on the server that state never
// recorded: one that had ended before the next scan of its connection
// started was outlasted by a retry of the request that started it; one that
// was still running then overlapped it. An orphan whose times cannot be read
// counts as neither, and so fails the soak as an orphan.
func (s *soak) classifyOrphans(onServer map[string]bool) (outlasted, overlapping int) {
	retries := 20
	client, err := aether365.New(aether365.Config{BaseURL: s.sim.URL, APIKey: s.apiKey, MaxRetries: &retries})
	if err != nil {
		s.notes = append(s.notes, "classifying orphans: "+err.Error())
		return 0, 0
	}
	ctx, cancel := context.WithTimeout(context.Background(), soakRunLimit)
	defer cancel()
	// Scans by connection, in creation order.
	byConnection := map[string][]string{}
	for _, id := range s.sim.ScanIDs(soakTenant) {
		connection, _ := s.sim.ScanConnection(id)
		byConnection[connection] = append(byConnection[connection], id)
	}
	for _, ids := range byConnection {
		for i, id := range ids {
			if s.recorded[id] || !onServer[id] || i+1 == len(ids) {
				continue
			}
			orphan, err := client.GetScan(ctx, id)
			if err != nil {
				s.notes = append(s.notes, fmt.Sprintf("classifying orphan %s: %v", id, err))
				continue
			}
			next, err := client.GetScan(ctx, ids[i+1])
			if err != nil {
				s.notes = append(s.notes, fmt.Sprintf("classifying orphan %s: %v", id, err))
				continue
			}
			if orphan.CompletedAt != nil && !next.StartedAt.Before(*orphan.CompletedAt) {
				outlasted++
				s.t.Logf("orphan %s ended at %s, before %s started at %s: a retry outlasted it",
					id, orphan.CompletedAt.Format(time.RFC3339), next.ID, next.StartedAt.Format(time.RFC3339))
			} else {
				overlapping++
				s.t.Logf("OVERLAP: orphan %s was still running when %s started", id, next.ID)
			}
		}
	}
	return outlasted, overlapping
}

// malformedByKind splits n malformed answers by kind. The simulator serves
// the kinds in turn (Config.MalformedRate): HTML 502, truncated JSON, empty
// 200, error envelope with 200.
func malformedByKind(n int) [4]int {
	var kinds [4]int
	for i := range kinds {
		kinds[i] = (n - i + 3) / 4
	}
	return kinds
}

// countMissing counts the keys of have that want lacks.
func countMissing(have, want map[string]bool) int {
	n := 0
	for id := range have {
		if !want[id] {
			n++
		}
	}
	return n
}

func (s *soak) terraformVersion() string {
	tf, err := s.ws.Exec()
	if err != nil {
		return "unknown"
	}
	version, _, err := tf.Version(context.Background(), false)
	if err != nil {
		return "unknown"
	}
	return version.String()
}

// writeSoakSummary writes summary.json and summary.md into .soak and a copy
// of both into .soak/run.
func writeSoakSummary(sum soakSummary, notes []string) error {
	raw, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return err
	}
	files := map[string][]byte{"summary.json": append(raw, '\n'), "summary.md": []byte(soakMarkdown(sum, notes))}
	for name, content := range files {
		for _, dir := range []string{soakSummaryDir, filepath.Join(soakSummaryDir, "run")} {
			if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

// soakMarkdown is .soak/summary.md.
func soakMarkdown(sum soakSummary, notes []string) string {
	var b strings.Builder
	set, byKind := sum.Settings, sum.Faults.MalformedByKind
	fmt.Fprintf(&b, "# Soak run %s: %s\n\n%s; Go %s, Terraform %s.\n\n", sum.When, sum.Verdict, sum.Machine, sum.Go, sum.Terraform)
	fmt.Fprintf(&b, "Simulator: seed %d; --profile %s --error-rate %v --reset-rate %v --malformed-rate %v\n", set.Seed, set.Profile, set.ErrorRate, set.ResetRate, set.MalformedRate)
	fmt.Fprintf(&b, "--rate-limit %v --latency %s --scan-duration %s --results %d.\n", set.RateLimit, set.Latency, set.ScanDuration, set.ResultsPerScan)
	fmt.Fprintf(&b, "Each cycle: `terraform apply` (%d scans in parallel, one per connection, and a paginated results data source),\n", set.ResourcesPerCycle)
	fmt.Fprintf(&b, "`terraform plan -detailed-exitcode` (must be empty), `terraform destroy`; every run at TF_LOG=trace; max_retries = %d.\n\n", set.MaxRetries)
	rows := [][2]string{
		{fmt.Sprintf("Cycles run (limit %d cycles / %d s)", set.CyclesMax, set.SecondsMax), fmt.Sprintf("%d in %d s", sum.CyclesRun, sum.Seconds)},
		{"Terraform runs", fmt.Sprint(sum.TerraformRuns)},
		{"Failed runs", fmt.Sprint(sum.Failures)},
		{"Scans created (expected / in state / on server)", fmt.Sprintf("%d / %d / %d", sum.Scans.Expected, sum.Scans.RecordedInState, sum.Scans.OnServer)},
		{"Duplicate scans", fmt.Sprint(sum.Scans.Duplicates)},
		{"Orphaned scans", fmt.Sprint(sum.Scans.Orphaned)},
		{"of which outlasted by a retry of their start (the documented limit; not a failure)", fmt.Sprint(sum.Scans.OutlastedByRetry)},
		{"Scans overlapping on one connection", fmt.Sprint(sum.Scans.Overlapping)},
		{fmt.Sprintf("Key leaks (occurrences in %s of logs, output and state)", humanBytes(sum.KeyLeaks.BytesSearched)), fmt.Sprint(sum.KeyLeaks.Occurrences)},
		{"API requests (Terraform's)", fmt.Sprint(sum.Requests)},
		{"Injected 503", fmt.Sprint(sum.Faults.Injected503)},
		{"429 (rate limit)", fmt.Sprint(sum.Faults.RateLimited429)},
		{"Connection resets (after processing)", fmt.Sprint(sum.Faults.Resets)},
		{"Malformed answers (HTML 502 / truncated / empty / success:false 200)", fmt.Sprintf("%d (%d / %d / %d / %d)",
			sum.Faults.Malformed, byKind.ProxyHTML502, byKind.TruncatedJSON200, byKind.Empty200, byKind.ErrorEnvelope200)},
	}
	b.WriteString("| Measure | Value |\n|---|---|\n")
	for _, row := range rows {
		fmt.Fprintf(&b, "| %s | %s |\n", row[0], row[1])
	}
	if len(notes) > 0 {
		b.WriteString("\nFailures:\n")
		for _, note := range notes {
			fmt.Fprintf(&b, "- %s\n", note)
		}
	}
	return b.String()
}

// humanBytes writes n as numfmt --to=iec does: 950, 1.5K, 12M.
func humanBytes(n int) string {
	value, units := float64(n), []string{"", "K", "M", "G", "T"}
	unit := 0
	for value >= 1024 && unit < len(units)-1 {
		value /= 1024
		unit++
	}
	if unit == 0 {
		return fmt.Sprint(n)
	}
	if value < 10 {
		return fmt.Sprintf("%.1f%s", value, units[unit])
	}
	return fmt.Sprintf("%.0f%s", value, units[unit])
}

func TestSoakSummaryHelpers(t *testing.T) {
	if got := malformedByKind(6); got != [4]int{2, 2, 1, 1} {
		t.Errorf("malformedByKind(6) = %v, want the first two kinds twice", got)
	}
	for n, want := range map[int]string{950: "950", 1536: "1.5K", 4718592: "4.5M", 12 << 20: "12M"} {
		if got := humanBytes(n); got != want {
			t.Errorf("humanBytes(%d) = %q, want %q", n, got, want)
		}
	}
	if got := firstError("noise\nError: bad thing\n\n  on main.tf line 3\nmore\nlast"); got != "Error: bad thing    on main.tf line 3 more" {
		t.Errorf("firstError = %q", got)
	}
}
