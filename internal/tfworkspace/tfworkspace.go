// Package tfworkspace runs the real terraform binary against the provider
// built from this module: it builds the provider once, writes the CLI
// configuration that points Terraform at it (dev_overrides, so no init and
// nothing in the user's home), gives every run a clean environment, and runs
// commands with terraform-exec, reading state and plans with terraform-json.
// Tests, benches, the demo and the example check all go through it.
package tfworkspace

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

const (
	// ProviderSource is the provider's address as configurations name it.
	ProviderSource = "registry.terraform.io/aether365/aether365"
	// ProviderBinary is the provider executable's file name.
	ProviderBinary = "terraform-provider-aether365"

	modulePath = "github.com/aether365/terraform-provider-aether365"
	buildLimit = 5 * time.Minute
)

// BuildProvider builds the provider into dir and returns dir.
func BuildProvider(ctx context.Context, dir string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, buildLimit)
	defer cancel()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, ProviderBinary), modulePath)
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build %s: %v\n%s", modulePath, err, out)
	}
	return dir, nil
}

var shared struct {
	once sync.Once
	dir  string
	err  error
}

// SharedProvider builds the provider once per process into a temporary
// directory and returns that directory; RemoveSharedProvider deletes it
// (call it from TestMain after m.Run).
func SharedProvider() (string, error) {
	shared.once.Do(func() {
		dir, err := os.MkdirTemp("", "aether365-provider-")
		if err != nil {
			shared.err = err
			return
		}
		shared.dir = dir
		_, shared.err = BuildProvider(context.Background(), dir)
	})
	return shared.dir, shared.err
}

// RemoveSharedProvider deletes what SharedProvider built, if anything.
func RemoveSharedProvider() {
	if shared.dir != "" {
		_ = os.RemoveAll(shared.dir)
	}
}

// WriteCLIConfig writes a Terraform CLI configuration to path that installs
// the provider from providerDir (dev_overrides) and everything else as usual.
func WriteCLIConfig(path, providerDir string) error {
	config := fmt.Sprintf(`provider_installation {
  dev_overrides {
    %q = %q
  }
  direct {}
}
`, ProviderSource, providerDir)
	return os.WriteFile(path, []byte(config), 0o600)
}

// Environ is the caller's environment without anything that changes what
// Terraform or the provider does (TF_*, AETHER365_*, CHECKPOINT_DISABLE),
// plus cliConfig as the CLI configuration and the settings for unattended
// runs. A later entry of extra wins over an earlier one of the same name.
func Environ(cliConfig string, extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, "TF_") || strings.HasPrefix(name, "AETHER365_") || name == "CHECKPOINT_DISABLE" {
			continue
		}
		env = append(env, kv)
	}
	env = append(env, "TF_CLI_CONFIG_FILE="+cliConfig, "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0")
	return append(env, extra...)
}

