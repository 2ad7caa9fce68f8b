package e2e

import (
	"archive/zip"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// With TF_LOG=trace, an apply and a plan saved to a file leave the API key in
// none of: Terraform's output (which carries the provider's trace logs),
// the TF_LOG_PATH file, the state file and its backup, the plan file (every
// member of the archive) and `terraform show -json` of the plan. The API is
// flaky on purpose (seed 86 resets the POST and breaks an early answer), so
// retry and error logging is part of what is checked.
func TestTraceLogsStateAndPlanNeverHoldTheKey(t *testing.T) {
	w := newWorkspace(t, simulator.Config{ErrorRate: 0.2, ResetRate: 0.1, MalformedRate: 0.1, ResultsPerScan: 230, Seed: 86})
	config := func(release string) string {
		return `resource "aether365_scan" "gate" {
  scan_type = "compliance"
  triggers  = { release = "` + release + `" }
}

data "aether365_scan_results" "failed" {
  scan_id = aether365_scan.gate.id
  result  = "all"
}

output "score" {
  value = aether365_scan.gate.score
}
`
	}
	trace := []string{"TF_LOG=trace", "AETHER365_MAX_RETRIES=20"}
	logPath := filepath.Join(w.dir, "trace.log")

	w.writeConfig(config("1.0.0"))
	apply := w.mustRun(trace, "apply", "-auto-approve", "-input=false", "-no-color")

	w.writeConfig(config("1.1.0"))
	plan := w.mustRun(append(trace, "TF_LOG_PATH="+logPath), "plan", "-input=false", "-no-color", "-out=tfplan")
	show := w.mustRun(nil, "show", "-json", "tfplan")
	if !strings.Contains(show.stdout, `"aether365_scan.gate"`) || !strings.Contains(show.stdout, `"replace"`) &&
		!strings.Contains(show.stdout, `"delete","create"`) {
		t.Errorf("the saved plan does not replace the scan:\n%.2000s", show.stdout)
	}

	sources := map[string]string{
		"apply stdout":      apply.stdout,
		"apply stderr":      apply.stderr,
		"plan stdout":       plan.stdout,
		"plan stderr":       plan.stderr,
		"show -json stdout": show.stdout,
		"show -json stderr": show.stderr,
	}
	readWorkspaceFiles(t, w.dir, sources)

	// Sanity: the logs really are trace logs that include the provider's own
	// request logging, so finding no key means something.
	for _, name := range []string{"apply stderr", "trace.log"} {
		if !strings.Contains(sources[name], "aether365: sending request") || !strings.Contains(sources[name], "aether365: received response") {
			t.Fatalf("%s lacks the provider's trace logging; the test would prove nothing:\n%.3000s", name, sources[name])
		}
	}
	if stats := w.sim.Stats(); stats.InjectedErrors+stats.InjectedResets+stats.InjectedMalformed == 0 {
		t.Errorf("no fault was injected, so no retry was logged: %+v", stats)
	}

	keyPrefix := w.apiKey[:len("ae_live_e2e_")+4]
	bearer := regexp.MustCompile(`(?i)bearer\s+[A-Za-z0-9_]{4,}`)
	for name, content := range sources {
		if strings.Contains(content, w.apiKey) || strings.Contains(content, keyPrefix) {
			i := strings.Index(content, keyPrefix)
			t.Errorf("%s holds the API key: ...%s...", name, content[max(0, i-200):min(len(content), i+100)])
		}
		for _, line := range strings.Split(content, "\n") {
			if strings.Contains(strings.ToLower(line), "authorization") && bearer.MatchString(line) {
				t.Errorf("%s logs an Authorization value: %s", name, line)
			}
		}
	}
	t.Logf("searched %d outputs and files (%d bytes of trace log) for the key", len(sources), len(sources["trace.log"]))
}

// readWorkspaceFiles adds the trace log, the state file and its backup, the
// plan file and every member of the plan archive (uncompressed) to sources.
func readWorkspaceFiles(t *testing.T, dir string, sources map[string]string) {
	t.Helper()
	for _, name := range []string{"trace.log", "terraform.tfstate", "terraform.tfstate.backup", "tfplan"} {
		raw, err := os.ReadFile(filepath.Join(dir, name))
		if os.IsNotExist(err) && name == "terraform.tfstate.backup" {
			continue
		}
		if err != nil {
			t.Fatalf("reading %s: %v", name, err)
		}
		sources[name] = string(raw)
	}
	// The plan file is a zip archive: search its members uncompressed.
	archive, err := zip.OpenReader(filepath.Join(dir, "tfplan"))
	if err != nil {
		t.Fatalf("opening the plan file: %v", err)
	}
	defer archive.Close()
	for _, member := range archive.File {
		rc, err := member.Open()
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		sources["tfplan:"+member.Name] = string(content)
	}
}
