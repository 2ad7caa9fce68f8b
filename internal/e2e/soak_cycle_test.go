package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/hashicorp/terraform-exec/tfexec"

	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

// runCycle applies, plans (which must be empty) and destroys once, and
// counts what the server gained beyond what state recorded.
func (s *soak) runCycle() {
	before := s.sim.ScanCount(soakTenant)
	cycleVar := tfexec.Var(fmt.Sprintf("cycle=%d", s.cycle))
	applyErr := s.terraform("apply", func(ctx context.Context, tf *tfexec.Terraform) error {
		return tf.Apply(ctx, cycleVar)
	})
	if applyErr != nil {
		s.fail("apply failed", applyErr)
	}
	recorded := s.stateScanIDs()
	after := s.sim.ScanCount(soakTenant)
	if extra := after - before - len(recorded); extra > 0 {
		if applyErr == nil {
			s.tally.duplicates += extra
			s.t.Logf("cycle %d: DUPLICATE: the server gained %d scans for %d resources", s.cycle, after-before, len(recorded))
		} else {
			s.tally.orphansDuring += extra
			s.t.Logf("cycle %d: ORPHAN: the server gained %d scans; state records %d", s.cycle, after-before, len(recorded))
		}
	}
	if applyErr == nil {
		var changes bool
		err := s.terraform("plan", func(ctx context.Context, tf *tfexec.Terraform) (err error) {
			changes, err = tf.Plan(ctx, cycleVar)
			return err
		})
		switch {
		case err != nil:
			s.fail("plan failed", err)
		case changes:
			s.fail("plan after apply was not empty", nil)
		}
	}
	if err := s.terraform("destroy", func(ctx context.Context, tf *tfexec.Terraform) error {
		return tf.Destroy(ctx, cycleVar)
	}); err != nil {
		s.fail("destroy failed", err)
	}
	outcome := "ok"
	if applyErr != nil {
		outcome = "FAILED"
	}
	s.t.Logf("cycle %d: apply %s, server holds %d scans, %d failure(s) so far", s.cycle, outcome, after, s.tally.failures)
}

// fail records a failed run; err's first "Error:" lines say why.
func (s *soak) fail(what string, err error) {
	s.tally.failures++
	note := fmt.Sprintf("cycle %d: %s", s.cycle, what)
	if err != nil {
		note += ": " + firstError(err.Error())
	}
	s.notes = append(s.notes, note)
}

// firstError is the first "Error:" line of out and the three after it, on
// one line, at most 300 characters.
func firstError(out string) string {
	lines := strings.Split(out, "\n")
	for i, line := range lines {
		if strings.HasPrefix(line, "Error:") {
			out = strings.Join(lines[i:min(len(lines), i+4)], " ")
			break
		}
	}
	out = strings.TrimSpace(out)
	if len(out) > 300 {
		out = out[:300]
	}
	return out
}

// terraform runs one command at TF_LOG=trace, its output and trace log in
// logs/cycle-N-name.*, then searches them and the state for the key.
func (s *soak) terraform(name string, run func(context.Context, *tfexec.Terraform) error) error {
	s.tally.runs++
	base := filepath.Join(s.runDir, "logs", fmt.Sprintf("cycle-%d-%s", s.cycle, name))
	out, err := os.Create(base + ".out")
	if err != nil {
		s.t.Fatal(err)
	}
	defer out.Close()
	tf, err := s.ws.Exec()
	if err == nil {
		tf.SetStdout(out)
		tf.SetStderr(out)
		err = tf.SetLogPath(base + ".trace")
	}
	if err == nil {
		err = tf.SetLog("TRACE")
	}
	if err != nil {
		s.t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), soakRunLimit)
	defer cancel()
	runErr := run(ctx, tf)
	for _, file := range []string{base + ".trace", base + ".out", filepath.Join(s.ws.Dir, "terraform.tfstate"), filepath.Join(s.ws.Dir, "terraform.tfstate.backup")} {
		s.searchForKey(file)
	}
	if !s.settings.keepLogs {
		_ = os.Remove(base + ".trace")
	}
	return runErr
}

// searchForKey counts the API key's occurrences in file (missing: none) and
// keeps a copy of a file that holds it.
func (s *soak) searchForKey(file string) {
	content, err := os.ReadFile(file)
	if err != nil {
		return
	}
	s.tally.searchedBytes += len(content)
	if n := strings.Count(string(content), s.apiKey); n > 0 {
		s.tally.leaks += n
		s.tally.leakFiles++
		s.t.Logf("KEY LEAK: %d occurrence(s) in %s", n, file)
		_ = os.WriteFile(file+".leak", content, 0o600)
	}
}

// stateScanIDs returns the scan IDs state holds now, and remembers them.
func (s *soak) stateScanIDs() []string {
	ctx, cancel := context.WithTimeout(context.Background(), soakRunLimit)
	defer cancel()
	state, err := s.ws.State(ctx)
	if err != nil {
		s.t.Fatalf("terraform show -json: %v", err)
	}
	var ids []string
	for _, r := range tfworkspace.Resources(state, "aether365_scan") {
		if id, ok := r.AttributeValues["id"].(string); ok && id != "" {
			ids = append(ids, id)
			s.recorded[id] = true
		}
	}
	return ids
}
