package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/hashicorp/go-version"
	"github.com/hashicorp/terraform-plugin-framework/action"
	"github.com/hashicorp/terraform-plugin-framework/provider"
	"github.com/hashicorp/terraform-plugin-framework/providerserver"
	"github.com/hashicorp/terraform-plugin-framework/tfsdk"
	"github.com/hashicorp/terraform-plugin-go/tfprotov6"
	"github.com/hashicorp/terraform-plugin-go/tftypes"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// skipBelowActions skips tests of actions and list resources on Terraform
// older than 1.14.1: 1.14.0 does not run after_create triggers reliably nor
// generate configuration from a query.
var skipBelowActions = []tfversion.TerraformVersionCheck{
	tfversion.SkipBelow(version.Must(version.NewVersion("1.14.1"))),
}

// fakeClockProvider is the real provider whose client and action read time
// from one fake clock shared with the simulator, so a scan of an hour plays
// out instantly and deterministically: it advances only while the client
// waits, so a scan stays unfinished between Terraform commands.
type fakeClockProvider struct {
	*aether365Provider
	clock  *clock.Fake
	sim    *testSimulator
	apiKey string
}

func (p *fakeClockProvider) Configure(ctx context.Context, req provider.ConfigureRequest, resp *provider.ConfigureResponse) {
	p.aether365Provider.Configure(ctx, req, resp)
	if resp.Diagnostics.HasError() {
		return
	}
	data, _ := resp.ActionData.(*providerData)
	client, err := aether365.New(aether365.Config{BaseURL: p.sim.URL, APIKey: p.apiKey, Clock: p.clock})
	if err != nil {
		resp.Diagnostics.AddError("test client", err.Error())
		return
	}
	fake := &providerData{client: client, defaultTenant: data.defaultTenant, claims: data.claims}
	resp.ActionData, resp.ResourceData, resp.DataSourceData, resp.ListResourceData = fake, fake, fake, fake
}

// fakeClockFactories serve fakeClockProvider to terraform-plugin-testing.
func fakeClockFactories(sim *testSimulator, clk *clock.Fake) map[string]func() (tfprotov6.ProviderServer, error) {
	return map[string]func() (tfprotov6.ProviderServer, error){
		"aether365": providerserver.NewProtocol6WithError(&fakeClockProvider{
			aether365Provider: &aether365Provider{version: "test"}, clock: clk, sim: sim, apiKey: testAPIKey}),
	}
}

func (p *fakeClockProvider) Actions(context.Context) []func() action.Action {
	return []func() action.Action{func() action.Action { return &runScanAction{clock: p.clock} }}
}

// invokeResult is what one InvokeAction call streamed back.
type invokeResult struct {
	progress    []string
	diagnostics []*tfprotov6.Diagnostic
}

func (r invokeResult) errors() []string {
	var out []string
	for _, d := range r.diagnostics {
		if d.Severity == tfprotov6.DiagnosticSeverityError {
			out = append(out, d.Summary+": "+d.Detail)
		}
	}
	return out
}

// objectValue builds a value of an object type with the given attributes
// set and every other attribute null, so the test does not break when the
// schema gains an optional attribute.
func objectValue(t *testing.T, typ tftypes.Type, set map[string]tftypes.Value) *tfprotov6.DynamicValue {
	t.Helper()
	obj, ok := typ.(tftypes.Object)
	if !ok {
		t.Fatalf("schema type %s is not an object", typ)
	}
	values := map[string]tftypes.Value{}
	for name, attrType := range obj.AttributeTypes {
		if v, ok := set[name]; ok {
			values[name] = v
			continue
		}
		values[name] = tftypes.NewValue(attrType, nil)
	}
	for name := range set {
		if _, ok := obj.AttributeTypes[name]; !ok {
			t.Fatalf("schema has no attribute %q", name)
		}
	}
	dv, err := tfprotov6.NewDynamicValue(typ, tftypes.NewValue(typ, values))
	if err != nil {
		t.Fatal(err)
	}
	return &dv
}

