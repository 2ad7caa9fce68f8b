package e2e

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// Terraform shows only "Still creating..." while the resource waits; with
// provider logs at INFO, a CI log shows which scan is awaited and its status
// (before, nothing until the status changed).
func TestLongWaitLogsTheScanIDAndStatusAtInfo(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t, simulator.Config{ScanDuration: 3 * time.Second})
	w.writeConfig(oneScanConfig)
	apply := w.mustRun([]string{"TF_LOG_PROVIDER=INFO"}, "apply", "-auto-approve", "-input=false", "-no-color")
	ids := w.sim.ScanIDs(w.tenant)
	if len(ids) != 1 {
		t.Fatalf("the server holds %v, want one scan", ids)
	}
	// tflog writes the fields in no fixed order: look for each on the line.
	message := regexp.MustCompile(`\[INFO\] +provider\.terraform-provider-aether365: Waiting for Aether365 scan: `)
	waiting := false
	for _, line := range strings.Split(apply.stderr, "\n") {
		if message.MatchString(line) && strings.Contains(line, " scan_id="+ids[0]) && strings.Contains(line, " status=in_progress") {
			waiting = true
		}
	}
	if !waiting {
		t.Errorf("the provider's INFO log does not name scan %s and its status while waiting:\n%s", ids[0], apply.stderr)
	}
}
