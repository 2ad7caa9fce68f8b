package provider

import (
	"testing"

	"github.com/hashicorp/terraform-plugin-framework/types"
)

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