// invokeRunScan configures the provider against sim and invokes
// aether365_run_scan through the provider server, as Terraform does.
func invokeRunScan(t *testing.T, sim *testSimulator, clk *clock.Fake, config map[string]tftypes.Value) invokeResult {
	t.Helper()
	ctx := context.Background()
	p := &fakeClockProvider{aether365Provider: &aether365Provider{version: "test"}, clock: clk, sim: sim, apiKey: testAPIKey}
	server, err := providerserver.NewProtocol6WithError(p)()
	if err != nil {
		t.Fatal(err)
	}
	schemas, err := server.GetProviderSchema(ctx, &tfprotov6.GetProviderSchemaRequest{})
	if err != nil {
		t.Fatal(err)
	}
	configured, err := server.ConfigureProvider(ctx, &tfprotov6.ConfigureProviderRequest{
		TerraformVersion: "1.15.0",
		Config: objectValue(t, schemas.Provider.ValueType(), map[string]tftypes.Value{
			"base_url": tftypes.NewValue(tftypes.String, sim.URL),
			"api_key":  tftypes.NewValue(tftypes.String, testAPIKey),
		}),
	})
	if err != nil || len(configured.Diagnostics) > 0 {
		t.Fatalf("ConfigureProvider: %v %v", err, configured.Diagnostics)
	}
	actions, ok := server.(tfprotov6.ActionServer)
	if !ok {
		t.Fatal("the provider server does not serve actions")
	}
	actionSchema, ok := schemas.ActionSchemas["aether365_run_scan"]
	if !ok {
		t.Fatal("aether365_run_scan is not registered")
	}
	stream, err := actions.InvokeAction(ctx, &tfprotov6.InvokeActionRequest{
		ActionType: "aether365_run_scan",
		Config:     objectValue(t, actionSchema.Schema.ValueType(), config),
	})
	if err != nil {
		t.Fatal(err)
	}
	var result invokeResult
	for event := range stream.Events {
		switch e := event.Type.(type) {
		case tfprotov6.ProgressInvokeActionEventType:
			result.progress = append(result.progress, e.Message)
		case tfprotov6.CompletedInvokeActionEventType:
			result.diagnostics = append(result.diagnostics, e.Diagnostics...)
		}
	}
	return result
}

func newFakeClockSimulator(t *testing.T, duration time.Duration, score float64) (*testSimulator, *clock.Fake) {
	t.Helper()
	clk := simtest.NewClock()
	sim := newTestSimulator(t, simulator.Config{ScanDuration: duration, Score: &score, Clock: clk})
	return sim, clk
}

// A long scan reports its ID first, a heartbeat from the polls that find it
// unfinished, and a final line with the verdict and the counts of checks.
// The published API sends no polling hint, so polls thin out as the scan
// goes on; the wall-clock heartbeat that fills the gaps between them is
// TestScanProgress_keepAliveFillsTheGapsBetweenPolls.
func TestRunScanAction_progressStream(t *testing.T) {
	sim, clk := newFakeClockSimulator(t, 20*time.Minute, 91.5)
	result := invokeRunScan(t, sim, clk, map[string]tftypes.Value{
		"scan_type": tftypes.NewValue(tftypes.String, "compliance"),
		"min_score": tftypes.NewValue(tftypes.Number, 80),
	})
	if errs := result.errors(); len(errs) > 0 {
		t.Fatalf("invoke failed: %v", errs)
	}
	ids := sim.ScanIDs(testTenant)
	if len(ids) != 1 {
		t.Fatalf("simulator has scans %v, want exactly one", ids)
	}
	scanID := ids[0]
	if len(result.progress) < 3 {
		t.Fatalf("progress = %q, want start, heartbeats and a final line", result.progress)
	}
	first := result.progress[0]
	if !strings.Contains(first, scanID) || !strings.Contains(first, "in_progress") {
		t.Errorf("first progress line %q should name scan %s and its status", first, scanID)
	}
	heartbeat := regexp.MustCompile(`^Scan ` + scanID + ` is still in_progress \(((\d+m)?\d+s) elapsed\)\.$`)
	heartbeats := 0
	for _, line := range result.progress {
		if heartbeat.MatchString(line) {
			heartbeats++
		}
	}
	if heartbeats < 10 {
		t.Errorf("%d heartbeats from the polls of a 20-minute scan, want at least 10: %q", heartbeats, result.progress)
	}
	// No gap between lines is longer than the longest wait between polls.
	var previous time.Duration
	for i, line := range result.progress {
		at := elapsedIn(t, line)
		if gap := at - previous; gap > 5*time.Minute {
			t.Errorf("%s between progress lines %q and %q, want at most 5m", gap, result.progress[max(i-1, 0)], line)
		}
		previous = at
	}
	final := result.progress[len(result.progress)-1]
	want := regexp.MustCompile(`^Scan ` + scanID + ` completed after 2[0-5]m\d+s: score 91\.5, min_score 80 passed; checks: \d+ passed, \d+ failed, \d+ skipped\.$`)
	if !want.MatchString(final) {
		t.Errorf("final line %q does not match %s", final, want)
	}
}

