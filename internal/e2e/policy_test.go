package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// opaPath returns bin/opa, built by `make opa` from the version pinned in
// tools/opa/go.mod. Building OPA takes minutes, so the test does not do it
// itself: CI builds it first (.ci/run) and fails here when it is missing;
// elsewhere the test skips and says how to build it.
func opaPath(t *testing.T) string {
	t.Helper()
	path := filepath.Join(repoRoot(t), "bin", "opa")
	if _, err := os.Stat(path); err != nil {
		if os.Getenv("AETHER365_REQUIRE_OPA") != "" || os.Getenv("CI") != "" {
			t.Fatalf("bin/opa is missing: CI must run `make opa` before the tests (%v)", err)
		}
		t.Skip("bin/opa is not built: run `make opa` (OPA pinned in tools/opa/go.mod) to run the policy tests")
	}
	return path
}

// runOPA runs opa with args from the repository root and returns its
// combined output and exit code.
func runOPA(t *testing.T, opa string, args ...string) (string, int) {
	t.Helper()
	return runCommand(t, repoRoot(t), nil, opa, args...)
}

func TestPolicyUnitTests(t *testing.T) {
	opa := opaPath(t)
	out, code := runOPA(t, opa, "test", "-v", "policy/")
	if code != 0 {
		t.Fatalf("opa test policy/ exited %d:\n%s", code, out)
	}
	if !strings.Contains(out, "PASS") {
		t.Fatalf("opa test ran no test:\n%s", out)
	}
}

// TestPolicyOnRealPlans runs the policy-as-code guide's commands on plans
// that real Terraform made against the simulator: `terraform plan -out`,
// `terraform show -json`, then `opa eval --fail-defined` with the policy and
// its data file. A good scan passes; a regressed one is denied.
func TestPolicyOnRealPlans(t *testing.T) {
	opa := opaPath(t)
	w := newExampleWorkspace(t, "policy-as-code")

	evaluate := func() (string, int) {
		t.Helper()
		w.mustRun(nil, "plan", "-input=false", "-out=tfplan")
		shown := w.mustRun(nil, "show", "-json", "tfplan")
		planJSON := filepath.Join(w.dir, "tfplan.json")
		w.write(planJSON, shown.stdout)
		return runOPA(t, opa, "eval", "--format", "pretty", "--fail-defined",
			"--data", "policy/aether365.rego", "--data", "policy/data.json",
			"--input", planJSON, "data.aether365.deny[msg]")
	}

	w.completedScan(t, 91)
	if out, code := evaluate(); code != 0 {
		t.Fatalf("a completed 91%% scan was denied (exit %d):\n%s", code, out)
	}

	scan := w.completedScan(t, 64.7)
	out, code := evaluate()
	if code != 1 {
		t.Fatalf("a 64.7%% scan was not denied: opa exited %d:\n%s", code, out)
	}
	want := "Security score 64.7% of scan " + scan.ID + " is below the 80% threshold."
	if !strings.Contains(out, want) {
		t.Fatalf("the denial does not say why; want %q in:\n%s", want, out)
	}
}
