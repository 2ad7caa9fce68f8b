// Command demo is `make demo`: the provider's main job, end to end, on this
// machine only. It builds terraform-provider-aether365 and aether365-sim,
// starts the simulator on a free loopback port, points Terraform (or
// OpenTofu) at the fresh provider through a CLI configuration of its own
// (dev_overrides; nothing is written to your home directory), applies
// examples/quickstart (a scan, a plan-time gate on the latest score, the
// critical failures, a CSV export), then shows the gate blocking a plan.
// Everything it starts or writes is removed on exit. Run it from the
// repository's root.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

// The simulator's settings: short scans, and a fixed score so the output is
// the same on every run.
const (
	simScore          = "87"
	simScanDuration   = "3s"
	blockingThreshold = "95" // above simScore: the gate must block
	simStartLimit     = 20 * time.Second
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	ui := newUI()
	err := run(ctx, ui)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "\n%sdemo failed: %v%s\n", ui.red, err, ui.reset)
		os.Exit(1)
	}
}

// demo is one run: its work directory, simulator and workspace.
type demo struct {
	ui   *ui
	tf   string // terraform or tofu, as the user calls it
	work string
	sim  *simtest.Process
	ws   *tfworkspace.Workspace
}

func run(ctx context.Context, ui *ui) (err error) {
	d := &demo{ui: ui}
	if err := d.prerequisites(ctx); err != nil {
		return err
	}
	work, err := os.MkdirTemp("", "aether365-demo.")
	if err != nil {
		return err
	}
	d.work = work
	defer os.RemoveAll(work)
	defer func() { d.stopSimulator(err != nil) }()
	for _, step := range []func(context.Context) error{d.build, d.startSimulator, d.configure, d.planAndApply, d.results, d.blockedPlan} {
		if err = step(ctx); err != nil {
			return err
		}
	}
	ui.section("Done")
	ui.info("The provider ran a scan, gated on its score at plan time, listed the critical failures")
	ui.info("and exported them to CSV, all against aether365-sim. Next: README.md, docs/guides/.")
	ui.info("Stopping the simulator and removing " + work + ".")
	return nil
}

func (d *demo) prerequisites(ctx context.Context) error {
	d.ui.section("Checking prerequisites")
	path, err := tfworkspace.FindTerraform()
	if err != nil {
		return errors.New("neither terraform nor tofu is on PATH. Install Terraform 1.8+ or OpenTofu 1.8+ and run 'make demo' again")
	}
	d.tf = filepath.Base(path)
	goVersion, _ := exec.CommandContext(ctx, "go", "version").Output()
	tfVersion, _ := exec.CommandContext(ctx, path, "version").Output()
	d.ui.info("go:        " + strings.TrimSpace(string(goVersion)))
	d.ui.info(fmt.Sprintf("terraform: %s (%s)", path, firstLine(string(tfVersion))))
	return nil
}

func (d *demo) build(ctx context.Context) error {
	d.ui.section("Building the provider and aether365-sim")
	bin := filepath.Join(d.work, "bin")
	if _, err := tfworkspace.BuildProvider(ctx, bin); err != nil {
		return fmt.Errorf("could not build the provider: %w", err)
	}
	if out, err := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(bin, "aether365-sim"), "./cmd/aether365-sim").CombinedOutput(); err != nil {
		return fmt.Errorf("could not build the simulator (go build ./cmd/aether365-sim): %v\n%s", err, out)
	}
	d.ui.info("built into " + bin)
	return nil
}

func (d *demo) startSimulator(ctx context.Context) error {
	d.ui.section("Starting aether365-sim (the Aether365 API, locally)")
	log, err := os.Create(filepath.Join(d.work, "sim.log"))
	if err != nil {
		return err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(d.work, "bin", "aether365-sim"),
		"--listen", "127.0.0.1:0", "--scan-duration", simScanDuration, "--score", simScore)
	cmd.Stderr = log
	d.sim, err = simtest.StartProcess(ctx, cmd, simStartLimit)
	if err != nil {
		return err
	}
	d.ui.info(fmt.Sprintf("listening on %s (scans take %s and score %s%%)", d.sim.URL, simScanDuration, simScore))
	return nil
}

// stopSimulator stops it and, after a failure, shows the end of its log.
func (d *demo) stopSimulator(failed bool) {
	if d.sim != nil {
		_ = d.sim.Stop()
	}
	log, _ := os.ReadFile(filepath.Join(d.work, "sim.log"))
	if failed && len(log) > 0 {
		lines := strings.Split(strings.TrimRight(string(log), "\n"), "\n")
		fmt.Fprintf(os.Stderr, "\nLast lines of the simulator log:\n%s\n", strings.Join(lines[max(0, len(lines)-15):], "\n"))
	}
}

func (d *demo) configure(context.Context) error {
	d.ui.section("Pointing " + d.tf + " at the freshly built provider")
	dir := filepath.Join(d.work, "quickstart")
	if err := copyConfiguration(filepath.Join("examples", "quickstart"), dir); err != nil {
		return err
	}
	ws, err := tfworkspace.New(tfworkspace.Options{
		Dir: dir, ProviderDir: filepath.Join(d.work, "bin"),
		CLIConfig: filepath.Join(d.work, "cli.tfrc"),
		Env:       []string{"AETHER365_BASE_URL=" + d.sim.URL, "AETHER365_API_KEY=" + simulator.DemoAPIKey},
	})
	if err != nil {
		return err
	}
	d.ws = ws
	d.ui.info("CLI config: " + ws.CLIConfig + " (dev_overrides; your own configuration is not touched)")
	d.ui.info("working copy of examples/quickstart: " + dir)
	d.ui.info("no '" + d.tf + " init' needed: the only providers are the dev override and the built-in terraform_data")
	return nil
}

// copyConfiguration copies the .tf files of src into a new dst, leaving
// behind any state or lock file a user's own run left there.
func copyConfiguration(src, dst string) error {
	if err := os.MkdirAll(dst, 0o755); err != nil {
		return err
	}
	files, err := filepath.Glob(filepath.Join(src, "*.tf"))
	if err != nil {
		return err
	}
	for _, file := range files {
		content, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, filepath.Base(file)), content, 0o644); err != nil {
			return err
		}
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}
