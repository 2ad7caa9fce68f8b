package simulator

import (
	"errors"
	"strings"
	"testing"
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
		cfg    Config
		fields []string
	}{
		{Config{ErrorRate: 0.6, ResetRate: 0.6}, []string{"ErrorRate", "ResetRate", "MalformedRate"}},
		{Config{ScanOutcome: "finished"}, []string{"ScanOutcome"}},
		{Config{Score: ptr(50.0), ScoreSequence: []float64{90}}, []string{"Score", "ScoreSequence"}},
		{Config{ScoreSequence: []float64{90, 101}}, []string{"ScoreSequence"}},
		{Config{APIKeys: map[string][]string{"S3cr3tK3yV4lu3x": {"me"}}}, []string{"APIKeys"}},
	} {
		_, err := New(tc.cfg)
		var configErr *ConfigError
		if !errors.As(err, &configErr) || strings.Join(configErr.Fields, ",") != strings.Join(tc.fields, ",") {
			t.Errorf("New(%+v) = %v, want a ConfigError naming %v", tc.cfg, err, tc.fields)
			continue
		}
		joiner := " + "
		if len(tc.fields) == 2 {
			joiner = " and "
		}
		if !strings.HasPrefix(err.Error(), "simulator: "+strings.Join(tc.fields, joiner)+" ") || strings.Contains(err.Error(), "S3cr") {
			t.Errorf("message %q", err)
		}
	}
}
