package simulator

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/syncbuffer"
)

// The seed's examples, run unchanged but for base URL and key (see
// testdata/seed/README.md), against both profiles. Scans take no time
// (ScanDuration 0) so the scripts' 30-second poll sleeps are never reached.

const (
	seedBaseURL     = "https://api.aether365.io"
	seedPythonKey   = "ae_live_your-api-key"
	seedWorkflowKey = "${{ secrets.AETHER365_API_KEY }}"
	seedScanIDExpr  = "${{ steps.trigger.outputs.scan_id }}"
	seedDocument    = "../../../shared/seed/000_27f95060c081022e.txt"
	seedScriptsDir  = "testdata/seed"
	scriptTimeout   = time.Minute
)

// seedServer serves a simulator over real HTTP, as the scripts need; the
// test fails if any answer did not conform to the document.
func seedServer(t *testing.T, cfg Config) (*Server, string) {
	t.Helper()
	sim, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for _, reason := range sim.NonConformingAnswers() {
			t.Errorf("an answer did not conform to the document: %s", reason)
		}
	})
	return sim, serveHTTP(t, sim).URL
}

// forEachProfile runs a seed example against both profiles: the seed's
// scripts must work with the published API as with our assumptions.
func forEachProfile(t *testing.T, run func(t *testing.T, profile string)) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			t.Parallel()
			run(t, profile)
		})
	}
}

// seedScript returns a seed example with the base URL and key replaced.
func seedScript(t *testing.T, name, baseURL string, replacements ...string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(seedScriptsDir, name))
	if err != nil {
		t.Fatal(err)
	}
	script := strings.ReplaceAll(string(raw), seedBaseURL, baseURL)
	return strings.NewReplacer(replacements...).Replace(script)
}

func requireTools(t *testing.T, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed; the seed example needs it", tool)
		}
	}
}

func requirePythonRequests(t *testing.T) {
	t.Helper()
	requireTools(t, "python3")
	if out, err := exec.Command("python3", "-c", "import requests").CombinedOutput(); err != nil {
		t.Skipf("python3 has no requests module, which the seed's examples import: %s", out)
	}
}

// runScript runs a program and returns its combined output and exit code.
func runScript(t *testing.T, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	combined, _, code := runScriptSeparately(t, dir, env, name, args...)
	return combined, code
}

// runScriptSeparately also returns stdout alone, for scripts whose output is
// data (curl writes its progress meter to stderr).
func runScriptSeparately(t *testing.T, dir string, env []string, name string, args ...string) (combined, stdout string, code int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	// Loopback must never go through a proxy a developer has configured.
	cmd.Env = append(os.Environ(), append(env, "NO_PROXY=127.0.0.1,localhost", "no_proxy=127.0.0.1,localhost")...)
	var out strings.Builder
	both := &syncbuffer.Buffer{}
	cmd.Stdout = io.MultiWriter(both, &out)
	cmd.Stderr = both
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("%s did not finish within %s:\n%s", name, scriptTimeout, both.String())
	}
	if exitErr, ok := err.(*exec.ExitError); ok {
		return both.String(), out.String(), exitErr.ExitCode()
	}
	if err != nil {
		t.Fatalf("running %s: %v", name, err)
	}
	return both.String(), out.String(), 0
}

func runPython(t *testing.T, script string) (string, int) {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "example.py")
	if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
		t.Fatal(err)
	}
	return runScript(t, dir, nil, "python3", path)
}

func TestSeedFilesAreVerbatim(t *testing.T) {
	seed, err := os.ReadFile(seedDocument)
	if err != nil {
		t.Skipf("the seed document is not at %s: %v", seedDocument, err)
	}
	for _, name := range []string{"trigger_and_wait.py", "critical_failures.py", "github_actions.yml", "export_csv.ps1", "pagination.sh"} {
		copied, err := os.ReadFile(filepath.Join(seedScriptsDir, name))
		if err != nil {
			t.Fatal(err)
		}
		if len(copied) < 50 || !strings.Contains(string(seed), string(copied)) {
			t.Errorf("%s is not a verbatim excerpt of the seed", name)
		}
	}
}

func TestSeedPythonTriggerAndWait(t *testing.T) {
	requirePythonRequests(t)
	for _, tc := range []struct {
		name     string
		cfg      Config
		wantExit int
		wantOut  []string
	}{
		{"passes", Config{Score: ptr(87.5)}, 0, []string{"Scan started: scan_", "Score: 87.5%", "Security check passed"}},
		{"below threshold", Config{Score: ptr(70.0)}, 1, []string{"Score: 70", "is below threshold (80%). Failing pipeline."}},
		{"scan fails", Config{ScanOutcome: OutcomeFailed}, 1, []string{"Scan started: scan_", "Scan failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachProfile(t, func(t *testing.T, profile string) {
				cfg := tc.cfg
				cfg.Profile = profile
				sim, url := seedServer(t, cfg)
				out, code := runPython(t, seedScript(t, "trigger_and_wait.py", url, seedPythonKey, DemoAPIKey))
				if code != tc.wantExit {
					t.Fatalf("exit %d, want %d:\n%s", code, tc.wantExit, out)
				}
				checkOutputAndOneScan(t, sim, out, tc.wantOut, "the script")
			})
		})
	}
}

