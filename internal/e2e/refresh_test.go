package e2e

import (
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// A refresh that can no longer see the recorded scan (deleted, a key of
// another account, a restarted simulator) removes it from state and plans a
// new scan; before, it did so silently, and the plan read as if the
// configuration had changed. Now a warning names the scan and the causes.
func TestRefreshThatNoLongerSeesTheScanSaysWhy(t *testing.T) {
	t.Parallel()
	w := newWorkspace(t, simulator.Config{})
	w.writeConfig(oneScanConfig)
	w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	resources := w.state()
	if len(resources) != 1 {
		t.Fatalf("state holds %+v, want one scan", resources)
	}
	id, _ := resources[0].AttributeValues["id"].(string)
	if !w.sim.ForgetScan(id) {
		t.Fatalf("the simulator does not hold scan %s", id)
	}
	plan := joinLines(w.mustRun(nil, "plan", "-input=false", "-no-color").stdout)
	for _, want := range []string{"Warning: Aether365 Scan No Longer Found", id, "removed from state",
		"a key of another account", "1 to add"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan does not say %q:\n%s", want, plan)
		}
	}
}
