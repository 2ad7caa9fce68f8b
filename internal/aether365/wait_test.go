package aether365

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

type step func(t *testing.T, w http.ResponseWriter, r *http.Request)

func status(s string) step {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		writeData(w, http.StatusOK, testScan("scn_1", s))
	}
}

// inProgressWithHint answers that the scan is in progress, with a hint.
func inProgressWithHint(retryAfter string) step {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", retryAfter)
		writeData(w, http.StatusOK, testScan("scn_1", "in_progress"))
	}
}

func failWith(code int, apiCode api.ErrorCode) step {
	return func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, code, apiCode, "nope")
	}
}

func proxyPage(t *testing.T, w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html")
	w.WriteHeader(http.StatusBadGateway)
	_, _ = io.WriteString(w, "<html>bad gateway</html>")
}

func dropConnection(t *testing.T, w http.ResponseWriter, r *http.Request) { hangUp(t, w) }

// scriptedWait serves the steps in order to successive polls (the last one
// repeats) and returns a client without retries, so each step is one poll.
func scriptedWait(t *testing.T, steps ...step) (*Client, *recordingClock, *counter) {
	t.Helper()
	clk := newRecordingClock()
	var polls counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/scans/scn_1" {
			t.Errorf("path %s", r.URL.Path)
		}
		n := polls.inc()
		steps[min(n, len(steps))-1](t, w, r)
	}, func(cfg *Config) {
		cfg.MaxRetries = new(0)
		cfg.Clock = clk
	})
	return c, clk, &polls
}

type statusChange struct{ previous, current string }

func TestWaitForScanReportsStatusChangesInOrder(t *testing.T) {
	c, clk, polls := scriptedWait(t, status("in_progress"), status("in_progress"), status("in_progress"), status("in_progress"), status("completed"))
	var changes []statusChange
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{
		OnStatusChange: func(ctx context.Context, previous string, scan *Scan) {
			changes = append(changes, statusChange{previous, string(scan.Status)})
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(scan.Status) != ScanStatusCompleted {
		t.Errorf("scan = %+v", scan)
	}
	want := []statusChange{{"", "in_progress"}, {"in_progress", "completed"}}
	if !slices.Equal(changes, want) {
		t.Errorf("changes = %v, want %v", changes, want)
	}
	sleeps := clk.recorded()
	if polls.get() != 5 || len(sleeps) != 4 {
		t.Fatalf("%d polls, sleeps %v", polls.get(), sleeps)
	}
	// Without hints the first 4 s are polled about every MinInterval (less
	// up to a tenth of jitter): a short scan is seen within a second.
	for i, d := range sleeps {
		if d < time.Second*9/10 || d > time.Second {
			t.Errorf("sleep %d = %s, want 0.9s..1s", i, d)
		}
	}
}

func TestWaitForScanTerminalStatuses(t *testing.T) {
	// cancelled is implied by the audit trail; "canceled" is the American
	// spelling, in case: a scan that ended must never be waited for forever.
	for _, final := range []string{ScanStatusFailed, ScanStatusCancelled, "canceled", "Completed", ScanStatusCompleted} {
		c, _, polls := scriptedWait(t, status("in_progress"), status(final))
		scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{})
		if err != nil || string(scan.Status) != final || polls.get() != 2 {
			t.Errorf("%s: scan %+v, err %v, %d polls", final, scan, err, polls.get())
		}
	}
}

func TestWaitForScanTreatsUnknownStatusAsPending(t *testing.T) {
	c, _, polls := scriptedWait(t, status("in_progress"), status("paused"), status("paused"), status("completed"))
	var seen []string
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{
		OnStatusChange: func(ctx context.Context, previous string, scan *Scan) { seen = append(seen, string(scan.Status)) },
	})
	if err != nil || scan.Status != "completed" || polls.get() != 4 {
		t.Fatalf("scan %+v err %v polls %d", scan, err, polls.get())
	}
	if !slices.Equal(seen, []string{"in_progress", "paused", "completed"}) {
		t.Errorf("seen = %v", seen)
	}
}

