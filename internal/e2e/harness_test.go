package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

// runLimit bounds every terraform run of a test.
const runLimit = 2 * time.Minute

func TestMain(m *testing.M) {
	code := m.Run()
	tfworkspace.RemoveSharedProvider()
	os.Exit(code)
}

// terraformPath returns the terraform binary, skipping the test when there
// is none, and fails it when the provider cannot be built.
func terraformPath(t *testing.T) string {
	t.Helper()
	path, err := tfworkspace.FindTerraform()
	if err != nil {
		t.Skip("terraform is not on PATH; the end-to-end tests need the real binary")
	}
	return path
}

// providerDir returns the directory of the provider built once for all tests.
func providerDir(t *testing.T) string {
	t.Helper()
	dir, err := tfworkspace.SharedProvider()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// Environment variables naming the binaries of the other matrix legs. .ci/run
// sets them from the binaries it builds; without them those legs skip.
const (
	// envNewTerraform is a Terraform 1.14.1 or later, for actions and query.
	envNewTerraform = "AETHER365_TF_NEW"
	// envOpenTofu is an OpenTofu binary, for the smoke test.
	envOpenTofu = "AETHER365_TOFU"
)

// binaryFromEnv returns the binary env names, skipping the test with what
// is missing when it is unset or not executable.
func binaryFromEnv(t *testing.T, env, needs string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Skipf("%s is not set: this test needs %s (.ci/run sets it)", env, needs)
	}
	if _, err := exec.LookPath(path); err != nil {
		t.Skipf("%s=%s is not an executable: this test needs %s", env, path, needs)
	}
	return path
}

// newWorkspaceWith is newWorkspace running binary instead of the terraform
// on PATH.
func newWorkspaceWith(t *testing.T, binary string, cfg simulator.Config) *workspace {
	t.Helper()
	w := newWorkspace(t, cfg)
	w.Terraform = binary
	return w
}

// workspace is a terraform working directory wired to the built provider
// and an in-process simulator.
type workspace struct {
	*tfworkspace.Workspace
	t      *testing.T
	dir    string
	sim    *simulator.Server
	url    string
	apiKey string
	// tenant is the Aether365 account (t_...) the key belongs to: what the
	// provider's tenant_id "me" names, and what scans report as tenant_id.
	tenant string
}

// e2eAccount is the account of every workspace's key.
const e2eAccount = "t_e2e"

