package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
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

	evaluate := func() (string, int) { t.Helper(); return evaluatePolicy(t, opa, w, "policy/data.json") }

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

// evaluatePolicy plans w as the policy-as-code guide does (`terraform plan
// -out`, `terraform show -json`) and runs `opa eval --fail-defined` on the
// plan with the policy and the data file dataFile.
func evaluatePolicy(t *testing.T, opa string, w *workspace, dataFile string) (string, int) {
	t.Helper()
	w.mustRun(nil, "plan", "-input=false", "-out=tfplan")
	shown := w.mustRun(nil, "show", "-json", "tfplan")
	planJSON := filepath.Join(w.dir, "tfplan.json")
	w.write(planJSON, shown.stdout)
	return runOPA(t, opa, "eval", "--format", "pretty", "--fail-defined",
		"--data", "policy/aether365.rego", "--data", dataFile,
		"--input", planJSON, "data.aether365.deny[msg]")
}

// The gate cannot be talked round by the configuration it judges: on an
// account whose scans score 95 (a compliance scan, then an exposure one) and
// then 60 (the newest compliance scan), as `aether365-sim --score-sequence
// 95,95,60` gives, reading the exposure scan, pinning an older scan by id,
// or reading another tenant than the one the data file names is denied,
// though each of those scans scores 95.
func TestPolicyDeniesEvasionsOnRealPlans(t *testing.T) {
	opa := opaPath(t)
	w := newWorkspace(t, simulator.Config{})
	w.copyExample(t, "policy-as-code")
	w.sim.SetScoreSequence(95, 95, 60)
	w.sim.SetScanDuration(0)
	client := w.client()
	// started_at has whole seconds, and the newest scan is the one that
	// started last: one second apart, the order is unambiguous.
	var scans []string
	for _, scanType := range []string{"compliance", "exposure", "compliance"} {
		if len(scans) > 0 {
			time.Sleep(time.Second)
		}
		scan := startScan(t, client, scanType)
		if string(scan.Status) != "completed" {
			t.Fatalf("scan %s is %s; the simulator should complete it at once", scan.ID, scan.Status)
		}
		scans = append(scans, scan.ID)
	}
	oldCompliance, exposure, newest := scans[0], scans[1], scans[2]

	example := w.read("main.tf")
	const gate = "data \"aether365_scan\" \"latest\" {\n  scan_type = \"compliance\"\n}"
	if !strings.Contains(example, gate) {
		t.Fatalf("the example no longer reads the newest compliance scan as\n%s\nin:\n%s", gate, example)
	}
	// configure writes the example with the gating data source's body replaced.
	configure := func(body string) {
		t.Helper()
		w.write("main.tf", strings.Replace(example, gate, "data \"aether365_scan\" \"latest\" {\n"+body+"}", 1))
	}
	expectDenied := func(why, want string) {
		t.Helper()
		out, code := evaluatePolicy(t, opa, w, "policy/data.json")
		if code != 1 || !strings.Contains(out, want) {
			t.Errorf("%s: opa exited %d, want 1 and %q in:\n%s", why, code, want, out)
		}
	}

	configure("  scan_type = \"compliance\"\n")
	expectDenied("the newest compliance scan at 60%", "Security score 60% of scan "+newest+" is below the 80% threshold.")

	configure("  scan_type = \"exposure\"\n")
	expectDenied("scan_type = \"exposure\" (95%)",
		"Scan "+exposure+" has scan_type exposure, not compliance")

	configure("  id = \"" + exposure + "\"\n")
	expectDenied("the exposure scan pinned by id (95%)",
		"data.aether365_scan.latest pins a scan by id ("+exposure+")")

	configure("  id = \"" + oldCompliance + "\"\n")
	expectDenied("an older compliance scan pinned by id (95%)",
		"data.aether365_scan.latest pins a scan by id ("+oldCompliance+")")

	// A data file naming the tenant: another tenant's scan is denied, the
	// expected one's passes. (The simulator's key reads only its own account,
	// so the other tenant is the one the data file expects.)
	configure("  scan_type = \"compliance\"\n")
	w.sim.SetScore(91)
	time.Sleep(time.Second)
	passing := startScan(t, client, "compliance")
	for tenant, wantDenied := range map[string]bool{w.tenant: false, "t_production": true} {
		dataFile := filepath.Join(w.dir, "policy-"+tenant+".json")
		w.write(dataFile, `{"aether365_policy": {"min_score": 80, "max_scan_age_days": 8, "tenant_id": "`+tenant+`"}}`)
		out, code := evaluatePolicy(t, opa, w, dataFile)
		switch {
		case !wantDenied && code != 0:
			t.Errorf("a 91%% scan of the expected tenant %s was denied (exit %d):\n%s", tenant, code, out)
		case wantDenied && (code != 1 || !strings.Contains(out, "Scan "+passing.ID+" is of tenant "+w.tenant+", not "+tenant)):
			t.Errorf("a scan of %s, with the data file expecting %s: opa exited %d, want 1 and the tenants named:\n%s", w.tenant, tenant, code, out)
		}
	}
}
