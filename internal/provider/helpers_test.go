package provider

import (
	"context"
	"fmt"
	"testing"

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
// says otherwise, with testAPIKey for tenant testTenant.
func newTestSimulator(t *testing.T, cfg simulator.Config) *testSimulator {
	t.Helper()
	if cfg.APIKeys == nil {
		cfg.APIKeys = map[string][]string{testAPIKey: {testTenant, "fabrikam"}, "ae_live_other": {"northwind"}}
	}
	if cfg.Seed == 0 {
		cfg.Seed = 365
	}
	return &testSimulator{Server: simtest.Start(t, cfg)}
}

// providerConfig is the provider block a user would write for aether365-sim.
func (s *testSimulator) providerConfig() string {
	return fmt.Sprintf(`
provider "aether365" {
  base_url = %q
  api_key  = %q
}
`, s.URL, testAPIKey)
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
	scan, err := s.client(t).StartScan(context.Background(), "me", "compliance", "")
	if err != nil {
		t.Fatalf("start scan: %v", err)
	}
	if scan.Status != aether365.ScanStatusCompleted {
		t.Fatalf("scan %s is %s; the test simulator should complete scans at once", scan.ID, scan.Status)
	}
	return scan
}

func TestArgumentOrEnvironment(t *testing.T) {
	t.Setenv(envMaxRetries, "7")
	t.Setenv(envAllowInsecureHTTP, "true")
	t.Setenv(envRequestsPerSecond, "12.5")
	t.Setenv(envBaseURL, "  http://127.0.0.1:8365  ")

	if n, ok := maxRetriesOrEnv(types.Int64Null()); !ok || n != 7 {
		t.Errorf("max_retries from env = %d, %v; want 7, true", n, ok)
	}
	if n, ok := maxRetriesOrEnv(types.Int64Value(2)); !ok || n != 2 {
		t.Errorf("argument must win over env: got %d, %v", n, ok)
	}
	if b, ok := boolOrEnv(types.BoolNull(), envAllowInsecureHTTP); !ok || !b {
		t.Errorf("allow_insecure_http from env = %v, %v; want true, true", b, ok)
	}
	if f, ok := float64OrEnv(types.Float64Null(), envRequestsPerSecond); !ok || f != 12.5 {
		t.Errorf("requests_per_second from env = %v, %v; want 12.5, true", f, ok)
	}
	if s := stringOrEnv(types.StringNull(), envBaseURL, "fallback"); s != "http://127.0.0.1:8365" {
		t.Errorf("base_url from env = %q, want it trimmed", s)
	}
	if s := stringOrEnv(types.StringNull(), "AETHER365_UNSET_FOR_TEST", "fallback"); s != "fallback" {
		t.Errorf("unset env = %q, want the fallback", s)
	}

	for env, value := range map[string]string{envMaxRetries: "many", envAllowInsecureHTTP: "maybe", envRequestsPerSecond: "-1"} {
		t.Setenv(env, value)
	}
	if _, ok := maxRetriesOrEnv(types.Int64Null()); ok {
		t.Error("max_retries=many accepted")
	}
	t.Setenv(envMaxRetries, "21")
	if _, ok := maxRetriesOrEnv(types.Int64Null()); ok {
		t.Error("max_retries=21 accepted; the argument allows at most 20")
	}
	if _, ok := boolOrEnv(types.BoolNull(), envAllowInsecureHTTP); ok {
		t.Error("allow_insecure_http=maybe accepted")
	}
	if _, ok := float64OrEnv(types.Float64Null(), envRequestsPerSecond); ok {
		t.Error("requests_per_second=-1 accepted")
	}
}

func TestQueryIDIsStable(t *testing.T) {
	if got := queryID("scn_1", "Failed", "", "all"); got != "scn_1/Failed/*/all" {
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