// newWorkspace starts a simulator with cfg (its APIKeys replaced by one
// fresh, distinctive key of the account e2eAccount) and prepares a working
// directory whose CLI configuration points Terraform at the freshly built
// provider.
func newWorkspace(t *testing.T, cfg simulator.Config) *workspace {
	t.Helper()
	tf := terraformPath(t)
	w := &workspace{t: t, dir: t.TempDir(), tenant: e2eAccount, apiKey: distinctiveKey("ae_live_e2e_")}
	cfg.APIKeys = map[string]string{w.apiKey: w.tenant}
	server := simtest.Start(t, cfg)
	w.sim, w.url = server.Server, server.URL
	ws, err := tfworkspace.New(tfworkspace.Options{
		Dir: w.dir, ProviderDir: providerDir(t), Terraform: tf,
		// The key reaches the provider the way a pipeline passes it: from the
		// environment, never written into configuration or plan files.
		Env: []string{"AETHER365_API_KEY=" + w.apiKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	w.Workspace = ws
	return w
}

// distinctiveKey is prefix and 24 random hex digits: a key whose every
// appearance in a log is unmistakable.
func distinctiveKey(prefix string) string {
	random := make([]byte, 12)
	_, _ = rand.Read(random)
	return prefix + hex.EncodeToString(random)
}

func (w *workspace) write(name, content string) {
	w.t.Helper()
	if err := w.WriteFile(name, content); err != nil {
		w.t.Fatal(err)
	}
}

// providerBlock is the configuration's terraform and provider blocks, with
// the key left to the environment and arguments added to the provider. The
// source is the provider's full address, which OpenTofu (whose default
// registry differs) resolves to the same dev override as Terraform.
func providerBlock(baseURL string, arguments ...string) string {
	var extra strings.Builder
	for _, argument := range arguments {
		extra.WriteString("  " + argument + "\n")
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    aether365 = {
      source = %q
    }
  }
}

provider "aether365" {
  base_url = %q
%s}
`, tfworkspace.ProviderSource, baseURL, extra.String())
}

// writeConfig writes main.tf with the provider block and body.
func (w *workspace) writeConfig(body string) {
	w.t.Helper()
	w.write("main.tf", providerBlock(w.url)+"\n"+body)
}

// command returns terraform args... ready to start in the workspace, with a
// clean environment plus extraEnv, in a process group of its own.
func (w *workspace) command(ctx context.Context, extraEnv []string, args ...string) *exec.Cmd {
	return w.Command(ctx, extraEnv, args...)
}

// result is one finished terraform run.
type result struct {
	stdout, stderr string
	err            error
}

// run runs terraform to completion (at most runLimit).
func (w *workspace) run(extraEnv []string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	r := w.Run(ctx, extraEnv, args...)
	return result{stdout: r.Stdout, stderr: r.Stderr, err: r.Err}
}

// mustRun runs terraform and fails the test if it fails.
func (w *workspace) mustRun(extraEnv []string, args ...string) result {
	w.t.Helper()
	r := w.run(extraEnv, args...)
	if r.err != nil {
		w.t.Fatal(tfworkspace.Result{Stdout: r.stdout, Stderr: r.stderr, Err: r.err}.Failure(args...))
	}
	return r
}

// state returns the root module's resources, data sources included, as
// `terraform show -json` gives them.
func (w *workspace) state() []*tfjson.StateResource {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	state, err := w.State(ctx)
	if err != nil {
		w.t.Fatalf("terraform show -json: %v", err)
	}
	if state.Values == nil || state.Values.RootModule == nil {
		return nil
	}
	return state.Values.RootModule.Resources
}

// savedState is state() when there is a state file to read, and nil when
// there is none or it is empty (a terraform killed during apply can leave it
// so, and Terraform reads that as no state).
func (w *workspace) savedState() []*tfjson.StateResource {
	w.t.Helper()
	if info, err := os.Stat(filepath.Join(w.dir, "terraform.tfstate")); err != nil || info.Size() == 0 {
		return nil
	}
	return w.state()
}

// read returns the content of the workspace's file name.
func (w *workspace) read(name string) string {
	w.t.Helper()
	content, err := os.ReadFile(filepath.Join(w.dir, name))
	if err != nil {
		w.t.Fatal(err)
	}
	return string(content)
}

// waitFor polls cond every 50 ms until it holds or the timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

// newExampleWorkspace is a workspace on a default simulator holding the
// example directory of the guide name, as a reader copies it.
func newExampleWorkspace(t *testing.T, name string) *workspace {
	t.Helper()
	w := newWorkspace(t, simulator.Config{})
	w.copyExample(t, name)
	return w
}

// copyExample copies examples/guides/<name>/*.tf into the workspace, as a
// user copies a guide's directory; the workspace's environment points the
// provider at its simulator (AETHER365_BASE_URL), as the guides say.
func (w *workspace) copyExample(t *testing.T, name string) {
	t.Helper()
	dir := filepath.Join(repoRoot(t), "examples", "guides", name)
	files, err := filepath.Glob(filepath.Join(dir, "*.tf"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no .tf file in %s: %v", dir, err)
	}
	for _, f := range files {
		content, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		w.write(filepath.Join(w.dir, filepath.Base(f)), string(content))
	}
	w.Env = append(w.Env, "AETHER365_BASE_URL="+w.url)
}

// exampleBody is the main.tf of the guide name after its provider block, for
// a configuration that brings its own (providerBlock).
func exampleBody(t *testing.T, name string) string {
	t.Helper()
	const providerLine = "provider \"aether365\" {}\n"
	path := filepath.Join(repoRoot(t), "examples", "guides", name, "main.tf")
	content, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	_, body, ok := strings.Cut(string(content), providerLine)
	if !ok {
		t.Fatalf("%s has no line %q ending its provider settings", path, strings.TrimSpace(providerLine))
	}
	return body
}

// client is an API client of the workspace's simulator, with its key.
func (w *workspace) client() *aether365.Client {
	w.t.Helper()
	c, err := aether365.New(aether365.Config{BaseURL: w.url, APIKey: w.apiKey})
	if err != nil {
		w.t.Fatal(err)
	}
	return c
}

// completedScan starts a compliance scan in the workspace's account that
// completes at once with score.
func (w *workspace) completedScan(t *testing.T, score float64) *aether365.Scan {
	t.Helper()
	w.sim.SetScore(score)
	w.sim.SetScanDuration(0)
	scan := startScan(t, w.client(), "compliance")
	if string(scan.Status) != aether365.ScanStatusCompleted {
		t.Fatalf("scan %s is %s; the simulator should complete it at once", scan.ID, scan.Status)
	}
	return scan
}

// startScan starts a scan of scanType on the key's active connection, as a
// person or a schedule would outside Terraform.
func startScan(t *testing.T, client *aether365.Client, scanType string) *aether365.Scan {
	t.Helper()
	scan, err := client.StartScan(context.Background(), aether365.StartScanRequest{ScanType: scanType})
	if err != nil {
		t.Fatalf("starting a %s scan: %v", scanType, err)
	}
	return scan
}

// repoRoot is the repository's top directory, two levels above this package.
func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// buildCommand builds the module's cmd/<name> for one test. The commands
// built here run beside terraform, so without it the test skips before the
// build.
func buildCommand(t *testing.T, name string) string {
	t.Helper()
	terraformPath(t)
	bin := filepath.Join(t.TempDir(), name)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "go", "build", "-o", bin,
		"github.com/aether365/terraform-provider-aether365/cmd/"+name).CombinedOutput()
	if err != nil {
		t.Fatalf("go build %s: %v\n%s", name, err, out)
	}
	return bin
}

// runCommand runs a program other than terraform to completion (at most
// runLimit) in dir, with the test's environment plus env, and returns its
// combined output and exit code; not starting it fails the test.
func runCommand(t *testing.T, dir string, env []string, name string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), runLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if exit, ok := err.(*exec.ExitError); ok {
		return string(out), exit.ExitCode()
	}
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out), 0
}
