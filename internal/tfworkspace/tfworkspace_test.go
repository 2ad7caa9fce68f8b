package tfworkspace

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestEnvironDropsWhatChangesTerraformOrTheProvider(t *testing.T) {
	t.Setenv("TF_LOG", "trace")
	t.Setenv("TF_CLI_ARGS_apply", "-parallelism=1")
	t.Setenv("AETHER365_API_KEY", "ae_live_from_the_shell")
	t.Setenv("CHECKPOINT_DISABLE", "")
	t.Setenv("HARNESS_KEPT", "yes")
	env := Environ("/tmp/cli.tfrc", "AETHER365_API_KEY=ae_live_given")
	for _, gone := range []string{"TF_LOG=trace", "TF_CLI_ARGS_apply=-parallelism=1", "AETHER365_API_KEY=ae_live_from_the_shell", "CHECKPOINT_DISABLE="} {
		if slices.Contains(env, gone) {
			t.Errorf("Environ kept %s", gone)
		}
	}
	for _, want := range []string{"HARNESS_KEPT=yes", "TF_CLI_CONFIG_FILE=/tmp/cli.tfrc", "CHECKPOINT_DISABLE=1", "TF_IN_AUTOMATION=1", "TF_INPUT=0", "AETHER365_API_KEY=ae_live_given"} {
		if !slices.Contains(env, want) {
			t.Errorf("Environ lacks %s", want)
		}
	}
}

func TestNewWritesAnAbsoluteCLIConfigWithTheDevOverride(t *testing.T) {
	t.Chdir(t.TempDir())
	w, err := New(Options{Dir: "work", ProviderDir: "bin", Terraform: "terraform"})
	if err != nil {
		t.Fatal(err)
	}
	if !filepath.IsAbs(w.Dir) || w.CLIConfig != filepath.Join(w.Dir, CLIConfigName) {
		t.Errorf("Dir %q, CLIConfig %q: want both absolute, the config inside Dir", w.Dir, w.CLIConfig)
	}
	config, err := os.ReadFile(w.CLIConfig)
	if err != nil {
		t.Fatal(err)
	}
	bin, _ := filepath.Abs("bin")
	if want := `"` + ProviderSource + `" = "` + bin + `"`; !strings.Contains(string(config), want) {
		t.Errorf("CLI config lacks %s:\n%s", want, config)
	}
	if !slices.Contains(w.Env, "TF_CLI_CONFIG_FILE="+w.CLIConfig) {
		t.Errorf("runs do not use the CLI config: %v", w.Env)
	}
}
