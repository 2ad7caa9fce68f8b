package aether365

import (
	"context"
	"slices"
	"testing"
)

// OnPoll sees every poll that read the scan, changed or not, so a caller
// can send heartbeats while the status stays the same.
func TestWaitForScanCallsOnPollForEveryRead(t *testing.T) {
	c, _, polls := scriptedWait(t, status("in_progress"), status("in_progress"), proxyPage, status("in_progress"), status("completed"))
	var seen []string
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{
		MaxConsecutiveErrors: 2,
		OnPoll:               func(_ context.Context, scan *Scan) { seen = append(seen, string(scan.Status)) },
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{"in_progress", "in_progress", "in_progress", "completed"}
	if !slices.Equal(seen, want) || polls.get() != 5 {
		t.Errorf("OnPoll saw %v over %d polls, want %v over 5 (the failed poll read nothing)", seen, polls.get(), want)
	}
}