// FindTerraform returns the terraform binary: TF_ACC_TERRAFORM_PATH if set,
// else terraform or tofu from PATH.
func FindTerraform() (string, error) {
	if path := os.Getenv("TF_ACC_TERRAFORM_PATH"); path != "" {
		return path, nil
	}
	for _, name := range []string{"terraform", "tofu"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", fmt.Errorf("neither terraform nor tofu is on PATH")
}

// CLIConfigName is the file in a workspace's directory that holds its CLI
// configuration.
const CLIConfigName = "terraform.rc"

// Options describe a workspace.
type Options struct {
	// Dir is the working directory; it is created if missing.
	Dir string
	// CLIConfig is where to write the CLI configuration; "" means
	// CLIConfigName in Dir. Set it to leave a directory of examples as it is.
	CLIConfig string
	// ProviderDir holds the provider binary (BuildProvider, SharedProvider).
	ProviderDir string
	// Terraform is the binary to run; "" means FindTerraform.
	Terraform string
	// Env is added to every run's clean environment (Environ), e.g. the API
	// key the way a pipeline passes it.
	Env []string
}

// Workspace is a Terraform working directory wired to the built provider.
type Workspace struct {
	// Dir is the working directory.
	Dir string
	// Terraform is the binary every run uses.
	Terraform string
	// CLIConfig is the CLI configuration file (dev_overrides).
	CLIConfig string
	// Env is the whole environment of every run.
	Env []string
}

// New prepares a workspace: the directory, its CLI configuration and the
// environment of its runs.
func New(opts Options) (*Workspace, error) {
	if opts.Terraform == "" {
		path, err := FindTerraform()
		if err != nil {
			return nil, err
		}
		opts.Terraform = path
	}
	dir, err := filepath.Abs(opts.Dir) // terraform runs in Dir: nothing may be relative to here
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	if opts.CLIConfig == "" {
		opts.CLIConfig = filepath.Join(dir, CLIConfigName)
	}
	cliConfig, err := filepath.Abs(opts.CLIConfig)
	if err != nil {
		return nil, err
	}
	w := &Workspace{Dir: dir, Terraform: opts.Terraform, CLIConfig: cliConfig}
	providerDir, err := filepath.Abs(opts.ProviderDir)
	if err != nil {
		return nil, err
	}
	if err := WriteCLIConfig(w.CLIConfig, providerDir); err != nil {
		return nil, err
	}
	w.Env = Environ(w.CLIConfig, opts.Env...)
	return w, nil
}

// WriteFile writes content to name: a path relative to the workspace, or an
// absolute one.
func (w *Workspace) WriteFile(name, content string) error {
	if !filepath.IsAbs(name) {
		name = filepath.Join(w.Dir, name)
	}
	return os.WriteFile(name, []byte(content), 0o600)
}

// Command returns terraform args... ready to start in the workspace with its
// environment plus extraEnv, in a process group of its own (so a signal to
// the group reaches the provider plugin too, as Ctrl-C in a terminal does,
// and a cancelled ctx kills them both).
func (w *Workspace) Command(ctx context.Context, extraEnv []string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, w.Terraform, args...)
	cmd.Dir = w.Dir
	cmd.Env = append(append([]string(nil), w.Env...), extraEnv...)
	ownProcessGroup(cmd)
	return cmd
}

// Result is one finished terraform run.
type Result struct {
	Stdout, Stderr string
	// Err is the run's exit error (*exec.ExitError for a non-zero exit).
	Err error
}

// Run runs terraform args... to completion, with extraEnv added: the CLI
// exactly as a user types it, for tests of what Terraform prints.
func (w *Workspace) Run(ctx context.Context, extraEnv []string, args ...string) Result {
	cmd := w.Command(ctx, extraEnv, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	return Result{Stdout: stdout.String(), Stderr: stderr.String(), Err: err}
}

// Failure describes a failed run for an error message.
func (r Result) Failure(args ...string) string {
	return fmt.Sprintf("terraform %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), r.Err, r.Stdout, r.Stderr)
}

// Exec returns a terraform-exec handle on the workspace with its environment
// (terraform-exec sets TF_IN_AUTOMATION and logging itself: use its SetLog
// and SetLogPath for TF_LOG).
func (w *Workspace) Exec() (*tfexec.Terraform, error) {
	tf, err := tfexec.NewTerraform(w.Dir, w.Terraform)
	if err != nil {
		return nil, err
	}
	env := map[string]string{}
	for _, kv := range w.Env {
		name, value, _ := strings.Cut(kv, "=")
		env[name] = value
	}
	if err := tf.SetEnv(tfexec.CleanEnv(env)); err != nil {
		return nil, err
	}
	return tf, nil
}

// State returns the workspace's state as `terraform show -json` gives it;
// an empty state when nothing was applied yet.
func (w *Workspace) State(ctx context.Context) (*tfjson.State, error) {
	tf, err := w.Exec()
	if err != nil {
		return nil, err
	}
	return tf.Show(ctx)
}

// Resources returns the managed resources of type in state, root module
// only (nil state or values: none).
func Resources(state *tfjson.State, resourceType string) []*tfjson.StateResource {
	if state == nil || state.Values == nil || state.Values.RootModule == nil {
		return nil
	}
	var found []*tfjson.StateResource
	for _, r := range state.Values.RootModule.Resources {
		if r.Mode == tfjson.ManagedResourceMode && r.Type == resourceType {
			found = append(found, r)
		}
	}
	return found
}
