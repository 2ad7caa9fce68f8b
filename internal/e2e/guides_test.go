package e2e

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// guideRun is one guide walked as a reader would: the simulator started
// with the flags the guide names, the scans it says to run first, then its
// example directory through terraform.
type guideRun struct {
	name string
	// simFlags must appear in the guide as `aether365-sim <simFlags>`.
	simFlags string
	// apiKey and tenant are those the flags give (the demo key by default).
	apiKey string
	// scans is how many compliance scans the guide has the reader start
	// before running terraform.
	scans int
	// args are the terraform commands after init, in order; the last one
	// may fail when wantError is set.
	args [][]string
	// wantError, when set, is what the last command must fail with.
	wantError *regexp.Regexp
	// check inspects the last command's output.
	check func(t *testing.T, r result)
	// scanTypes, when set, are the scans the guide has the reader start
	// instead of scans compliance ones, in order.
	scanTypes []string
	// newTerraform runs the guide with the Terraform 1.14.1 or later that
	// AETHER365_TF_NEW names (actions, terraform query), skipping without it.
	newTerraform bool
	// after, when set, runs once the commands have, with the workspace.
	after func(t *testing.T, w *workspace)
}

func TestGuidesRunAsWritten(t *testing.T) {
	simBin := buildCommand(t, "aether365-sim")
	guides := guideRuns()
	checkEveryGuideWalked(t, guides)
	for _, g := range guides {
		t.Run(g.name+" "+g.simFlags, func(t *testing.T) { walkGuide(t, simBin, g) })
	}
}

// guideRuns lists each guide with the simulator flags it names; a guide may
// stand more than once, once for each outcome it describes.
func guideRuns() []guideRun {
	return []guideRun{
		{name: "plan-time-gate", simFlags: "--score 88", scans: 1, args: [][]string{{"apply", "-auto-approve"}}},
		{name: "ci-cd-pipeline", simFlags: "--score 88", args: [][]string{{"apply", "-auto-approve", "-var", "run_id=1"}}},
		{
			name: "ci-cd-pipeline", simFlags: "--score 60",
			args:      [][]string{{"apply", "-auto-approve", "-var", "run_id=1"}},
			wantError: regexp.MustCompile(`Security score 60% of scan scan_\w+ is below the 75% threshold`),
		},
		{name: "continuous-validation", simFlags: "--score 88", scans: 1, args: [][]string{{"plan"}}},
		{name: "critical-failures", simFlags: "--score 88", scans: 1, args: [][]string{{"apply", "-auto-approve"}}},
		{name: "export-csv", simFlags: "--score 88", scans: 1, args: [][]string{{"apply", "-auto-approve"}}},
		{name: "policy-as-code", simFlags: "--score 88", scans: 1, args: [][]string{{"plan", "-out=tfplan"}, {"show", "-json", "tfplan"}}},
		{
			name: "multi-tenant", simFlags: "--scan-duration 2s --score 90 --connections t_demo=conn_contoso,conn_fabrikam,conn_adatum",
			args: [][]string{{"apply", "-auto-approve"}},
			check: func(t *testing.T, r result) {
				// One scan per connection, side by side: none waited for another.
				if strings.Contains(r.stdout+r.stderr, "Adopted the Running Aether365 Scan") {
					t.Errorf("a tenant's scan was adopted; each connection should get its own:\n%s", r.stderr)
				}
			},
		},
		{
			// Two tenants below their thresholds: one clear error each, and nothing else.
			name: "multi-tenant", simFlags: "--scan-duration 2s --score 78 --connections t_demo=conn_contoso,conn_fabrikam,conn_adatum",
			args:      [][]string{{"apply", "-auto-approve"}},
			wantError: regexp.MustCompile(`Tenant (adatum|contoso): score 78%`),
			check: func(t *testing.T, r result) {
				if n := strings.Count(joinLines(r.stderr), "Error: "); n != 2 {
					t.Errorf("%d errors, want one for contoso and one for adatum:\n%s", n, r.stderr)
				}
				for _, tenant := range []string{"contoso", "adatum"} {
					if !strings.Contains(joinLines(r.stderr), "Tenant "+tenant+": score 78%") {
						t.Errorf("no error for tenant %s:\n%s", tenant, r.stderr)
					}
				}
			},
		},
		{
			// A connection the account does not have: its one error, no Invalid index for the others.
			name: "multi-tenant", simFlags: "--scan-duration 2s --score 90 --connections t_demo=conn_contoso,conn_fabrikam",
			args:      [][]string{{"apply", "-auto-approve"}},
			wantError: regexp.MustCompile(`CONNECTION_NOT_FOUND`),
			check: func(t *testing.T, r result) {
				stderr := joinLines(r.stderr)
				if n := strings.Count(stderr, "Error: "); n != 1 {
					t.Errorf("%d errors, want only adatum's:\n%s", n, r.stderr)
				}
				if !strings.Contains(stderr, `aether365_scan.tenant["adatum"]`) {
					t.Errorf("the error does not name adatum's scan:\n%s", r.stderr)
				}
			},
		},
		{
			name: "posture-regression", simFlags: "--scan-duration 0s --score-sequence 100,60", scans: 2,
			args:      [][]string{{"plan"}},
			wantError: regexp.MustCompile(`[1-9][0-9]* new critical failures since scan scan_\w+: \[(CIS\.M365(\.[0-9]+)+|AE\.[0-9]+)\]`),
		},
		{name: "posture-regression", simFlags: "--scan-duration 0s --score-sequence 60,100", scans: 2, args: [][]string{{"plan"}}},
		{name: "scheduled-scans", simFlags: "--score 88", scans: 1, args: [][]string{{"apply", "-auto-approve"}}},
		{
			// Two list blocks that never find the same scan: three scans, three imports.
			name: "query-scans", simFlags: "--scan-duration 0s", newTerraform: true,
			scanTypes: []string{"compliance", "compliance", "exposure"},
			args: [][]string{
				{"init"}, {"query"}, {"query", "-generate-config-out=scans.tf"},
				{"plan"}, {"apply", "-auto-approve"}, {"plan", "-detailed-exitcode"},
			},
			after: checkQueryScansImportedOnce,
		},
	}
}

