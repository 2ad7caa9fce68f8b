// Package tfworkspace runs the real terraform binary against the provider
// built from this module: it builds the provider once, writes the CLI
// configuration that points Terraform at it (dev_overrides, so no init and
// nothing in the user's home), gives every run a clean environment, and runs
// commands with terraform-exec, reading state and plans with terraform-json.
// Tests, benches, the demo and the example check all go through it.
package tfworkspace

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
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
