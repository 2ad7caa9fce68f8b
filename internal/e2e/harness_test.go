package e2e

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

const providerAddress = "registry.terraform.io/aether365/aether365"

var (
	// providerDir holds the provider binary that TestMain builds once for
	// every test ("" when terraform is missing and every test skips).
	providerDir string
	buildErr    error
)

func TestMain(m *testing.M) {
	if _, err := exec.LookPath("terraform"); err == nil {
		providerDir, buildErr = buildProvider()
	}
	code := m.Run()
	if providerDir != "" {
		_ = os.RemoveAll(providerDir)
	}
	os.Exit(code)
}

// buildProvider builds the provider binary into a new directory.
func buildProvider() (string, error) {
	dir, err := os.MkdirTemp("", "aether365-e2e-provider-")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "terraform-provider-aether365"),
		"github.com/aether365/terraform-provider-aether365")
	if out, err := cmd.CombinedOutput(); err != nil {
		return dir, fmt.Errorf("go build: %v\n%s", err, out)
	}
	return dir, nil
}

// terraformPath returns the terraform binary, skipping the test when there
// is none, and fails it when the provider could not be built.
func terraformPath(t *testing.T) string {
	t.Helper()
	path, err := exec.LookPath("terraform")
	if err != nil {
		t.Skip("terraform is not on PATH; the end-to-end tests need the real binary")
	}
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return path
}

// workspace is a terraform working directory wired to the built provider
// and an in-process simulator.
type workspace struct {
	t      *testing.T
	dir    string
	tf     string
	sim    *simulator.Server
	url    string
	apiKey string
	tenant string
	// env is added to every terraform run.
	env []string
}

// newWorkspace starts a simulator with cfg (its APIKeys replaced by one
// fresh, distinctive key) and prepares a working directory whose CLI
// configuration points Terraform at the freshly built provider.
func newWorkspace(t *testing.T, cfg simulator.Config) *workspace {
	t.Helper()
	tf := terraformPath(t)
	binDir := providerDir

	random := make([]byte, 12)
	_, _ = rand.Read(random)
	w := &workspace{t: t, dir: t.TempDir(), tf: tf, tenant: "e2e-tenant", apiKey: "ae_live_e2e_" + hex.EncodeToString(random)}
	cfg.APIKeys = map[string][]string{w.apiKey: {w.tenant}}
	sim, err := simulator.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(sim)
	t.Cleanup(server.Close)
	w.sim, w.url = sim, server.URL

	cliConfig := filepath.Join(w.dir, "terraform.rc")
	w.write(cliConfig, fmt.Sprintf(`provider_installation {
  dev_overrides {
    %q = %q
  }
  direct {}
}
`, providerAddress, binDir))
	w.env = []string{
		"TF_CLI_CONFIG_FILE=" + cliConfig,
		"TF_IN_AUTOMATION=1",
		"TF_INPUT=0",
		"CHECKPOINT_DISABLE=1",
		// The key reaches the provider the way a pipeline passes it: from the
		// environment, never written into configuration or plan files.
		"AETHER365_API_KEY=" + w.apiKey,
	}
	return w
}

func (w *workspace) write(path, content string) {
	w.t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// writeConfig writes main.tf with the provider block and body.
func (w *workspace) writeConfig(body string) {
	w.t.Helper()
	w.write(filepath.Join(w.dir, "main.tf"), fmt.Sprintf(`terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

provider "aether365" {
  base_url = %q
}

%s
`, w.url, body))
}

// command returns terraform args... ready to start in the workspace, with a
// clean environment: nothing from the developer's shell that changes
// Terraform's or the provider's behaviour.
func (w *workspace) command(ctx context.Context, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.tf, args...)
	cmd.Dir = w.dir
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "AETHER365_") || name == "CHECKPOINT_DISABLE" {
			continue
		}
		cmd.Env = append(cmd.Env, kv)
	}
	cmd.Env = append(cmd.Env, w.env...)
	cmd.Env = append(cmd.Env, extraEnv...)
	return cmd
}

// result is one finished terraform run.
type result struct {
	stdout, stderr string
	err            error
}

// run runs terraform to completion (at most two minutes).
func (w *workspace) run(extraEnv []string, args ...string) result {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := w.command(ctx, extraEnv, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return result{stdout: stdout.String(), stderr: stderr.String(), err: err}
}

// mustRun runs terraform and fails the test if it fails.
func (w *workspace) mustRun(extraEnv []string, args ...string) result {
	w.t.Helper()
	r := w.run(extraEnv, args...)
	if r.err != nil {
		w.t.Fatalf("terraform %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.err, r.stdout, r.stderr)
	}
	return r
}

// stateResource is the part of a terraform.tfstate resource the tests read.
type stateResource struct {
	Type      string `json:"type"`
	Name      string `json:"name"`
	Instances []struct {
		Status     string         `json:"status"`
		Attributes map[string]any `json:"attributes"`
	} `json:"instances"`
}

// state reads terraform.tfstate.
func (w *workspace) state() []stateResource {
	w.t.Helper()
	raw, err := os.ReadFile(filepath.Join(w.dir, "terraform.tfstate"))
	if err != nil {
		w.t.Fatalf("reading the state file: %v", err)
	}
	var state struct {
		Resources []stateResource `json:"resources"`
	}
	if err := json.Unmarshal(raw, &state); err != nil {
		w.t.Fatalf("decoding the state file: %v", err)
	}
	return state.Resources
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