func TestSeedPythonCriticalFailures(t *testing.T) {
	requirePythonRequests(t)
	t.Run("no completed scan", func(t *testing.T) {
		forEachProfile(t, func(t *testing.T, profile string) {
			_, url := seedServer(t, Config{Profile: profile})
			out, code := runPython(t, seedScript(t, "critical_failures.py", url, seedPythonKey, DemoAPIKey))
			if code != 0 || !strings.Contains(out, "No completed scans found") {
				t.Fatalf("exit %d:\n%s", code, out)
			}
		})
	})
	t.Run("pages through the latest scan", func(t *testing.T) {
		forEachProfile(t, func(t *testing.T, profile string) {
			// Enough results for several pages of critical failures.
			sim, url := seedServer(t, Config{Profile: profile, Score: ptr(60.0), ResultsPerScan: 10000})
			createScan(t, sim, DemoAPIKey, "exposure") // older, must be ignored
			latest := createScan(t, sim, DemoAPIKey, "compliance")
			want := allResults(t, sim, latest.ID, "&result=failed&severity=critical")
			if len(want) <= 100 {
				t.Fatalf("only %d critical failures; the test needs more than one page", len(want))
			}
			out, code := runPython(t, seedScript(t, "critical_failures.py", url, seedPythonKey, DemoAPIKey))
			if code != 0 {
				t.Fatalf("exit %d:\n%s", code, out)
			}
			if !strings.Contains(out, "Critical failures: "+strconv.Itoa(len(want))+"\n") {
				t.Fatalf("want %d critical failures:\n%.500s", len(want), out)
			}
			for _, r := range want {
				if !strings.Contains(out, "  ["+r.ID+"] "+r.Title+"\n") {
					t.Fatalf("output lacks %s %q", r.ID, r.Title)
				}
			}
		})
	})
}

// workflowStep is one `- name:` / `run: |` step of the seed's workflow.
type workflowStep struct {
	name, script string
}

// workflowSteps reads the run blocks of a GitHub Actions workflow: enough
// YAML for the seed's file, which uses only literal block scalars for run.
func workflowSteps(t *testing.T, workflow string) []workflowStep {
	t.Helper()
	var steps []workflowStep
	lines := strings.Split(workflow, "\n")
	name := ""
	for i := 0; i < len(lines); i++ {
		trimmed := strings.TrimSpace(lines[i])
		if after, ok := strings.CutPrefix(trimmed, "- name: "); ok {
			name = after
			continue
		}
		if trimmed != "run: |" {
			continue
		}
		keyIndent := len(lines[i]) - len(strings.TrimLeft(lines[i], " "))
		var block []string
		blockIndent := -1
		for i+1 < len(lines) {
			next := lines[i+1]
			indent := len(next) - len(strings.TrimLeft(next, " "))
			if strings.TrimSpace(next) != "" && indent <= keyIndent {
				break
			}
			i++
			if blockIndent < 0 && strings.TrimSpace(next) != "" {
				blockIndent = indent
			}
			if len(next) >= blockIndent && blockIndent >= 0 {
				next = next[blockIndent:]
			}
			block = append(block, next)
		}
		steps = append(steps, workflowStep{name: name, script: strings.Join(block, "\n") + "\n"})
	}
	return steps
}

