package e2e

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// `terraform apply -invoke` runs one scan without touching state, prints
// its progress and verdict, and exits non-zero naming the scan when the
// score is below min_score, as a pipeline needs.
func TestInvokeRunScanActionFromTheCommandLine(t *testing.T) {
	tf := binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for actions")
	score := 84.0
	w := newWorkspaceWith(t, tf, simulator.Config{Score: &score})
	w.writeConfig(`action "aether365_run_scan" "weekly" {
  config {
    scan_type = "compliance"
    min_score = var.min_score
  }
}

variable "min_score" {
  type = number
}
`)
	ok := w.mustRun(nil, "apply", "-invoke=action.aether365_run_scan.weekly", "-auto-approve", "-input=false", "-no-color", "-var=min_score=75")
	ids := w.sim.ScanIDs(w.tenant)
	if len(ids) != 1 {
		t.Fatalf("the invocation started scans %v, want exactly one\n%s", ids, ok.stdout)
	}
	for _, want := range []string{ids[0] + " started", "score 84, min_score 75 passed"} {
		if !strings.Contains(ok.stdout, want) {
			t.Errorf("output lacks %q:\n%s", want, ok.stdout)
		}
	}
	if !regexp.MustCompile(`checks: \d+ passed, \d+ failed, \d+ skipped\.`).MatchString(ok.stdout) {
		t.Errorf("the final progress line lacks the counts of checks:\n%s", ok.stdout)
	}
	if resources := w.savedState(); len(resources) != 0 {
		t.Errorf("an invocation must not record anything in state, got %+v", resources)
	}

	failed := w.run(nil, "apply", "-invoke=action.aether365_run_scan.weekly", "-auto-approve", "-input=false", "-no-color", "-var=min_score=90")
	ids = w.sim.ScanIDs(w.tenant)
	if failed.err == nil || len(ids) != 2 {
		t.Fatalf("min_score above the score: exit %v with scans %v, want a failure after a second scan\n%s", failed.err, ids, failed.stdout)
	}
	if !regexp.MustCompile(`Scan ` + ids[1] + ` of\s+tenant\s+` + w.tenant + `\s+scored\s+84,\s+below\s+min_score\s+90`).MatchString(failed.stderr) {
		t.Errorf("the error should name scan %s and the verdict:\n%s", ids[1], failed.stderr)
	}
}

// terraform query -generate-config-out writes import blocks and resources
// that plan exactly the imports and nothing else; after apply the plan is
// empty.
func TestQueryGeneratedConfigImportsWithoutChanges(t *testing.T) {
	tf := binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for terraform query")
	w := newWorkspaceWith(t, tf, simulator.Config{})
	// Scans end at once (Config.ScanDuration 0), so the second is not
	// refused as SCAN_ALREADY_RUNNING.
	client := w.client()
	for _, scanType := range []string{"compliance", "exposure"} {
		startScan(t, client, scanType)
	}
	generated := queryImportRoundTrip(t, w, "aether365_scan")
	for _, id := range w.sim.ScanIDs(w.tenant) {
		if !strings.Contains(generated, id) {
			t.Errorf("generated.tf does not import scan %s:\n%s", id, generated)
		}
	}
	if n := w.sim.ScanCount(w.tenant); n != 2 {
		t.Errorf("%d scans after the round trip, want the 2 arranged: importing must not start scans", n)
	}
}

