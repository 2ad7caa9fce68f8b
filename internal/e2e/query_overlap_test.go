package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// Two list blocks whose filters overlap find a scan twice, and
// -generate-config-out imports it under two addresses: before, 3 scans
// became 5 resources without a word. The provider now warns for each scan a
// second block finds, and a single block gets no warning.
func TestOverlappingListBlocksWarnOfScansFoundTwice(t *testing.T) {
	tf := binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for terraform query")
	w := newWorkspaceWith(t, tf, simulator.Config{})
	client := w.client()
	compliance := startScan(t, client, "compliance")
	exposure := startScan(t, client, "exposure")
	w.writeConfig("")
	block := func(name, filter string) string {
		return fmt.Sprintf("list \"aether365_scan\" %q {\n  provider = aether365\n  config {\n%s  }\n}\n", name, filter)
	}
	w.mustRun(nil, "init", "-input=false", "-no-color")

	w.write("scans.tfquery.hcl", block("all", ""))
	single := w.mustRun(nil, "query", "-no-color")
	if strings.Contains(single.stdout+single.stderr, "More Than One List Block") {
		t.Errorf("one list block is warned of overlap:\n%s\n%s", single.stdout, single.stderr)
	}

	w.write("scans.tfquery.hcl", block("all", "")+block("compliance", "    scan_type = \"compliance\"\n"))
	both := w.mustRun(nil, "query", "-no-color")
	out := joinLines(both.stdout + both.stderr)
	if !strings.Contains(out, "Aether365 Scan Found by More Than One List Block") || !strings.Contains(out, "Scan "+compliance.ID) {
		t.Errorf("the query does not warn that scan %s is found by both blocks:\n%s", compliance.ID, out)
	}
	if strings.Contains(out, "Scan "+exposure.ID+" is also found") {
		t.Errorf("scan %s, found by one block only, is warned of:\n%s", exposure.ID, out)
	}
}
