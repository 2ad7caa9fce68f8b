package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// The terraform-test guide's tests pass as written: `terraform test` in a
// copy of examples/guides/terraform-test, with the provider built from this
// tree (dev_overrides), no API key and no simulator; on the terraform on
// PATH and, when AETHER365_TF_NEW is set, on the newer one too. A gate that
// let a low score through would fail its expect_failures run.
func TestTerraformTestGuideRunsAsWritten(t *testing.T) {
	for _, leg := range []struct {
		name   string
		binary func(t *testing.T) string
	}{
		{"terraform on PATH", func(t *testing.T) string { return terraformPath(t) }},
		{"terraform new", func(t *testing.T) string {
			return binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later")
		}},
	} {
		t.Run(leg.name, func(t *testing.T) {
			w := newWorkspaceWith(t, leg.binary(t), simulator.Config{})
			copyTFFiles(t, filepath.Join(repoRoot(t), "examples", "guides", "terraform-test"), w.dir)
			// No key and no simulator: the mocked provider must need neither.
			w.Env = withoutAether365Settings(w.Env)
			r := w.mustRun(nil, "test", "-no-color")
			for _, want := range []string{"a_good_score_passes_the_gate\"... pass", "a_low_score_stops_the_plan\"... pass", "Success! 4 passed, 0 failed."} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("terraform test output lacks %q:\n%s", want, r.stdout)
				}
			}

			// The same tests against a gate that lets everything through must fail.
			main := filepath.Join(w.dir, "main.tf")
			content, err := os.ReadFile(main)
			if err != nil {
				t.Fatal(err)
			}
			broken := strings.Replace(string(content), "data.aether365_scan.latest.score >= var.min_score", "true", 1)
			if broken == string(content) {
				t.Fatal("main.tf no longer gates on data.aether365_scan.latest.score >= var.min_score")
			}
			w.write(main, broken)
			if r := w.run(nil, "test", "-no-color"); r.err == nil {
				t.Errorf("terraform test passed a gate that never fails:\n%s", r.stdout)
			}
		})
	}
}

// withoutAether365Settings drops every AETHER365_* variable from env.
func withoutAether365Settings(env []string) []string {
	var kept []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "AETHER365_") {
			kept = append(kept, kv)
		}
	}
	return kept
}
