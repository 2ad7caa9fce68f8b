package simulator

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestMaskKeyRevealsAtMostAQuarterAndFourCharacters(t *testing.T) {
	for length := range 80 {
		key := strings.Repeat("k", length)
		masked := maskKey(key)
		revealed, found := strings.CutSuffix(masked, "***")
		if !found || !strings.HasPrefix(key, revealed) {
			t.Fatalf("maskKey of a %d-character key = %q", length, masked)
		}
		if len(revealed) > 4 || len(revealed)*4 > length {
			t.Errorf("maskKey of a %d-character key reveals %d characters", length, len(revealed))
		}
	}
	if got := maskKey("S3cr3tK3yV4lu3x"); got != "***" {
		t.Errorf("maskKey of a 15-character key = %q, want nothing of it", got)
	}
	if got := maskKey("ae_live_0123456789abcdef"); got != "ae_l***" {
		t.Errorf("maskKey of a long key = %q", got)
	}
}

func TestConfigErrorsNameTheFields(t *testing.T) {
	for _, tc := range []struct {
		cfg     Config
		fields  []string
		message string
	}{
		{Config{ErrorRate: 0.6, ResetRate: 0.6}, []string{"ErrorRate", "ResetRate", "MalformedRate"}, "ErrorRate + ResetRate + MalformedRate must be at most 1"},
		{Config{ScanOutcome: "finished"}, []string{"ScanOutcome"}, `ScanOutcome must be "completed", "failed" or "cancelled"`},
		{Config{Score: ptr(50.0), ScoreSequence: []float64{90}}, []string{"Score", "ScoreSequence"}, "Score and ScoreSequence cannot be combined"},
		{Config{ScoreSequence: []float64{90, 101}}, []string{"ScoreSequence"}, ""},
		{Config{APIKeys: map[string]string{"S3cr3tK3yV4lu3x": "me"}}, []string{"APIKeys"}, ""},
		{Config{RateLimit: 5}, []string{"RateLimit", "Profile"}, "RateLimit needs Profile assumed: the published API documents no request rate limit"},
		{Config{RateLimit: 5, Profile: ProfilePublished}, []string{"RateLimit", "Profile"}, ""},
		{Config{Profile: "strict"}, []string{"Profile"}, "Profile must be published or assumed"},
		{Config{PlanTier: "gold"}, []string{"PlanTier"}, "PlanTier must be free, pro or enterprise"},
		{Config{ScanQuota: -1}, []string{"ScanQuota"}, ""},
		{Config{Entitlements: []string{"ai_pilot"}}, []string{"Entitlements"}, "policy_management or threat_alerts"},
		{Config{AIPilotConnection: "conn_x"}, []string{"AIPilotConnection"}, `names connection "conn_x", which no account has`},
		{Config{Connections: map[string][]string{"t_nobody": {"conn_a"}}}, []string{"Connections"}, `lists account "t_nobody", which no API key belongs to`},
		{Config{Connections: map[string][]string{DemoTenant: {"conn_a", "conn_a"}}}, []string{"Connections"}, "listed twice"},
		{Config{Connections: map[string][]string{DemoTenant: {"conn/a"}}}, []string{"Connections"}, ""},
	} {
		_, err := New(tc.cfg)
		var configErr *ConfigError
		if !errors.As(err, &configErr) || strings.Join(configErr.Fields, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("New(%+v) = %v, want a ConfigError naming %v", tc.cfg, err, tc.fields)
			continue
		}
		if !strings.HasPrefix(err.Error(), "simulator: ") || strings.Contains(err.Error(), "S3cr") || !strings.Contains(err.Error(), tc.message) {
			t.Errorf("message %q, want it to say %q", err, tc.message)
		}
	}
}

func TestNewValidatesConfig(t *testing.T) {
	for name, cfg := range map[string]Config{
		"error rate above 1":      {ErrorRate: 1.5},
		"negative error rate":     {ErrorRate: -0.1},
		"negative rate limit":     {RateLimit: -1, Profile: ProfileAssumed},
		"outcome misspelt":        {ScanOutcome: "complete"},
		"negative duration":       {ScanDuration: -time.Second},
		"negative latency":        {Latency: -time.Second},
		"too many results":        {ResultsPerScan: MaxResultsPerScan + 1},
		"negative results":        {ResultsPerScan: -1},
		"score above 100":         {Score: ptr(100.1)},
		"account named me":        {APIKeys: map[string]string{"ae_live_x": "me"}},
		"account with a slash":    {APIKeys: map[string]string{"ae_live_x": "t_a/b"}},
		"key with whitespace":     {APIKeys: map[string]string{"ae live": DemoTenant}},
		"empty key":               {APIKeys: map[string]string{"": DemoTenant}},
		"empty account":           {APIKeys: map[string]string{"ae_live_x": ""}},
		"account of 129 chars":    {APIKeys: map[string]string{"ae_live_x": strings.Repeat("t", 129)}},
		"secret never printed":    {APIKeys: map[string]string{"ae_live_supersecret": "t a"}},
		"reset rate above 1":      {ResetRate: 1.01},
		"NaN reset rate":          {ResetRate: nan()},
		"malformed rate above 1":  {MalformedRate: 2},
		"negative malformed rate": {MalformedRate: -0.01},
		"rates add up past 1":     {ErrorRate: 0.5, ResetRate: 0.3, MalformedRate: 0.3},
		"connection named ..":     {Connections: map[string][]string{DemoTenant: {".."}}},
	} {
		_, err := New(cfg)
		if err == nil {
			t.Errorf("%s: New accepted %+v", name, cfg)
			continue
		}
		if strings.Contains(err.Error(), "supersecret") {
			t.Errorf("%s: error %q prints the key", name, err)
		}
	}
	for _, cfg := range []Config{
		{}, // the zero Config
		{ResetRate: 1},
		{MalformedRate: 1},
		{ErrorRate: 0.3, ResetRate: 0.1, MalformedRate: 0.1},
		{Profile: ProfileAssumed, RateLimit: 3},
		{PlanTier: "free", ScanQuota: 3, OmitTotalPages: true, Entitlements: []string{EntitlementPolicyManagement, EntitlementThreatAlerts}},
		{AIPilotConnection: DefaultConnection},
		{Connections: map[string][]string{DemoTenant: {}}},
		{ScanOutcome: OutcomeCancelled},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%+v): %v", cfg, err)
		}
	}
}

func nan() float64 {
	zero := 0.0
	return zero / zero
}