func TestWaitForScanToleratesTransientErrors(t *testing.T) {
	c, _, polls := scriptedWait(t,
		status("in_progress"),
		failWith(503, api.ErrorCodeServiceUnavailable), failWith(429, api.ErrorCodeRateLimited),
		status("in_progress"),
		proxyPage, dropConnection,
		status("completed"))
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{MaxConsecutiveErrors: 4})
	if err != nil || scan.Status != "completed" {
		t.Fatalf("scan %+v err %v", scan, err)
	}
	if polls.get() < 7 {
		t.Errorf("%d polls", polls.get())
	}
}

func TestWaitForScanGivesUpAfterTooManyErrors(t *testing.T) {
	c, _, polls := scriptedWait(t, status("in_progress"), failWith(503, api.ErrorCodeServiceUnavailable))
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{MaxConsecutiveErrors: 3})
	if !errors.Is(err, ErrServiceUnavailable) {
		t.Fatalf("err = %v", err)
	}
	if scan == nil || scan.Status != "in_progress" {
		t.Errorf("last scan = %+v, want the running scan", scan)
	}
	if polls.get() != 4 {
		t.Errorf("%d polls, want 1 + 3 errors", polls.get())
	}
	if !strings.Contains(err.Error(), "last status: in_progress") || !strings.Contains(err.Error(), "3 failed polls in a row") {
		t.Errorf("err = %q", err)
	}
}

func TestWaitForScanStopsAtOnceOnPermanentErrors(t *testing.T) {
	tests := []struct {
		fail step
		want error
	}{
		{failWith(404, api.ErrorCodeScanNotFound), ErrNotFound},
		{failWith(401, api.ErrorCodeAuthInvalidToken), ErrUnauthorized},
		{failWith(403, api.ErrorCodeTenantAccessDenied), ErrForbidden},
		{failWith(400, api.ErrorCodeValidationError), ErrValidation},
	}
	for _, tt := range tests {
		c, _, polls := scriptedWait(t, status("in_progress"), tt.fail)
		scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{})
		if !errors.Is(err, tt.want) || polls.get() != 2 {
			t.Errorf("err = %v after %d polls, want %v after 2", err, polls.get(), tt.want)
		}
		if scan == nil || scan.Status != "in_progress" {
			t.Errorf("last scan = %+v", scan)
		}
	}
	// Before any scan was seen.
	c, _, _ := scriptedWait(t, failWith(404, api.ErrorCodeScanNotFound))
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{})
	if scan != nil || !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "no status seen") {
		t.Errorf("scan %+v err %v", scan, err)
	}
}

func TestWaitForScanContextCancelled(t *testing.T) {
	c, _, _ := scriptedWait(t, status("in_progress"), status("in_progress"))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	scan, err := c.WaitForScan(ctx, "scn_1", WaitOptions{
		OnStatusChange: func(ctx context.Context, previous string, scan *Scan) {
			if scan.Status == "in_progress" {
				cancel()
			}
		},
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
	if scan == nil || scan.Status != "in_progress" || !strings.Contains(err.Error(), "last status: in_progress") {
		t.Errorf("scan %+v err %q", scan, err)
	}
}

func TestWaitForScanDeadlineExceeded(t *testing.T) {
	var once sync.Once
	started := make(chan struct{})
	hang := func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		once.Do(func() { close(started) })
		select {
		case <-r.Context().Done():
		case <-time.After(30 * time.Second):
			t.Error("the client did not give up at its deadline")
		}
	}
	c, _, _ := scriptedWait(t, status("in_progress"), hang)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	scan, err := c.WaitForScan(ctx, "scn_1", WaitOptions{})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v", err)
	}
	if scan == nil || scan.Status != "in_progress" {
		t.Errorf("scan = %+v", scan)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %s", elapsed)
	}
	<-started
}

func TestWaitForScanScheduleWithoutHintsIsCapped(t *testing.T) {
	clk := newRecordingClock()
	done := clk.Now().Add(time.Hour)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		s := ScanStatusInProgress
		if !clk.Now().Before(done) {
			s = ScanStatusCompleted
		}
		writeData(w, http.StatusOK, testScan("scn_1", s))
	}, func(cfg *Config) { cfg.Clock = clk })
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{MaxUnhintedInterval: 2 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	sleeps := clk.recorded()
	for i, d := range sleeps {
		if d > 2*time.Minute {
			t.Errorf("sleep %d = %s exceeds MaxUnhintedInterval", i, d)
		}
	}
	if last := sleeps[len(sleeps)-1]; last < 2*time.Minute*9/10 {
		t.Errorf("the schedule did not reach the cap: last sleep %s", last)
	}
}