// Between polls, however far apart, a heartbeat line comes at least every
// heartbeat interval, from the wall clock.
func TestScanProgress_keepAliveFillsTheGapsBetweenPolls(t *testing.T) {
	var mu sync.Mutex
	var lines []time.Time
	p := newScanProgress(clock.Real{}, func(action.InvokeProgressEvent) {
		mu.Lock()
		defer mu.Unlock()
		lines = append(lines, time.Now())
	})
	p.heartbeat = 200 * time.Millisecond
	started := time.Now()
	stop := p.keepAlive(context.Background())
	time.Sleep(1500 * time.Millisecond)
	stop()
	mu.Lock()
	defer mu.Unlock()
	if len(lines) < 4 {
		t.Fatalf("%d heartbeats in 1.5 s with a 200 ms interval, want at least 4", len(lines))
	}
	previous := started
	for _, at := range lines {
		if gap := at.Sub(previous); gap > 2*p.heartbeat {
			t.Errorf("%s without a line, want at most about %s", gap, p.heartbeat)
		}
		previous = at
	}
}

// elapsedIn is the time since the start a progress line gives: "(1m30s
// elapsed)" or "completed after 20m3s"; the start line, which gives none, is
// at 0.
func elapsedIn(t *testing.T, line string) time.Duration {
	t.Helper()
	m := progressElapsed.FindStringSubmatch(line)
	if m == nil {
		return 0
	}
	d, err := time.ParseDuration(m[1] + m[2])
	if err != nil {
		t.Fatalf("progress line %q: %v", line, err)
	}
	return d
}

var progressElapsed = regexp.MustCompile(`\(([0-9hms.]+) elapsed\)|after ([0-9hms.]+)`)

func TestRunScanAction_verdicts(t *testing.T) {
	t.Run("score below min_score", func(t *testing.T) {
		sim, clk := newFakeClockSimulator(t, 5*time.Minute, 60)
		result := invokeRunScan(t, sim, clk, map[string]tftypes.Value{
			"scan_type": tftypes.NewValue(tftypes.String, "compliance"),
			"min_score": tftypes.NewValue(tftypes.Number, 75),
		})
		scanID := onlyScan(t, sim)
		scan, err := sim.client(t).GetScan(context.Background(), scanID)
		if err != nil || scan.Score == nil {
			t.Fatalf("reading the scan's score: %v", err)
		}
		assertOneError(t, result, `Score Below min_score: Scan `+scanID+` of tenant `+testTenant+` scored `+formatScore(*scan.Score)+`, below min_score 75`)
		if final := result.progress[len(result.progress)-1]; !strings.Contains(final, "min_score 75 FAILED") {
			t.Errorf("final line %q should give the failed verdict", final)
		}
	})
	t.Run("failed scan", func(t *testing.T) {
		sim, clk := newFakeClockSimulator(t, 5*time.Minute, 90)
		sim.SetScanOutcome(simulator.OutcomeFailed)
		result := invokeRunScan(t, sim, clk, map[string]tftypes.Value{"scan_type": tftypes.NewValue(tftypes.String, "compliance")})
		assertOneError(t, result, `Scan Failed: Scan `+onlyScan(t, sim)+` of tenant `+testTenant+` ended with status "failed"`)
	})
	t.Run("failed scan tolerated", func(t *testing.T) {
		sim, clk := newFakeClockSimulator(t, 5*time.Minute, 90)
		sim.SetScanOutcome(simulator.OutcomeFailed)
		result := invokeRunScan(t, sim, clk, map[string]tftypes.Value{
			"scan_type":            tftypes.NewValue(tftypes.String, "compliance"),
			"fail_on_scan_failure": tftypes.NewValue(tftypes.Bool, false),
		})
		if errs := result.errors(); len(errs) > 0 {
			t.Errorf("errors %v with fail_on_scan_failure = false", errs)
		}
		if len(result.diagnostics) != 1 || result.diagnostics[0].Severity != tfprotov6.DiagnosticSeverityWarning {
			t.Errorf("diagnostics = %v, want one warning", result.diagnostics)
		}
	})
	t.Run("timeout", func(t *testing.T) {
		// The fake clock makes the wait's polls instant while the timeout is
		// real time, so the scan must outlast it in real time too.
		sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
		result := invokeRunScan(t, sim, clock.NewFake(time.Now()), map[string]tftypes.Value{
			"scan_type": tftypes.NewValue(tftypes.String, "compliance"),
			"timeout":   tftypes.NewValue(tftypes.String, "300ms"),
		})
		assertOneError(t, result, `Timed Out Waiting for Aether365 Scan: Scan `+onlyScan(t, sim)+` did not finish within the action's timeout of 300ms`)
	})
	t.Run("no wait", func(t *testing.T) {
		sim, clk := newFakeClockSimulator(t, time.Hour, 90)
		result := invokeRunScan(t, sim, clk, map[string]tftypes.Value{
			"scan_type":           tftypes.NewValue(tftypes.String, "compliance"),
			"wait_for_completion": tftypes.NewValue(tftypes.Bool, false),
		})
		if errs := result.errors(); len(errs) > 0 || len(result.progress) != 1 {
			t.Errorf("errors %v, progress %q; want only the start line", errs, result.progress)
		}
		if total, _ := clk.Slept(); total != 0 {
			t.Errorf("the action waited %s with wait_for_completion = false", total)
		}
	})
}

