package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

const (
	providerBinary = tfworkspace.ProviderBinary
	simStartLimit  = 20 * time.Second
	// terraformLimit bounds every terraform command; the 50k-result plan
	// and apply are the longest.
	terraformLimit = 300 * time.Second
)

type runner struct {
	opts     options
	work     string // temporary, removed at the end
	logs     string // kept in the output directory
	pythonOK bool

	cliConfig, rssCLIConfig string
}

// prepare writes the two CLI configurations (dev_overrides to the provider,
// and to the rsswrap directory for P4) and checks for Python.
func (r *runner) prepare(ctx context.Context) error {
	for _, name := range []string{providerBinary, "aether365-sim", "rsswrap"} {
		if _, err := os.Stat(filepath.Join(r.opts.binDir, name)); err != nil {
			return fmt.Errorf("missing %s in %s (scripts/bench.sh builds it)", name, r.opts.binDir)
		}
	}
	rssDir := filepath.Join(r.work, "rsswrap")
	if err := os.MkdirAll(rssDir, 0o755); err != nil {
		return err
	}
	wrapper, err := os.ReadFile(filepath.Join(r.opts.binDir, "rsswrap"))
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(rssDir, providerBinary), wrapper, 0o755); err != nil {
		return err
	}
	r.cliConfig = filepath.Join(r.work, "cli.tfrc")
	r.rssCLIConfig = filepath.Join(r.work, "cli-rss.tfrc")
	for path, dir := range map[string]string{r.cliConfig: r.opts.binDir, r.rssCLIConfig: rssDir} {
		if err := tfworkspace.WriteCLIConfig(path, dir); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Join(r.work, "home"), 0o755); err != nil {
		return err
	}
	_, err = r.command(ctx, 30*time.Second, "", nil, r.opts.python, "-c", "import requests")
	r.pythonOK = err == nil
	if !r.pythonOK {
		fmt.Fprintf(os.Stderr, "bench: %s with the requests module not found: the seed's Python baseline is replaced by its closed form\n", r.opts.python)
	}
	return nil
}

// terraformEnv is the harness's clean environment for Terraform with the
// given CLI config; HOME points into the work directory, so nothing lands in
// the real one.
func (r *runner) terraformEnv(cliConfig string, extra ...string) []string {
	return tfworkspace.Environ(cliConfig, append([]string{"HOME=" + filepath.Join(r.work, "home")}, extra...)...)
}

// command runs name with args in dir within limit and returns its combined
// output. The child gets its own process group, which is killed when the
// limit passes or ctx ends, so no grandchild (a provider) outlives it.
func (r *runner) command(ctx context.Context, limit time.Duration, dir string, env []string, name string, args ...string) (string, error) {
	return r.commandWith(ctx, limit, dir, env, nil, name, args...)
}

// commandWith is command that also hands the finished process's state to
// done, when set (for its resource usage).
func (r *runner) commandWith(ctx context.Context, limit time.Duration, dir string, env []string, done func(*os.ProcessState), name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir, cmd.Env = dir, env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	groupKill(cmd)
	err := cmd.Run()
	if done != nil && cmd.ProcessState != nil {
		done(cmd.ProcessState)
	}
	if ctx.Err() != nil {
		err = fmt.Errorf("%s %s: stopped after %s: %w", name, strings.Join(args, " "), limit, ctx.Err())
	} else if err != nil {
		err = fmt.Errorf("%s %s: %w\n%s", name, strings.Join(args, " "), err, tail(out.String(), 30))
	}
	return out.String(), err
}

func groupKill(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
}

// terraform runs one terraform command in dir and reports how long it took.
func (r *runner) terraform(ctx context.Context, dir string, env []string, args ...string) (string, time.Duration, error) {
	started := time.Now()
	out, err := r.command(ctx, terraformLimit, dir, env, r.opts.terraform, args...)
	return out, time.Since(started), err
}

// sim is a running aether365-sim.
type sim struct {
	URL     string
	LogPath string
	process *simtest.Process
	logFile *os.File
}

// startSim starts aether365-sim on a free loopback port through the
// harness. Its request log (stderr, one JSON object a request) goes to
// logs/<name>.log.
func (r *runner) startSim(ctx context.Context, name string, args ...string) (*sim, error) {
	args = append(slices.Clone(simLogFormat), args...)
	logPath := filepath.Join(r.logs, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, filepath.Join(r.opts.binDir, "aether365-sim"), append([]string{"--listen", "127.0.0.1:0"}, args...)...)
	cmd.Stderr = logFile
	process, err := simtest.StartProcess(ctx, cmd, simStartLimit)
	if err != nil {
		_ = logFile.Close()
		return nil, fmt.Errorf("aether365-sim %s: %w; see %s", strings.Join(args, " "), err, logPath)
	}
	return &sim{URL: process.URL, LogPath: logPath, process: process, logFile: logFile}, nil
}

func (s *sim) stop() {
	if s == nil {
		return
	}
	_ = s.process.Stop()
	_ = s.logFile.Close()
}

// writeConfig creates dir with main.tf holding config.
func writeConfig(dir, config string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "main.tf"), []byte(config), 0o644)
}

func tail(s string, lines int) string {
	all := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(all[max(0, len(all)-lines):], "\n")
}

func trimLine(s string) string {
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return line
}

var errNoData = errors.New("no data")
