package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

const (
	soakGate       = "AETHER365_SOAK"
	soakTenant     = "t_soak"        // the account of the soak's key
	soakRunLimit   = 5 * time.Minute // a single terraform run that takes longer counts as failed
	soakSummaryDir = "../../.soak"
)

// TestSoak runs the provider against a deliberately unreliable simulator
// (503s, resets after processing, broken bodies, a rate limit, latency) for
// as many apply / plan / destroy cycles as SOAK_CYCLES and SOAK_SECONDS
// allow, with real Terraform at TF_LOG=trace. It counts failed runs,
// duplicate and orphaned scans, key leaks in every log, output and state
// file, and the simulator's injected faults (from its Stats), and writes
// .soak/summary.md and .soak/summary.json. `make soak` runs it.
func TestSoak(t *testing.T) {
	if os.Getenv(soakGate) != "1" {
		t.Skip(soakGate + "=1 runs the soak (make soak)")
	}
	settings, err := soakSettingsFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	s := newSoak(t, settings)
	started := time.Now()
	for s.cycle < settings.cycles && time.Since(started) < time.Duration(settings.seconds)*time.Second {
		s.cycle++
		s.runCycle()
	}
	summary := s.summarize(time.Since(started))
	if err := writeSoakSummary(summary, s.notes); err != nil {
		t.Fatal(err)
	}
	fmt.Print(soakMarkdown(summary, s.notes))
	if summary.Verdict != "pass" {
		t.Errorf("the soak failed: see %s", filepath.Join(soakSummaryDir, "summary.md"))
	}
}

// soak is one soak run: the simulator, the workspace and the tallies.
type soak struct {
	t        *testing.T
	settings soakSettings
	sim      *simtest.Server
	ws       *tfworkspace.Workspace
	apiKey   string
	runDir   string
	simLog   *os.File
	cycle    int
	recorded map[string]bool // every scan ID state ever held
	notes    []string
	tally    soakTally
}

type soakTally struct {
	runs, failures, duplicates, orphansDuring int
	leaks, leakFiles, searchedBytes           int
}

func newSoak(t *testing.T, settings soakSettings) *soak {
	terraform := terraformPath(t)
	s := &soak{t: t, settings: settings, apiKey: distinctiveKey("ae_live_soak_"), recorded: map[string]bool{}}
	runDir, err := filepath.Abs(filepath.Join(soakSummaryDir, "run"))
	if err != nil {
		t.Fatal(err)
	}
	s.runDir = runDir
	if err := os.RemoveAll(s.runDir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(s.runDir, "logs"), 0o755); err != nil {
		t.Fatal(err)
	}
	simLog, err := os.Create(filepath.Join(s.runDir, "sim.log"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = simLog.Close() })
	s.simLog = simLog
	s.sim = simtest.Start(t, simulator.Config{
		// The published API documents no request rate limit: it is the
		// assumed profile's, so a soak with one runs on that profile.
		Profile: soakProfile(settings),
		APIKeys: map[string]string{s.apiKey: soakTenant}, Connections: map[string][]string{soakTenant: soakConnections(settings)},
		Seed:      settings.seed,
		ErrorRate: settings.errorRate, ResetRate: settings.resetRate, MalformedRate: settings.malformedRate,
		RateLimit: settings.rateLimit, Latency: mustDuration(settings.latency),
		ScanDuration: mustDuration(settings.scanDuration), ResultsPerScan: settings.results, RequestLog: simLog,
	})
	s.ws, err = tfworkspace.New(tfworkspace.Options{
		Dir: filepath.Join(s.runDir, "tf"), ProviderDir: providerDir(t), Terraform: terraform,
		Env: []string{"AETHER365_API_KEY=" + s.apiKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.ws.WriteFile("main.tf", soakConfig(s.sim.URL, settings)); err != nil {
		t.Fatal(err)
	}
	t.Logf("simulator at %s (seed %d; error %v, reset %v, malformed %v, rate limit %v/s, latency %s, scans take %s); up to %d cycles or %d s, %d scan(s) per cycle",
		s.sim.URL, settings.seed, settings.errorRate, settings.resetRate, settings.malformedRate, settings.rateLimit,
		settings.latency, settings.scanDuration, settings.cycles, settings.seconds, settings.resources)
	return s
}

// soakProfile is the simulator's profile for settings: published, unless a
// request rate limit (the assumed profile's alone) is asked for.
func soakProfile(settings soakSettings) string {
	if settings.rateLimit > 0 {
		return simulator.ProfileAssumed
	}
	return simulator.ProfilePublished
}

// soakConnections are the soak account's Microsoft 365 connections, one per
// resource: a tenant runs one scan at a time, so the resources' scans run
// in parallel only on connections of their own.
func soakConnections(settings soakSettings) []string {
	connections := make([]string, settings.resources)
	for i := range connections {
		connections[i] = fmt.Sprintf("conn_soak_%d", i+1)
	}
	return connections
}

// soakConfig is the configuration every cycle applies: resources scans in
// parallel, one per connection, and a paginated results data source. The
// key comes from AETHER365_API_KEY, never from configuration.
func soakConfig(baseURL string, settings soakSettings) string {
	return providerBlock(baseURL, fmt.Sprintf("max_retries = %d", settings.maxRetries)) + fmt.Sprintf(`
variable "cycle" {
  type = string
}

resource "aether365_scan" "soak" {
  count         = %d
  connection_id = "conn_soak_${count.index + 1}"
  scan_type     = "compliance"
  triggers      = { cycle = var.cycle }
}

data "aether365_scan_results" "all" {
  scan_id = aether365_scan.soak[0].id
  result  = "all"
}

output "results_total" {
  value = data.aether365_scan_results.all.total
}
`, settings.resources)
}