func onlyScan(t *testing.T, sim *testSimulator) string {
	t.Helper()
	ids := sim.ScanIDs(testTenant)
	if len(ids) != 1 {
		t.Fatalf("simulator has scans %v, want exactly one", ids)
	}
	return ids[0]
}

func assertOneError(t *testing.T, result invokeResult, want string) {
	t.Helper()
	errs := result.errors()
	if len(errs) != 1 || !strings.Contains(errs[0], want) {
		t.Errorf("errors = %q, want one containing %q", errs, want)
	}
}

// Interrupting the wait ends the action at once, naming the scan that goes
// on in Aether365.
func TestRunScanAction_interrupted(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{ScanDuration: time.Hour})
	a := &runScanAction{clock: clock.Real{}}
	a.data = &providerData{client: sim.client(t), defaultTenant: aether365.DefaultTenant}
	ctx, cancel := context.WithCancel(context.Background())
	var progress []string
	resp := &action.InvokeResponse{SendProgress: func(e action.InvokeProgressEvent) {
		progress = append(progress, e.Message)
		if len(progress) == 1 {
			cancel() // Ctrl-C as soon as the scan has started
		}
	}}
	config := runScanActionConfig(t, a, map[string]tftypes.Value{"scan_type": tftypes.NewValue(tftypes.String, "compliance")})
	start := time.Now()
	a.Invoke(ctx, action.InvokeRequest{Config: config}, resp)
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("Invoke took %s after the interrupt", took)
	}
	scanID := onlyScan(t, sim)
	if !resp.Diagnostics.HasError() {
		t.Fatal("an interrupted wait must be an error")
	}
	detail := resp.Diagnostics.Errors()[0].Detail()
	if !strings.Contains(detail, "Scan "+scanID+" keeps running in Aether365") {
		t.Errorf("detail %q should say scan %s keeps running", detail, scanID)
	}
}

// Invalid settings are rejected when Terraform validates the configuration,
// before any scan starts.
func TestAccRunScanAction_invalidConfig(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	for name, tc := range map[string]struct{ body, want string }{
		"min_score without wait": {`scan_type = "compliance"
      wait_for_completion = false
      min_score = 80`, `min_score Needs wait_for_completion`},
		"min_score above 100": {`scan_type = "compliance"
      min_score = 101`, `min_score must be between 0 and 100, not 101\.`},
		"bad timeout":  {`scan_type = "compliance"` + "\n" + `timeout = "30"`, `"30" is not a duration`},
		"zero timeout": {`scan_type = "compliance"` + "\n" + `timeout = "0s"`, `must be a positive duration`},
	} {
		t.Run(name, func(t *testing.T) {
			accTest(t, resource.TestCase{
				TerraformVersionChecks: skipBelowActions,
				Steps: []resource.TestStep{{
					Config:      runScanActionConfigHCL(sim, "bad", tc.body),
					ExpectError: regexp.MustCompile(tc.want),
				}},
			})
			if n := sim.ScanCount(testTenant); n != 0 {
				t.Errorf("%d scans started by an invalid configuration", n)
			}
		})
	}
}

func runScanActionConfigHCL(sim *testSimulator, name, body string) string {
	return sim.providerConfig() + fmt.Sprintf(`
action "aether365_run_scan" %q {
  config {
    %s
  }
}

resource "terraform_data" "release" {
  input = "v1"
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.aether365_run_scan.%s]
    }
  }
}
`, name, body, name)
}