// runWorkflow plays the seed's workflow like a runner: steps in order,
// stopping at the first failure, outputs passed through $GITHUB_OUTPUT.
// It returns the combined output and the name of the failed step, if any.
func runWorkflow(t *testing.T, baseURL string) (string, string) {
	t.Helper()
	workflow := seedScript(t, "github_actions.yml", baseURL, seedWorkflowKey, DemoAPIKey)
	steps := workflowSteps(t, workflow)
	if len(steps) != 3 {
		t.Fatalf("found %d run steps in the workflow, want 3", len(steps))
	}
	dir := t.TempDir()
	outputFile := filepath.Join(dir, "github_output")
	if err := os.WriteFile(outputFile, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	for _, step := range steps {
		script := strings.ReplaceAll(step.script, seedScanIDExpr, readStepOutput(t, outputFile, "scan_id"))
		path := filepath.Join(dir, "step.sh")
		if err := os.WriteFile(path, []byte(script), 0o600); err != nil {
			t.Fatal(err)
		}
		out, code := runScript(t, dir, []string{"GITHUB_OUTPUT=" + outputFile}, "bash", "--noprofile", "--norc", "-eo", "pipefail", path)
		log.WriteString("## " + step.name + "\n" + out)
		if code != 0 {
			return log.String(), step.name
		}
	}
	return log.String(), ""
}

func readStepOutput(t *testing.T, path, name string) string {
	t.Helper()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	value := ""
	scanner := bufio.NewScanner(file)
	for scanner.Scan() {
		if after, ok := strings.CutPrefix(scanner.Text(), name+"="); ok {
			value = after
		}
	}
	return value
}

func TestSeedGitHubActionsWorkflow(t *testing.T) {
	requireTools(t, "bash", "curl", "jq", "bc")
	for _, tc := range []struct {
		name       string
		cfg        Config
		failedStep string
		wantOut    []string
	}{
		{"passes", Config{Score: ptr(87.5)}, "", []string{"Status: completed", "Security score: 87.5%"}},
		{"below threshold", Config{Score: ptr(70.0)}, "Check score", []string{"Security score: 70%", "Score below threshold"}},
		{"scan fails", Config{ScanOutcome: OutcomeFailed}, "Wait for completion", []string{"Status: failed", "Scan failed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			forEachProfile(t, func(t *testing.T, profile string) {
				cfg := tc.cfg
				cfg.Profile = profile
				sim, url := seedServer(t, cfg)
				out, failedStep := runWorkflow(t, url)
				if failedStep != tc.failedStep {
					t.Fatalf("failed step %q, want %q:\n%s", failedStep, tc.failedStep, out)
				}
				checkOutputAndOneScan(t, sim, out, tc.wantOut, "the workflow")
			})
		})
	}
}

func TestSeedPaginationCurl(t *testing.T) {
	requireTools(t, "bash", "curl")
	forEachProfile(t, func(t *testing.T, profile string) {
		sim, url := seedServer(t, Config{Profile: profile})
		scan := createScan(t, sim, DemoAPIKey, "compliance")
		script := seedScript(t, "pagination.sh", url, "{scanId}", scan.ID, "<token>", DemoAPIKey)
		combined, out, code := runScriptSeparately(t, t.TempDir(), nil, "bash", "--noprofile", "--norc", "-c", script)
		if code != 0 {
			t.Fatalf("exit %d:\n%s", code, combined)
		}
		var page api.ResultListEnvelope
		if err := json.Unmarshal([]byte(out), &page); err != nil {
			t.Fatalf("not an envelope: %v\n%.500s", err, out)
		}
		if !page.Success || len(page.Data) != 50 || jsonOf(t, page.Meta) != `{"limit":50,"page":2,"total":150,"totalPages":3}` {
			t.Errorf("page 2 of 50: %d results, meta %s", len(page.Data), jsonOf(t, page.Meta))
		}
	})
}

func TestSeedPowerShellExport(t *testing.T) {
	requireTools(t, "pwsh")
	forEachProfile(t, func(t *testing.T, profile string) {
		sim, url := seedServer(t, Config{Profile: profile, ResultsPerScan: 230})
		createScan(t, sim, DemoAPIKey, "compliance")
		dir := t.TempDir()
		path := filepath.Join(dir, "export.ps1")
		if err := os.WriteFile(path, []byte(seedScript(t, "export_csv.ps1", url)), 0o600); err != nil {
			t.Fatal(err)
		}
		out, code := runScript(t, dir, []string{"AETHER365_API_KEY=" + DemoAPIKey}, "pwsh", "-NoProfile", "-NonInteractive", "-File", path)
		if code != 0 || !strings.Contains(out, "Exported 230 results") {
			t.Fatalf("exit %d:\n%s", code, out)
		}
		csvFiles, _ := filepath.Glob(filepath.Join(dir, "scan_*.csv"))
		if len(csvFiles) != 1 {
			t.Fatalf("CSV files: %v", csvFiles)
		}
		csv, err := os.ReadFile(csvFiles[0])
		if err != nil {
			t.Fatal(err)
		}
		if lines := strings.Count(strings.TrimSpace(string(csv)), "\n") + 1; lines != 231 {
			t.Errorf("CSV has %d lines, want a header and 230 rows", lines)
		}
		if !regexp.MustCompile(`"result_[0-9a-f]{24}"`).Match(csv) {
			t.Errorf("CSV lacks result ids:\n%.300s", csv)
		}
	})
}

// checkOutputAndOneScan checks that a seed example printed every line of
// wantOut and that it (what) created exactly one scan.
func checkOutputAndOneScan(t *testing.T, sim *Server, out string, wantOut []string, what string) {
	t.Helper()
	for _, want := range wantOut {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if n := sim.ScanCount(DemoTenant); n != 1 {
		t.Errorf("%s created %d scans", what, n)
	}
}
