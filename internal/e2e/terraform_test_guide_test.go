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
// PATH and, when AETHER365_TF_NEW is set, on the newer one too. The tests
// must also catch a broken gate: one that lets every score through fails
// the expect_failures run, and one written with > for >= the boundary run.
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
			for _, want := range []string{
				"a_good_score_passes_the_gate\"... pass", "a_score_equal_to_the_threshold_passes\"... pass",
				"a_low_score_stops_the_plan\"... pass", "Success! 5 passed, 0 failed.",
			} {
				if !strings.Contains(r.stdout, want) {
					t.Errorf("terraform test output lacks %q:\n%s", want, r.stdout)
				}
			}

			// The same tests against a broken gate must fail.
			main := filepath.Join(w.dir, "main.tf")
			content, err := os.ReadFile(main)
			if err != nil {
				t.Fatal(err)
			}
			const gate = "data.aether365_scan.latest.score >= var.min_score"
			// failingRun is the run that must catch the mutation; Terraform
			// itself refuses a condition that refers to nothing, before any run.
			for _, broken := range []struct{ why, condition, failingRun string }{
				{"a gate that never fails", "true", ""},
				{"a gate written with > for >=", "data.aether365_scan.latest.score > var.min_score", "a_score_equal_to_the_threshold_passes"},
			} {
				mutated := strings.Replace(string(content), gate, broken.condition, 1)
				if mutated == string(content) {
					t.Fatalf("main.tf no longer gates on %s", gate)
				}
				w.write(main, mutated)
				r := w.run(nil, "test", "-no-color")
				if r.err == nil {
					t.Errorf("terraform test passed %s:\n%s", broken.why, r.stdout)
				} else if want := broken.failingRun + "\"... fail"; broken.failingRun != "" && !strings.Contains(r.stdout, want) {
					t.Errorf("terraform test on %s: want %q in:\n%s", broken.why, want, r.stdout)
				}
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
