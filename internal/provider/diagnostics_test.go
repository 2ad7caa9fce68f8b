package provider

import (
	"context"
	"fmt"
	"strings"
	"testing"
)

// A data source has no timeouts block: the advice for an operation that ran
// out of time must not tell the user to raise one.
func TestDeadlineAdviceNamesNoTimeoutToRaise(t *testing.T) {
	advice := apiErrorAdvice(fmt.Errorf("aether365: GET /scans: %w", context.DeadlineExceeded))
	if strings.Contains(strings.ToLower(advice), "timeout") {
		t.Errorf("advice names a timeout a data source does not have: %s", advice)
	}
	if !strings.Contains(advice, "base_url") {
		t.Errorf("advice does not say what to check: %s", advice)
	}
}
