package tfworkspace

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"
	tfjson "github.com/hashicorp/terraform-json"
)

// CLIConfigName is the file in a workspace's directory that holds its CLI
// configuration.
const CLIConfigName = "terraform.rc"

// Options describe a workspace.
type Options struct {
	// Dir is the working directory; it is created if missing.
	Dir string
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
	w := &Workspace{Dir: dir, Terraform: opts.Terraform, CLIConfig: filepath.Join(dir, CLIConfigName)}
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

// WriteFile writes content to name inside the workspace.
func (w *Workspace) WriteFile(name, content string) error {
	return os.WriteFile(filepath.Join(w.Dir, name), []byte(content), 0o600)
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
