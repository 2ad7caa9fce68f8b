package e2e

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	tfjson "github.com/hashicorp/terraform-json"

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

// workspace is a terraform working directory wired to the built provider
// and an in-process simulator.
type workspace struct {
	*tfworkspace.Workspace
	t      *testing.T
	dir    string
	sim    *simulator.Server
	url    string
	apiKey string
	tenant string
}

// newWorkspace starts a simulator with cfg (its APIKeys replaced by one
// fresh, distinctive key) and prepares a working directory whose CLI
// configuration points Terraform at the freshly built provider.
func newWorkspace(t *testing.T, cfg simulator.Config) *workspace {
	t.Helper()
	tf := terraformPath(t)
	w := &workspace{t: t, dir: t.TempDir(), tenant: "e2e-tenant", apiKey: distinctiveKey("ae_live_e2e_")}
	cfg.APIKeys = map[string][]string{w.apiKey: {w.tenant}}
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
// the key left to the environment and arguments added to the provider.
func providerBlock(baseURL string, arguments ...string) string {
	var extra strings.Builder
	for _, argument := range arguments {
		extra.WriteString("  " + argument + "\n")
	}
	return fmt.Sprintf(`terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

provider "aether365" {
  base_url = %q
%s}
`, baseURL, extra.String())
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