// The resource and data sources work unchanged on every CLI of the matrix:
// apply runs a scan, and the plan-time gate guide's configuration blocks a
// plan once the score drops. Actions and list resources, unknown to older
// Terraform and to OpenTofu, must not get in the way.
func TestSmokeApplyAndPlanTimeGate(t *testing.T) {
	for _, leg := range []struct {
		name   string
		binary func(t *testing.T) string
	}{
		{"terraform on PATH", func(t *testing.T) string { return terraformPath(t) }},
		{"terraform new", func(t *testing.T) string {
			return binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later")
		}},
		{"opentofu", func(t *testing.T) string { return binaryFromEnv(t, envOpenTofu, "OpenTofu") }},
	} {
		t.Run(leg.name, func(t *testing.T) {
			binary := leg.binary(t)
			score := 86.0
			w := newWorkspaceWith(t, binary, simulator.Config{Score: &score})
			w.writeConfig(`resource "aether365_scan" "weekly" {
  scan_type = "compliance"

  lifecycle {
    postcondition {
      condition     = self.score >= 80
      error_message = "Scan ${self.id} scored ${self.score}%, below 80%."
    }
  }
}
`)
			w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
			if n := w.sim.ScanCount(w.tenant); n != 1 {
				t.Fatalf("%d scans after apply, want 1", n)
			}

			w.sim.SetScore(55)
			latest := startScan(t, w.client(), "compliance")
			w.writeConfig(`resource "aether365_scan" "weekly" {
  scan_type = "compliance"
}
` + exampleBody(t, "plan-time-gate"))
			gate := w.run(nil, "plan", "-input=false", "-no-color")
			if want := "Security score 55% (scan " + latest.ID; gate.err == nil || !strings.Contains(joinLines(gate.stderr), want) {
				t.Errorf("the plan-time gate should stop the plan with the guide's message, %q... (exit %v):\n%s\n%s", want, gate.err, gate.stdout, gate.stderr)
			}
		})
	}
}

// The same round trip for custom scheduled scans: terraform query finds
// them (never the plan schedule), the generated configuration plans only the
// imports, and after apply the plan is empty.
func TestQueryGeneratedScheduledScansImportWithoutChanges(t *testing.T) {
	tf := binaryFromEnv(t, envNewTerraform, "Terraform 1.14.1 or later for terraform query")
	w := newWorkspaceWith(t, tf, simulator.Config{})
	client := w.client()
	monday, first := 0, 1
	for _, input := range []api.ScheduledScanInput{
		{Name: "Weekly compliance", ScanType: api.ScanTypeCompliance, Frequency: api.FrequencyWeekly, DayOfWeek: &monday,
			Hour: 6, Timezone: "Europe/London", Enabled: true},
		{Name: "Monthly exposure", ScanType: api.ScanTypeExposure, Frequency: api.FrequencyMonthly, DayOfMonth: &first,
			Hour: 2, Minute: 30, Timezone: "UTC", Enabled: false},
	} {
		if _, err := client.CreateScheduledScan(context.Background(), input); err != nil {
			t.Fatal(err)
		}
	}
	if generated := queryImportRoundTrip(t, w, "aether365_scheduled_scan"); strings.Contains(generated, `"plan"`) {
		t.Errorf("the plan schedule was generated for import:\n%s", generated)
	}
	schedules, err := client.ListScheduledScans(context.Background())
	if err != nil || len(schedules) != 3 {
		t.Errorf("%d schedules after the round trip (%v), want the plan schedule and the 2 arranged", len(schedules), err)
	}
}

// queryImportRoundTrip lists every object of a list resource with terraform
// query, writes generated.tf, and checks that it plans exactly two imports
// and, once applied, no change. It returns generated.tf.
func queryImportRoundTrip(t *testing.T, w *workspace, listResource string) string {
	t.Helper()
	w.writeConfig("")
	w.write("all.tfquery.hcl", fmt.Sprintf("list %q \"all\" {\n  provider = aether365\n}\n", listResource))
	w.mustRun(nil, "init", "-input=false", "-no-color")
	w.mustRun(nil, "query", "-generate-config-out=generated.tf", "-no-color")
	generated := w.read("generated.tf")
	plan := w.mustRun(nil, "plan", "-input=false", "-no-color")
	if !strings.Contains(plan.stdout, "Plan: 2 to import, 0 to add, 0 to change, 0 to destroy.") {
		t.Fatalf("the generated configuration should plan only the two imports:\n%s\n%s", plan.stdout, generated)
	}
	w.mustRun(nil, "apply", "-auto-approve", "-input=false", "-no-color")
	again := w.run(nil, "plan", "-input=false", "-no-color", "-detailed-exitcode")
	if again.err != nil || !strings.Contains(again.stdout, "No changes.") {
		t.Errorf("after the imports the plan should be empty (exit %v):\n%s\n%s", again.err, again.stdout, again.stderr)
	}
	return generated
}
