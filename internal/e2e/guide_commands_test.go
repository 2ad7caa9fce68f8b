//go:build unix

package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

// subWorkspace is a second terraform directory beside w's, holding the
// *.tf files of examples/guides/<path> and sharing w's terraform, CLI
// configuration and environment (its simulator and key).
func subWorkspace(t *testing.T, w *workspace, path string) *workspace {
	t.Helper()
	return workspaceAt(t, w, filepath.Join(w.dir, filepath.FromSlash(path)), path)
}

// workspaceAt is subWorkspace in the directory dir.
func workspaceAt(t *testing.T, w *workspace, dir, example string) *workspace {
	t.Helper()
	ws, err := tfworkspace.New(tfworkspace.Options{
		Dir: dir, ProviderDir: providerDir(t), Terraform: w.Terraform, CLIConfig: w.CLIConfig,
	})
	if err != nil {
		t.Fatal(err)
	}
	ws.Env = append([]string(nil), w.Env...)
	sub := &workspace{Workspace: ws, t: t, dir: dir, sim: w.sim, url: w.url, apiKey: w.apiKey, tenant: w.tenant}
	copyTFFiles(t, filepath.Join(repoRoot(t), "examples", "guides", filepath.FromSlash(example)), dir)
	return sub
}

// copyTFFiles copies the *.tf files of from into to, and a tests/
// directory of *.tftest.hcl files if there is one.
func copyTFFiles(t *testing.T, from, to string) {
	t.Helper()
	for _, pattern := range []string{"*.tf", filepath.Join("tests", "*.tftest.hcl")} {
		files, err := filepath.Glob(filepath.Join(from, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			rel, _ := filepath.Rel(from, f)
			content, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dest := filepath.Join(to, rel)
			if err := os.MkdirAll(filepath.Dir(dest), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(dest, content, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
}

// guideShellBlock returns the fenced shell block of the guide name that
// contains marker, as the reader copies it.
func guideShellBlock(t *testing.T, name, marker string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "templates", "guides", name+".md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	for _, block := range strings.Split(string(raw), "```shell\n")[1:] {
		block, _, _ = strings.Cut(block, "```")
		if strings.Contains(block, marker) {
			return block
		}
	}
	t.Fatalf("the %s guide has no shell block with %q", name, marker)
	return ""
}

// runShell runs script with bash in dir, with w's environment and its
// terraform first on PATH, and returns the combined output and exit code.
func runShell(t *testing.T, w *workspace, dir, script string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-e", "-o", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = append(append([]string(nil), w.Env...), "PATH="+filepath.Dir(w.Terraform)+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("bash: %v\n%s", err, out)
	}
	return string(out), 0
}

// The policy-as-code guide's commands run as written, from the example's
// directory in a clone where `make opa` has built bin/opa: a passing scan
// exits 0, a low one exits 1 with the reason; and the policy's unit tests
// run from the clone's top directory.
func TestPolicyGuideCommandsRunAsWritten(t *testing.T) {
	opa := opaPath(t)
	w := newWorkspace(t, simulator.Config{})
	clone := t.TempDir()
	for link, target := range map[string]string{"bin/opa": opa, "policy": filepath.Join(repoRoot(t), "policy")} {
		if err := os.MkdirAll(filepath.Join(clone, filepath.Dir(link)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, filepath.Join(clone, link)); err != nil {
			t.Fatal(err)
		}
	}
	example := workspaceAt(t, w, filepath.Join(clone, "examples", "guides", "policy-as-code"), "policy-as-code")
	example.Env = append(example.Env, "AETHER365_BASE_URL="+w.url)
	evaluate := guideShellBlock(t, "policy-as-code", "opa eval")

	w.completedScan(t, 91)
	if out, code := runShell(t, example, clone, evaluate); code != 0 {
		t.Fatalf("the guide's commands denied a completed 91%% scan (exit %d):\n%s", code, out)
	}
	scan := w.completedScan(t, 64.7)
	out, code := runShell(t, example, clone, evaluate)
	if want := "Security score 64.7% of scan " + scan.ID + " is below the 80% threshold."; code != 1 || !strings.Contains(out, want) {
		t.Errorf("the guide's commands on a 64.7%% scan: exit %d, want 1 and %q:\n%s", code, want, out)
	}
	if out, code := runShell(t, example, clone, guideShellBlock(t, "policy-as-code", "opa test")); code != 0 || !strings.Contains(out, "PASS") {
		t.Errorf("the guide's `opa test` exited %d:\n%s", code, out)
	}
}

// The resource page's example applies against a default account: no
// unknown connection, no warning but Terraform's own about dev_overrides.
func TestScanResourceExampleApplies(t *testing.T) {
	score := 86.0
	w := newWorkspace(t, simulator.Config{Score: &score})
	content, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "resources", "aether365_scan", "resource.tf"))
	if err != nil {
		t.Fatal(err)
	}
	w.writeConfig(string(content))
	r := w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	output := joinLines(r.stdout + r.stderr)
	if n := strings.Count(output, "Warning:") - strings.Count(output, "Warning: Provider development overrides are in effect"); n != 0 {
		t.Errorf("the example's apply gave %d warnings:\n%s\n%s", n, r.stdout, r.stderr)
	}
	if n := w.sim.ScanCount(w.tenant); n != 2 {
		t.Errorf("%d scans after the example's apply, want its 2", n)
	}
}

// The run-scan-action guide's verify/ step fails a pipeline whose
// `terraform apply -invoke` was interrupted, whatever Terraform's exit code,
// and passes one whose scan completed above min_score.
func TestRunScanActionVerifyStepCatchesAnInterruptedInvoke(t *testing.T) {
	tf := binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for actions")
	score := 84.0
	w := newWorkspaceWith(t, tf, simulator.Config{ScanDuration: time.Hour, Score: &score})
	w.copyExample(t, "run-scan-action")
	verify := subWorkspace(t, w, "run-scan-action/verify")
	jobStarted := func() string { return time.Now().UTC().Format(time.RFC3339) }

	started := jobStarted()
	invoke := startTerraform(t, w, "apply", "-invoke=action.aether365_run_scan.weekly", "-auto-approve", "-input=false", "-no-color")
	scanID := invoke.awaitScanStarted(t, w)
	invoke.interrupt(t)
	exit := invoke.exitWithin(t, interruptBound)
	t.Logf("the interrupted invocation exited with %v", exit)
	check := verify.run(nil, "plan", "-input=false", "-no-color", "-var", "job_started_at="+started)
	if want := "Scan " + scanID + " is in_progress, not completed"; check.err == nil || !strings.Contains(joinLines(check.stderr), want) {
		t.Errorf("after an interrupted invocation the verify step should fail with %q (exit %v):\n%s\n%s", want, check.err, check.stdout, check.stderr)
	}

	// A later job whose scan step never ran a scan.
	time.Sleep(time.Second)
	check = verify.run(nil, "plan", "-input=false", "-no-color", "-var", "job_started_at="+time.Now().UTC().Add(5*time.Minute).Format(time.RFC3339))
	if want := "No compliance scan started since this job began"; check.err == nil || !strings.Contains(joinLines(check.stderr), want) {
		t.Errorf("with no scan of this job the verify step should fail with %q (exit %v):\n%s", want, check.err, check.stderr)
	}

	// A job whose scan completes, on a tenant with no scan left running: the step passes.
	w = newWorkspaceWith(t, tf, simulator.Config{Score: &score})
	w.copyExample(t, "run-scan-action")
	verify = subWorkspace(t, w, "run-scan-action/verify")
	started = jobStarted()
	w.mustRun(nil, "apply", "-invoke=action.aether365_run_scan.weekly", "-auto-approve", "-input=false", "-no-color")
	verify.mustRun(nil, "plan", "-input=false", "-no-color", "-var", "job_started_at="+started)
}
