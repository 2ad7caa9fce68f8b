package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// runMainEnv makes the test binary act as aether365-sim: the process test
// re-executes itself with it set, so main() runs exactly as installed,
// signals and all, without a separate go build.
const runMainEnv = "AETHER365_SIM_TEST_RUN_MAIN"

func TestMain(m *testing.M) {
	if os.Getenv(runMainEnv) == "1" {
		os.Args = append([]string{"aether365-sim"}, os.Args[1:]...)
		main()
		return
	}
	os.Exit(m.Run())
}

func TestProcessServesLogsAndStopsOnSIGINT(t *testing.T) {
	baseURL, stderr, process := startProcess(t, "--scan-duration", "0s")
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[1-9]\d*$`).MatchString(baseURL) {
		t.Fatalf("ready line gives the URL %q", baseURL)
	}

	req, _ := http.NewRequest("POST", baseURL+"/tenants/me/scans", strings.NewReader(`{"scan_type": "compliance"}`))
	req.Header.Set("Authorization", "Bearer "+simulator.DemoAPIKey)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated || !bytes.Contains(body, []byte(`"status":"completed"`)) {
		t.Fatalf("POST with the demo key: %d %s", resp.StatusCode, body)
	}

	if err := process.Cmd().Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	if err := process.Wait(10 * time.Second); err != nil {
		t.Errorf("exit after SIGINT: %v\nstderr:\n%s", err, stderr.String())
	}
	if extra := process.Stdout(); extra != "" {
		t.Errorf("stdout has more than the ready line: %q", extra)
	}

	log := stderr.String()
	if !strings.Contains(log, "demo key "+simulator.DemoAPIKey) {
		t.Errorf("stderr does not tell the newcomer the demo key:\n%s", log)
	}
	requestLine := regexp.MustCompile(`(?m)^time=\S+Z msg=request method=POST path=/tenants/me/scans status=201 duration=\S+ request_id=req_[0-9a-f]+ api_key=\*\*\*$`)
	if resp.Header.Get("X-Request-Id") != "" || resp.Header.Get("Location") != "" {
		t.Errorf("the default profile is the published one, without X-Request-Id or Location: %v", resp.Header)
	}
	if !requestLine.MatchString(log) {
		t.Errorf("stderr lacks the request line (method, path, status, duration):\n%s", log)
	}
	// The demo key is announced once at start; it must not appear in a
	// request line, nor must the Authorization header.
	for _, line := range strings.Split(log, "\n") {
		if strings.Contains(line, "/tenants/") && (strings.Contains(line, simulator.DemoAPIKey) || strings.Contains(line, "Bearer")) {
			t.Errorf("a request line leaks the key: %q", line)
		}
	}
}

func TestRunRejectsBadFlagsWithExitCode2(t *testing.T) {
	for _, args := range [][]string{
		{"--error-rate", "1.5"},
		{"--error-rate", "lots"},
		{"--reset-rate", "-0.1"},
		{"--reset-rate", "NaN"},
		{"--malformed-rate", "2"},
		{"--malformed-rate", "some"},
		{"--error-rate", "0.5", "--reset-rate", "0.3", "--malformed-rate", "0.3"},
		{"--scan-outcome", "finished"},
		{"--scan-duration", "-1s"},
		{"--scan-duration", "soon"},
		{"--results", "0"},
		{"--results", "100001"},
		{"--score", "101"},
		{"--score", "high"},
		{"--latency", "-5ms"},
		{"--rate-limit", "-1"},
		{"--seed", "x"},
		{"--scan-duration", "5"},
		{"--score-sequence", "88,x"},
		{"--score-sequence", "88,101"},
		{"--score-sequence", ""},
		{"--score", "50", "--score-sequence", "90"},
		{"--api-key-file", "/nonexistent/keys"},
		{"--api-key", ""},
		{"--api-key", "ae_live_x="},
		{"--api-key", "ae_live_x=a,,b"},
		{"--api-key", "ae_live_x=t_a,t_b"},
		{"--api-key", "ae_live_x=me"},
		{"--api-key", "ae_live_x=a/b"},
		{"--api-key", "ae_live_x=a", "--api-key", "ae_live_x=b"},
		{"--rate-limit", "5"},
		{"--profile", "strict"},
		{"--plan-tier", "gold"},
		{"--scan-quota", "-1"},
		{"--scan-quota", "many"},
		{"--entitlements", "everything"},
		{"--ai-pilot-connection", "conn_nowhere"},
		{"--connections", "t_demo"},
		{"--connections", "t_other=conn_a"},
		{"--scan-outcome", "aborted"},
		{"--no-such-flag"},
		{"positional"},
	} {
		var stdout, stderr bytes.Buffer
		// Should a bad value slip through, the simulator listens on a free
		// port and stops at once (cancelled context) instead of blocking.
		stopped, cancel := context.WithCancel(context.Background())
		cancel()
		code := run(stopped, append([]string{"--listen", "127.0.0.1:0"}, args...), &stdout, &stderr)
		if code != exitBadUsage || stdout.Len() != 0 || stderr.Len() == 0 {
			t.Errorf("%q: exit %d, stdout %q, stderr %q; want exit 2 and an error on stderr", args, code, stdout.String(), stderr.String())
		}
		if strings.Contains(stderr.String(), "ae_live_x") {
			t.Errorf("%q: stderr prints the key: %s", args, stderr.String())
		}
	}
}

// noEnv is an environment without the key variable.
func noEnv(string) string { return "" }

func TestHelpExitsZero(t *testing.T) {
	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"--help"}, io.Discard, &stderr); code != exitOK || !strings.Contains(stderr.String(), "-api-key") {
		t.Errorf("--help: exit %d, stderr %q", code, stderr.String())
	}
}

func TestParseFlags(t *testing.T) {
	opts, err := parseFlags([]string{
		"--listen", "0.0.0.0:9000",
		"--api-key", "ae_live_one=t_contoso",
		"--api-key", "ae_live_two",
		"-api-key=ae_live_three=t_tailspin",
		"--scan-duration", "10m", "--results", "10000", "--score", "87.5", "--scan-outcome", "cancelled",
		"--latency", "250ms", "--error-rate", "0.1", "--rate-limit", "5", "--profile", "assumed", "--seed", "42",
		"--reset-rate", "0.05", "--malformed-rate", "0.2",
	}, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"ae_live_one": "t_contoso", "ae_live_two": simulator.DemoTenant, "ae_live_three": "t_tailspin"}
	if len(opts.config.APIKeys) != len(want) {
		t.Errorf("APIKeys = %v", opts.config.APIKeys)
	}
	for key, account := range want {
		if got := opts.config.APIKeys[key]; got != account {
			t.Errorf("APIKeys[%s] = %v, want %v", key, got, account)
		}
	}
	c := opts.config
	if opts.listenAddress != "0.0.0.0:9000" || opts.usingDemoKey || c.ScanDuration != 10*time.Minute || c.ResultsPerScan != 10000 ||
		c.Score == nil || *c.Score != 87.5 || c.ScanOutcome != simulator.OutcomeCancelled || c.Latency != 250*time.Millisecond ||
		c.ErrorRate != 0.1 || c.RateLimit != 5 || c.Profile != simulator.ProfileAssumed || c.Seed != 42 || c.ResetRate != 0.05 || c.MalformedRate != 0.2 {
		t.Errorf("parsed %+v", opts)
	}
	if _, err := simulator.New(c); err != nil {
		t.Errorf("parsed config rejected: %v", err)
	}

	defaults, err := parseFlags(nil, noEnv, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	d := defaults.config
	if defaults.listenAddress != "127.0.0.1:8365" || !defaults.usingDemoKey || d.APIKeys != nil || d.ScanDuration != 5*time.Second ||
		d.ResultsPerScan != 150 || d.Score != nil || d.ScanOutcome != simulator.OutcomeCompleted || d.Latency != 0 || d.ErrorRate != 0 || d.RateLimit != 0 || defaults.seedGiven ||
		d.ResetRate != 0 || d.MalformedRate != 0 || d.ScoreSequence != nil || defaults.showVersion || d.Profile != simulator.ProfilePublished ||
		d.ScanQuota != 0 || d.PlanTier != "" || d.Entitlements != nil || d.AIPilotConnection != "" || d.OmitTotalPages {
		t.Errorf("defaults %+v", defaults)
	}
}

func TestRunReportsAnAddressInUse(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	var first simtest.SyncBuffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"--listen", "127.0.0.1:0"}, &first, io.Discard) }()
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(first.String(), "\n") && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	address := strings.TrimPrefix(strings.TrimSpace(first.String()), simtest.ReadyPrefix+"http://")

	var stderr bytes.Buffer
	if code := run(context.Background(), []string{"--listen", address}, io.Discard, &stderr); code != exitFailure ||
		!strings.Contains(stderr.String(), "cannot listen") {
		t.Errorf("second listener on %s: exit %d, stderr %q", address, code, stderr.String())
	}
	cancel()
	if code := <-done; code != exitOK {
		t.Errorf("run after cancel = %d, want 0", code)
	}
}

// startProcess runs aether365-sim with args on a free port and returns its
// base URL, its stderr and the process, which is stopped when the test ends.
func startProcess(t *testing.T, args ...string) (string, *simtest.SyncBuffer, *simtest.Process) {
	t.Helper()
	cmd := exec.Command(os.Args[0], append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	cmd.Env = append(os.Environ(), runMainEnv+"=1")
	stderr := &simtest.SyncBuffer{}
	cmd.Stderr = stderr
	process, err := simtest.StartProcess(context.Background(), cmd, 10*time.Second)
	if err != nil {
		t.Fatalf("%v; stderr:\n%s", err, stderr.String())
	}
	t.Cleanup(func() { _ = process.Stop() })
	return process.URL, stderr, process
}

// The fault flags reach the simulator: a reset is a real connection reset,
// a malformed answer a real broken body, and the request log names each.
func TestProcessInjectsResetsAndMalformedAnswers(t *testing.T) {
	baseURL, stderr, _ := startProcess(t, "--reset-rate", "0.5", "--malformed-rate", "0.5", "--seed", "7", "--scan-duration", "0s")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	resets, malformed := 0, 0
	for range 16 {
		req, _ := http.NewRequest("GET", baseURL+"/tenants/me/scans", nil)
		req.Header.Set("Authorization", "Bearer "+simulator.DemoAPIKey)
		resp, err := client.Do(req)
		if err != nil {
			resets++
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if bytes.HasPrefix(body, []byte(`{"data":[`)) && bytes.HasSuffix(body, []byte(`"success":true}`+"\n")) {
			t.Errorf("a well-formed answer with every request faulted: %s", body)
		}
		malformed++
	}
	if resets == 0 || malformed == 0 {
		t.Fatalf("%d resets and %d malformed answers; want some of each", resets, malformed)
	}
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(stderr.String(), " fault=") < 16 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	log := stderr.String()
	if got := strings.Count(log, " fault=reset\n"); got != resets {
		t.Errorf("%d reset lines for %d resets:\n%s", got, resets, log)
	}
	if got := strings.Count(log, " fault=malformed-"); got != malformed {
		t.Errorf("%d malformed lines for %d malformed answers:\n%s", got, malformed, log)
	}
}

func TestLogFormatJSONWritesRequestLogEntries(t *testing.T) {
	baseURL, stderr, process := startProcess(t, "--log-format", "json")
	resp, err := http.Get(baseURL + "/tenants/me/scans")
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if err := process.Stop(); err != nil {
		t.Fatal(err)
	}
	var entries []simulator.RequestLogEntry
	for line := range strings.Lines(stderr.String()) {
		var entry simulator.RequestLogEntry
		if json.Unmarshal([]byte(line), &entry) == nil {
			entries = append(entries, entry)
		}
	}
	if len(entries) != 1 || entries[0].Method != http.MethodGet || entries[0].Path != "/tenants/me/scans" || entries[0].Status != http.StatusUnauthorized {
		t.Errorf("JSON request log entries %+v; stderr:\n%s", entries, stderr.String())
	}
}