// hintingServer answers polls of a scan that finishes at done, sending the
// Retry-After hint that hint computes from the time left (nil: no header).
func hintingServer(t *testing.T, done time.Duration, hint func(left time.Duration) string) (*Client, *recordingClock, *counter) {
	t.Helper()
	clk := newRecordingClock()
	finish := clk.Now().Add(done)
	var polls counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		polls.inc()
		left := finish.Sub(clk.Now())
		if left <= 0 {
			writeData(w, http.StatusOK, testScan("scn_1", ScanStatusCompleted))
			return
		}
		if h := hint(left); h != "" {
			w.Header().Set("Retry-After", h)
		}
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
	}, func(cfg *Config) {
		cfg.MaxRetries = new(0)
		cfg.Clock = clk
	})
	return c, clk, &polls
}

// honestHint is the simulator's hint: whole seconds left, rounded up.
func honestHint(left time.Duration) string {
	return strconv.Itoa(int((left + time.Second - 1) / time.Second))
}

func TestWaitForScanFollowsRetryAfterHint(t *testing.T) {
	c, clk, polls := hintingServer(t, 95*time.Second, honestHint)
	start := clk.Now()
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{MinInterval: time.Second, MaxInterval: 30 * time.Second})
	if err != nil || string(scan.Status) != ScanStatusCompleted {
		t.Fatalf("scan %+v err %v", scan, err)
	}
	// Capped at 30 s while the scan has long to go, then exactly the time left:
	// the completion is seen at once, with no poll wasted.
	want := []time.Duration{30 * time.Second, 30 * time.Second, 30 * time.Second, 5 * time.Second}
	if sleeps := clk.recorded(); !slices.Equal(sleeps, want) {
		t.Errorf("sleeps = %v, want %v", sleeps, want)
	}
	if polls.get() != 5 || clk.Now().Sub(start) != 95*time.Second {
		t.Errorf("%d polls, done after %s; want 5 polls, 1m35s", polls.get(), clk.Now().Sub(start))
	}
}

func TestWaitForScanHintOfZeroPollsSoonButNotAtOnce(t *testing.T) {
	c, clk, polls := scriptedWait(t, inProgressWithHint("0"), status("completed"))
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{MinInterval: time.Second}); err != nil {
		t.Fatal(err)
	}
	if sleeps := clk.recorded(); !slices.Equal(sleeps, []time.Duration{250 * time.Millisecond}) || polls.get() != 2 {
		t.Errorf("sleeps = %v after %d polls, want [250ms] (MinInterval/4)", sleeps, polls.get())
	}
}

func TestWaitForScanStopsTrustingBrokenHints(t *testing.T) {
	c, clk, polls := scriptedWait(t,
		inProgressWithHint("3"), inProgressWithHint("2"),
		inProgressWithHint("120"), inProgressWithHint("0"),
		status("in_progress"), status("completed"))
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{MinInterval: time.Second, MaxInterval: 30 * time.Second})
	if err != nil || scan.Status != "completed" || polls.get() != 6 {
		t.Fatalf("scan %+v err %v polls %d", scan, err, polls.get())
	}
	sleeps := clk.recorded()
	// 3 s was promised and broken; from then on the unhinted schedule (a
	// quarter of the time waited, less up to a tenth of jitter) is the floor
	// and a hint can only lengthen a wait.
	within := func(i int, lo, hi time.Duration) {
		t.Helper()
		if sleeps[i] < lo || sleeps[i] > hi {
			t.Errorf("sleep %d = %s, want %s to %s (all: %v)", i, sleeps[i], lo, hi, sleeps)
		}
	}
	within(0, 3*time.Second, 3*time.Second)
	within(1, 2*time.Second, 2*time.Second)                  // max(hint 2 s, schedule 1 s at 3 s)
	within(2, 30*time.Second, 30*time.Second)                // hint 120 s capped at 30 s
	within(3, 7875*time.Millisecond, 8750*time.Millisecond)  // max(hint 0, a quarter of 35 s)
	within(4, 9450*time.Millisecond, 10940*time.Millisecond) // no hint: a quarter of 42-43.75 s
}