// checkQueryScansImportedOnce checks the query-scans walk: one generated
// resource per scan (overlapping list blocks would generate some twice),
// nothing left to change, and the guide's import by identity, by hand.
func checkQueryScansImportedOnce(t *testing.T, w *workspace) {
	generated := w.read("scans.tf")
	// The guide's simulator is a process of its own: ask it through the API.
	scans, err := w.client().ListScans(context.Background(), "me", aether365.ListScansOptions{})
	if err != nil {
		t.Fatalf("listing the scans: %v", err)
	}
	var ids []string
	for _, scan := range scans {
		ids = append(ids, scan.ID)
	}
	if n := strings.Count(generated, `resource "aether365_scan"`); n != len(ids) {
		t.Errorf("scans.tf has %d resources for %d scans; list blocks that overlap generate a scan twice:\n%s", n, len(ids), generated)
	}
	for _, id := range ids {
		if n := strings.Count(generated, `"`+id+`"`); n != 1 {
			t.Errorf("scan %s is in scans.tf %d times, want once", id, n)
		}
	}
	byHand := subWorkspace(t, w, "query-scans/import-by-identity")
	compliance, err := w.client().ListScans(context.Background(), "me", aether365.ListScansOptions{ScanType: "compliance", MaxItems: 1})
	// The by-hand import adopts the newest compliance scan again, so this
	// runs in a directory of its own, with no state.
	if err != nil || len(compliance) == 0 {
		t.Fatalf("listing the compliance scans: %v", err)
	}
	plan := byHand.mustRun(nil, "plan", "-input=false", "-no-color", "-var", "scan_id="+compliance[0].ID)
	if !strings.Contains(plan.stdout, "Plan: 1 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Errorf("the import by identity should plan one import:\n%s", plan.stdout)
	}
}

// checkEveryGuideWalked fails for a guide directory that neither guides nor
// another test walks.
func checkEveryGuideWalked(t *testing.T, guides []guideRun) {
	t.Helper()
	walked := map[string]bool{
		// Walked by install_test.go, both routes it documents.
		"install": true,
		// Guides of other parts of the project, with tests of their own.
		"simulator": true, "run-scan-action": true,
		// Walked by terraform_test_guide_test.go: terraform test, no simulator.
		"terraform-test": true,
	}
	for _, g := range guides {
		walked[g.name] = true
	}
	entries, err := os.ReadDir(filepath.Join(repoRoot(t), "examples", "guides"))
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		if e.IsDir() && !walked[e.Name()] {
			t.Errorf("examples/guides/%s is not walked by this test: add it with the simulator flags its guide names", e.Name())
		}
	}
}

