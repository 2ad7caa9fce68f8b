package e2e

import (
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// installConfig returns the install guide's CLI configuration file with its
// placeholder path replaced, as the guide tells the reader to do.
func installConfig(t *testing.T, name, placeholder, path string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "examples", "guides", "install", name))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), placeholder) {
		t.Fatalf("%s no longer holds the placeholder %q", name, placeholder)
	}
	return strings.ReplaceAll(string(raw), placeholder, path)
}

// TestInstallFromAClone follows the "from a clone" route: the provider
// built into a directory, dev_overrides pointing at it, no terraform init.
func TestInstallFromAClone(t *testing.T) {
	w := newExampleWorkspace(t, "install")
	cliConfig := filepath.Join(w.dir, "dev.tfrc")
	w.write(cliConfig, installConfig(t, "dev.tfrc", "/home/you/terraform-provider-aether365/bin", providerDir(t)))
	w.Env = append(w.Env, "TF_CLI_CONFIG_FILE="+cliConfig)

	r := w.mustRun(nil, "plan", "-no-color")
	if !strings.Contains(r.stderr+r.stdout, "Provider development overrides are in effect") {
		t.Errorf("the plan did not use the dev_overrides:\n%s\n%s", r.stdout, r.stderr)
	}
}

// TestInstallFromAFilesystemMirror follows the CI route: the built provider
// laid out as a filesystem mirror, a CLI configuration that installs it from
// there, and a terraform init that needs no registry for it.
func TestInstallFromAFilesystemMirror(t *testing.T) {
	w := newExampleWorkspace(t, "install")

	const version = "0.1.0"
	mirror := filepath.Join(w.dir, "terraform-mirror")
	platformDir := filepath.Join(mirror, "registry.terraform.io", "aether365", "aether365", version,
		runtime.GOOS+"_"+runtime.GOARCH)
	if err := os.MkdirAll(platformDir, 0o755); err != nil {
		t.Fatal(err)
	}
	binary, err := os.ReadFile(filepath.Join(providerDir(t), "terraform-provider-aether365"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(platformDir, "terraform-provider-aether365_v"+version), binary, 0o755); err != nil {
		t.Fatal(err)
	}
	cliConfig := filepath.Join(w.dir, "mirror.tfrc")
	w.write(cliConfig, installConfig(t, "mirror.tfrc", "/home/runner/terraform-mirror", mirror))
	w.Env = append(w.Env, "TF_CLI_CONFIG_FILE="+cliConfig)

	init := w.mustRun(nil, "init", "-no-color")
	if !strings.Contains(init.stdout, "Installed aether365/aether365 v"+version) {
		t.Fatalf("init did not install the provider from the mirror:\n%s", init.stdout)
	}
	lock, err := os.ReadFile(filepath.Join(w.dir, ".terraform.lock.hcl"))
	if err != nil || !strings.Contains(string(lock), `version     = "`+version+`"`) {
		t.Fatalf("the lock file does not record v%s: %v\n%s", version, err, lock)
	}
	r := w.mustRun(nil, "plan", "-no-color")
	if strings.Contains(r.stderr, "development overrides") {
		t.Errorf("the plan used dev_overrides, not the mirror:\n%s", r.stderr)
	}
}
