package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/tfworkspace"
)

// concurrentScanDuration is how long the first apply's scan runs: long
// enough that it is still running when the second apply's trigger arrives,
// even on a loaded machine.
const concurrentScanDuration = 8 * time.Second

const oneScanConfig = `
resource "aether365_scan" "this" {
  scan_type = "compliance"
}
`

// Two applies in different directories on one tenant: the second's trigger
// meets the first's running scan (409 SCAN_ALREADY_RUNNING, published) and
// adopts it. Each gets a true account: the first started its scan and says
// nothing of adoption; the second says another run or client started the
// scan, never that an earlier apply "ended before Terraform could record
// it" (what it said before, although the first apply was alive and well).
// Both record the one scan the server holds.
func TestConcurrentAppliesOnOneTenantEachGetATrueAccount(t *testing.T) {
	t.Parallel()
	first := newWorkspace(t, simulator.Config{ScanDuration: concurrentScanDuration})
	first.writeConfig(oneScanConfig)
	second := first.sibling(t)
	second.writeConfig(oneScanConfig)

	firstDone := make(chan result, 1)
	go func() { firstDone <- first.run(nil, "apply", "-auto-approve", "-input=false", "-no-color") }()
	if !waitFor(time.Minute, func() bool { return len(first.sim.ScanIDs(first.tenant)) == 1 }) {
		t.Fatal("the first apply started no scan within a minute")
	}
	scanID := first.sim.ScanIDs(first.tenant)[0]
	secondRun := second.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	firstRun := <-firstDone
	if firstRun.err != nil {
		t.Fatal(tfworkspace.Result{Stdout: firstRun.stdout, Stderr: firstRun.stderr, Err: firstRun.err}.Failure("apply"))
	}

	if out := firstRun.stdout + firstRun.stderr; strings.Contains(out, "Adopted") {
		t.Errorf("the first apply started its scan but says it adopted one:\n%s", out)
	}
	secondOut := joinLines(secondRun.stdout + secondRun.stderr)
	for _, want := range []string{"Adopted the Running Aether365 Scan", scanID, "another Terraform run or API client",
		"No schedule of this account fired then"} {
		if !strings.Contains(secondOut, want) {
			t.Errorf("the second apply's warning does not say %q:\n%s", want, secondOut)
		}
	}
	if strings.Contains(secondOut, "ended before Terraform could record it") {
		t.Errorf("the second apply says the first ended, while it was running:\n%s", secondOut)
	}
	if ids := first.sim.ScanIDs(first.tenant); len(ids) != 1 {
		t.Errorf("the server holds scans %v, want the one both applies record", ids)
	}
	for name, w := range map[string]*workspace{"first": first, "second": second} {
		resources := w.state()
		if len(resources) != 1 || resources[0].AttributeValues["id"] != scanID ||
			resources[0].AttributeValues["status"] != "completed" {
			t.Errorf("the %s apply's state holds %+v, want scan %s completed", name, resources, scanID)
		}
	}
}

// An apply that meets a scan the plan schedule started names the schedule.
func TestApplyThatAdoptsAScheduledScanNamesTheSchedule(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t, simulator.Config{ScanDuration: concurrentScanDuration})
	w.writeConfig(oneScanConfig)
	scanID, err := w.sim.StartScheduledScan(w.tenant, "", api.ScanTypeCompliance)
	if err != nil {
		t.Fatal(err)
	}
	out := joinLines(w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color").stdout)
	for _, want := range []string{"Adopted the Running Aether365 Scan", scanID, `Schedule "Automatic plan scan" (plan) started it`} {
		if !strings.Contains(out, want) {
			t.Errorf("the apply's warning does not say %q:\n%s", want, out)
		}
	}
}

// sibling is another working directory on w's simulator and key, as a
// second pipeline on the same tenant has.
func (w *workspace) sibling(t *testing.T) *workspace {
	t.Helper()
	dir := t.TempDir()
	ws, err := tfworkspace.New(tfworkspace.Options{
		Dir: dir, ProviderDir: providerDir(t), Terraform: w.Terraform, Env: []string{"AETHER365_API_KEY=" + w.apiKey},
	})
	if err != nil {
		t.Fatal(err)
	}
	return &workspace{Workspace: ws, t: t, dir: dir, sim: w.sim, url: w.url, apiKey: w.apiKey, tenant: w.tenant}
}