// walkGuide starts the simulator as g's guide says, runs the scans it has
// the reader start, then terraform in a copy of its example directory.
func walkGuide(t *testing.T, simBin string, g guideRun) {
	guide := readGuide(t, g.name)
	if !strings.Contains(guide, "aether365-sim "+g.simFlags) {
		t.Fatalf("the %s guide does not say to start `aether365-sim %s`", g.name, g.simFlags)
	}
	var terraform string
	if g.newTerraform {
		terraform = binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for the "+g.name+" guide")
	}
	url := startSimulatorProcess(t, simBin, g.simFlags)
	apiKey := g.apiKey
	if apiKey == "" {
		apiKey = simulator.DemoAPIKey
	}
	w := newExampleWorkspace(t, g.name)
	// Queries live beside the configuration, in *.tfquery.hcl files.
	queries, _ := filepath.Glob(filepath.Join(repoRoot(t), "examples", "guides", g.name, "*.tfquery.hcl"))
	for _, q := range queries {
		content, err := os.ReadFile(q)
		if err != nil {
			t.Fatal(err)
		}
		w.write(filepath.Base(q), string(content))
	}
	if terraform != "" {
		w.Terraform = terraform
	}
	// The guide's simulator, not the workspace's in-process one.
	w.Env = append(w.Env, "AETHER365_BASE_URL="+url, "AETHER365_API_KEY="+apiKey)
	w.url, w.apiKey = url, apiKey
	client := w.client()
	scanTypes := g.scanTypes
	for range g.scans {
		scanTypes = append(scanTypes, "compliance")
	}
	for _, scanType := range scanTypes {
		// One scan at a time: each ends before the next starts.
		scan := startScan(t, client, scanType)
		if _, err := client.WaitForScan(context.Background(), scan.ID, aether365.WaitOptions{}); err != nil {
			t.Fatalf("waiting for scan %s: %v", scan.ID, err)
		}
	}
	var last result
	for i, args := range g.args {
		if i < len(g.args)-1 || g.wantError == nil {
			last = w.mustRun(nil, args...)
			continue
		}
		last = w.run(nil, args...)
		if last.err == nil {
			t.Fatalf("terraform %s passed; want %s\n%s", strings.Join(args, " "), g.wantError, last.stdout)
		}
		if !g.wantError.MatchString(joinLines(last.stderr)) {
			t.Fatalf("terraform %s failed without %s:\n%s", strings.Join(args, " "), g.wantError, last.stderr)
		}
	}
	if strings.Contains(last.stderr, "Invalid index") {
		t.Errorf("errors other than the gate's:\n%s", last.stderr)
	}
	if g.check != nil {
		g.check(t, last)
	}
	if g.after != nil {
		g.after(t, w)
	}
}

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// joinLines undoes Terraform's colours and its wrapping of long messages.
func joinLines(s string) string {
	s = ansiEscape.ReplaceAllString(s, "")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "│", " ")), " ")
}

func readGuide(t *testing.T, name string) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoRoot(t), "templates", "guides", name+".md.tmpl"))
	if err != nil {
		t.Fatal(err)
	}
	return joinLines(string(raw))
}

// startSimulatorProcess runs aether365-sim with flags on a free port and
// returns its URL. A flag this build of the simulator does not know skips
// the test, naming it.
func startSimulatorProcess(t *testing.T, bin, flags string) string {
	t.Helper()
	cmd := exec.Command(bin, append(strings.Fields(flags), "--listen", "127.0.0.1:0")...)
	stderr := &simtest.SyncBuffer{}
	cmd.Stderr = stderr
	process, err := simtest.StartProcess(context.Background(), cmd, time.Minute)
	if err != nil {
		if strings.Contains(stderr.String(), "flag provided but not defined") {
			t.Skipf("this aether365-sim does not know a flag of %q yet: %s", flags, firstLine(stderr.String()))
		}
		t.Fatalf("aether365-sim %s did not start: %v\n%s", flags, err, stderr.String())
	}
	t.Cleanup(func() { _ = process.Stop() })
	return process.URL
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