// An after_create trigger runs exactly one scan; a score below min_score
// and a failed scan fail the apply naming the scan.
func TestAccRunScanAction_trigger(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sim     simulator.Config
		score   float64
		args    string
		wantErr *regexp.Regexp
	}{
		{name: "passes", score: 88, args: "min_score = 80"},
		{
			name: "below min_score", score: 55, args: "min_score = 80",
			wantErr: regexp.MustCompile(`Scan scan_\S+ of\s+tenant\s+` + testTenant + `\s+scored\s+55,\s+below\s+min_score\s+80`),
		},
		{
			name: "failed scan", sim: simulator.Config{ScanOutcome: simulator.OutcomeFailed},
			wantErr: regexp.MustCompile(`(?s)Aether365 Scan Failed.*Scan scan_\S+ of\s+tenant\s+` + testTenant + `\s+ended\s+with\s+status\s+"failed"`),
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim := newTestSimulator(t, tc.sim)
			if tc.score != 0 {
				sim.SetScore(tc.score)
			}
			accTest(t, resource.TestCase{
				TerraformVersionChecks: skipBelowActions,
				Steps: []resource.TestStep{{
					Config:      runScanActionConfigHCL(sim, "gate", "scan_type = \"compliance\"\n"+tc.args),
					ExpectError: tc.wantErr,
				}},
			})
			// Checked after the run, so that it holds whether the apply
			// passed or failed.
			if n := sim.ScanCount(testTenant); n != 1 {
				t.Errorf("the trigger started %d scans, want exactly 1", n)
			}
		})
	}
}

// runScanActionConfig is the action's configuration with the given
// attributes set, for calling Invoke directly.
func runScanActionConfig(t *testing.T, a *runScanAction, set map[string]tftypes.Value) tfsdk.Config {
	t.Helper()
	ctx := context.Background()
	var resp action.SchemaResponse
	a.Schema(ctx, action.SchemaRequest{}, &resp)
	typ := resp.Schema.Type().TerraformType(ctx)
	dv := objectValue(t, typ, set)
	raw, err := dv.Unmarshal(typ)
	if err != nil {
		t.Fatal(err)
	}
	return tfsdk.Config{Schema: resp.Schema, Raw: raw}
}

// Values Terraform did not check at validate (they came from variables)
// are checked before a scan starts: before, min_score = 101 started a scan
// that could only fail, and a scan_type typo reached the API.
func TestRunScanAction_valuesCheckedBeforeAScanStarts(t *testing.T) {
	for name, tc := range map[string]struct {
		config map[string]tftypes.Value
		want   string
	}{
		"min_score above 100": {map[string]tftypes.Value{
			"scan_type": tftypes.NewValue(tftypes.String, "compliance"),
			"min_score": tftypes.NewValue(tftypes.Number, 101),
		}, `Value Out of Range: min_score must be between 0 and 100, not 101.`},
		"scan_type typo": {map[string]tftypes.Value{
			"scan_type": tftypes.NewValue(tftypes.String, "exposur"),
		}, `Did you mean "exposure"?`},
		"min_score without wait": {map[string]tftypes.Value{
			"scan_type":           tftypes.NewValue(tftypes.String, "compliance"),
			"min_score":           tftypes.NewValue(tftypes.Number, 80),
			"wait_for_completion": tftypes.NewValue(tftypes.Bool, false),
		}, `min_score Needs wait_for_completion`},
	} {
		t.Run(name, func(t *testing.T) {
			sim, clk := newFakeClockSimulator(t, time.Minute, 90)
			result := invokeRunScan(t, sim, clk, tc.config)
			if errs := result.errors(); len(errs) != 1 || !strings.Contains(errs[0], tc.want) {
				t.Errorf("errors %q, want one with %q", errs, tc.want)
			}
			if n := sim.ScanCount(testTenant); n != 0 {
				t.Errorf("%d scans started by a configuration that cannot pass", n)
			}
		})
	}
}

// The same through Terraform, with the values in variables: the plan fails
// and no scan starts.
func TestAccRunScanAction_variableValuesCheckedAtPlan(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	accTest(t, resource.TestCase{
		TerraformVersionChecks: skipBelowActions,
		Steps: []resource.TestStep{{
			Config: `variable "min" {
  default = 101
}
` + runScanActionConfigHCL(sim, "gate", `scan_type = "compliance"
      min_score = var.min`),
			ExpectError: regexp.MustCompile(`min_score must be between 0 and 100, not 101\.`),
		}},
	})
	if n := sim.ScanCount(testTenant); n != 0 {
		t.Errorf("%d scans started by a configuration that cannot pass", n)
	}
}