func TestWaitForScanRetryAfterOneForeverCostsNoMoreThanBackoff(t *testing.T) {
	// A server whose estimate ran out keeps saying "1": following it would
	// poll 600 times over a ten-minute scan.
	c, _, polls := hintingServer(t, 10*time.Minute, func(time.Duration) string { return "1" })
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := polls.get(); n > 28 {
		t.Errorf("%d polls for a 10-minute scan with a constant 1 s hint, want at most the 28 of no hint", n)
	}
}

func TestWaitForScanTenMinuteScanWithHints(t *testing.T) {
	c, clk, polls := hintingServer(t, 10*time.Minute, honestHint)
	start := clk.Now()
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{}); err != nil {
		t.Fatal(err)
	}
	// One poll at once, then every 30 s: 0, 30 s ... 600 s.
	if n, took := polls.get(), clk.Now().Sub(start); n != 21 || took != 10*time.Minute {
		t.Errorf("%d polls, done after %s; want 21 polls, exactly 10m", n, took)
	}
}

func TestWaitForScanUsesRetryAfterOnErrors(t *testing.T) {
	limited := func(t *testing.T, w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "7")
		writeAPIError(w, http.StatusTooManyRequests, api.ErrorCodeRateLimited, "slow down")
	}
	c, clk, _ := scriptedWait(t, status("in_progress"), limited, status("completed"))
	c.retryWaitMax = 30 * time.Second
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{MaxConsecutiveErrors: 3}); err != nil {
		t.Fatal(err)
	}
	if sleeps := clk.recorded(); len(sleeps) != 2 || sleeps[1] < 7*time.Second*9/10 || sleeps[1] > 7*time.Second {
		t.Errorf("sleeps = %v", sleeps)
	}
}

func TestWaitOptionsDefaults(t *testing.T) {
	o := WaitOptions{}.withDefaults(DefaultMaxRetries)
	if o.MinInterval != time.Second || o.MaxInterval != 30*time.Second || o.MaxUnhintedInterval != 5*time.Minute || o.MaxConsecutiveErrors != DefaultMaxRetries+1 {
		t.Errorf("defaults = %+v", o)
	}
	o = WaitOptions{MinInterval: time.Minute, MaxInterval: time.Second}.withDefaults(DefaultMaxRetries)
	if o.MaxInterval != time.Minute {
		t.Errorf("MaxInterval below MinInterval kept: %+v", o)
	}
}

// With SeenAt the caller's look at the scan is the first observation: the
// first poll comes MinInterval after it (less the time since), not at once,
// and then the schedule runs from it, exactly g(k) of unhintedDivisor.
func TestWaitForScanSeenAtSkipsTheImmediatePoll(t *testing.T) {
	c, clk, polls := hintingServer(t, 7*time.Second, func(time.Duration) string { return "" })
	seen := clk.Now()
	clk.Advance(300 * time.Millisecond) // what the caller did between StartScan and the wait
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{SeenAt: seen}); err != nil {
		t.Fatal(err)
	}
	// Polls at 1, 2, 3, 4, 5, 6.25 and 7.8125 s after seen.
	want := []time.Duration{700 * time.Millisecond, time.Second, time.Second, time.Second, time.Second,
		1250 * time.Millisecond, 1562500 * time.Microsecond}
	if sleeps := clk.recorded(); !slices.Equal(sleeps, want) || polls.get() != len(want) {
		t.Errorf("sleeps = %v after %d polls, want %v and %d polls", sleeps, polls.get(), want, len(want))
	}
}

// A SeenAt that is not in the past is no observation the wait can use: it
// polls at once.
func TestWaitForScanSeenAtInTheFuturePollsAtOnce(t *testing.T) {
	c, clk, polls := scriptedWait(t, status("completed"))
	if _, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{SeenAt: clk.Now().Add(time.Minute)}); err != nil {
		t.Fatal(err)
	}
	if sleeps := clk.recorded(); len(sleeps) != 0 || polls.get() != 1 {
		t.Errorf("sleeps = %v after %d polls, want none after 1", sleeps, polls.get())
	}
}
