package provider

import (
	"context"
	"fmt"
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/diag"
	"github.com/hashicorp/terraform-plugin-framework/types"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// testSimulator is an in-process aether365-sim for one test.
type testSimulator struct {
	*simtest.Server
}

// newTestSimulator starts a simulator whose scans finish at once unless cfg
// says otherwise, with testAPIKey for account testTenant and another key for
// another account, otherAccount.
func newTestSimulator(t *testing.T, cfg simulator.Config) *testSimulator {
	t.Helper()
	return newTestSimulatorBehind(t, cfg, nil)
}

// newTestSimulatorBehind is newTestSimulator with front (see simtest.Front)
// between the provider and the simulator; nil for none.
func newTestSimulatorBehind(t *testing.T, cfg simulator.Config, front simtest.Front) *testSimulator {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = map[string]string{testAPIKey: testTenant, otherAPIKey: otherAccount}
	}
	if cfg.Seed == 0 {
		cfg.Seed = 365
	}
	if front == nil {
		return &testSimulator{Server: simtest.Start(t, cfg)}
	}
	return &testSimulator{Server: simtest.StartBehind(t, cfg, front)}
}

// providerConfig is the provider block a user would write for aether365-sim.
func (s *testSimulator) providerConfig() string { return providerConfigAt(s.URL) }

// providerConfigAt is the provider block with the test key and baseURL,
// for endpoints that are not the simulator as it is.
func providerConfigAt(baseURL string) string {
	return fmt.Sprintf(`
provider "aether365" {
  base_url = %q
  api_key  = %q
}
`, baseURL, testAPIKey)
}

// client talks to the simulator directly, to arrange scans before a test
// step or to compare the provider's view with the API's.
func (s *testSimulator) client(t *testing.T) *aether365.Client {
	t.Helper()
	c, err := aether365.New(aether365.Config{BaseURL: s.URL, APIKey: testAPIKey})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// startCompletedScan creates a scan that completes at once with score; the
// simulator must have ScanDuration 0.
func (s *testSimulator) startCompletedScan(t *testing.T, score float64) *aether365.Scan {
	t.Helper()
	s.SetScore(score)
	scan, err := s.client(t).StartScan(context.Background(), aether365.StartScanRequest{ScanType: "compliance"})
	if err != nil {
		t.Fatalf("start scan: %v", err)
	}
	if string(scan.Status) != aether365.ScanStatusCompleted {
		t.Fatalf("scan %s is %s; the test simulator should complete scans at once", scan.ID, scan.Status)
	}
	return scan
}

// otherClient talks to the simulator as the other account's key, to arrange
// scans the test key must not see.
func (s *testSimulator) otherClient(t *testing.T) *aether365.Client {
	t.Helper()
	c, err := aether365.New(aether365.Config{BaseURL: s.URL, APIKey: otherAPIKey})
	if err != nil {
		t.Fatalf("client: %v", err)
	}
	return c
}

// nullProviderModel is a provider block that sets nothing but the API key.
func nullProviderModel() providerModel {
	return providerModel{
		APIKey: types.StringValue("k"), BaseURL: types.StringNull(), TenantID: types.StringNull(),
		MaxRetries: types.Int64Null(), AllowInsecureHTTP: types.BoolNull(),
		RequestsPerSecond: types.Float64Null(), MaxReadMiB: types.Int64Null(),
	}
}

func TestArgumentOrEnvironment(t *testing.T) {
	t.Setenv(envMaxRetries, "7")
	t.Setenv(envAllowInsecureHTTP, "true")
	t.Setenv(envRequestsPerSecond, "12.5")
	t.Setenv(envMaxReadMiB, "64")
	t.Setenv(envBaseURL, "  http://127.0.0.1:8365  ")

	var diags diag.Diagnostics
	got, ok := settingsFrom(nullProviderModel(), &diags)
	want := providerSettings{apiKey: "k", baseURL: "http://127.0.0.1:8365", tenant: aether365.DefaultTenant,
		maxRetries: 7, maxReadMiB: 64, allowInsecureHTTP: true, requestsPerSecond: 12.5}
	if !ok || got != want {
		t.Errorf("settings from the environment = %+v, %v (%v); want %+v (base_url trimmed)", got, ok, diags, want)
	}

	config := nullProviderModel()
	config.MaxRetries = types.Int64Value(2)
	if got, _ := settingsFrom(config, &diags); got.maxRetries != 2 {
		t.Errorf("argument must win over env: max_retries = %d", got.maxRetries)
	}
	if s := stringOrEnv(types.StringNull(), "AETHER365_UNSET_FOR_TEST", "fallback"); s != "fallback" {
		t.Errorf("unset env = %q, want the fallback", s)
	}

	for env, value := range map[string]string{envMaxRetries: "21", envAllowInsecureHTTP: "maybe",
		envRequestsPerSecond: "-1", envMaxReadMiB: "0"} {
		t.Setenv(env, value)
	}
	diags = nil
	if _, ok := settingsFrom(nullProviderModel(), &diags); ok {
		t.Fatal("invalid environment values accepted")
	}
	for _, env := range []string{envMaxRetries, envAllowInsecureHTTP, envRequestsPerSecond, envMaxReadMiB} {
		if !hasDiagnosticSummary(diags, "Invalid "+env) {
			t.Errorf("no error names %s; got %v", env, diags)
		}
	}
	t.Setenv(envMaxRetries, "many")
	if _, ok := orEnv(true, int64(0), envMaxRetries, 4, wholeNumberFrom(0, 20)); ok {
		t.Error("max_retries=many accepted")
	}
}

func hasDiagnosticSummary(diags diag.Diagnostics, summary string) bool {
	for _, d := range diags {
		if d.Summary() == summary {
			return true
		}
	}
	return false
}

func TestQueryIDIsStable(t *testing.T) {
	if got := queryID("scan_1", "failed", "", "all"); got != "scan_1/failed/*/all" {
		t.Errorf("queryID = %q", got)
	}
}

func TestNeutralizeFormula(t *testing.T) {
	for in, want := range map[string]string{
		"=SUM(A1)":       "'=SUM(A1)",
		"+1":             "'+1",
		"-2":             "'-2",
		"@cmd":           "'@cmd",
		"\tx":            "'\tx",
		"Enable MFA":     "Enable MFA",
		"":               "",
		"a=b is not one": "a=b is not one",
	} {
		if got := neutralizeFormula(in); got != want {
			t.Errorf("neutralizeFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestTitleStatus(t *testing.T) {
	for in, want := range map[string]string{"failed": "Failed", "cancelled": "Cancelled", "Failed": "Failed", "": ""} {
		if got := titleStatus(in); got != want {
			t.Errorf("titleStatus(%q) = %q, want %q", in, got, want)
		}
	}
}
