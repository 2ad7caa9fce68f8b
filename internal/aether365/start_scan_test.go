package aether365

import (
	"context"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// The trigger is the published POST /tenants/{tenantId}/scans with
// {"scan_type": ...}, the connection in the connectionId query parameter
// (our assumption) and no Idempotency-Key (SILENT in the reference); after a
// 503 it is sent again, the same. Fails against the old client, which sent
// an Idempotency-Key and took no connection.
func TestStartScanSendsThePublishedTrigger(t *testing.T) {
	type sent struct{ path, query, body, contentType, idempotencyKey string }
	var (
		mu   sync.Mutex
		got  []sent
		fail = true
	)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, sent{r.URL.Path, r.URL.RawQuery, string(body), r.Header.Get("Content-Type"), r.Header.Get("Idempotency-Key")})
		failNow := fail
		fail = !fail
		mu.Unlock()
		if r.Method != http.MethodPost {
			t.Errorf("method %s", r.Method)
		}
		if failNow {
			writeAPIError(w, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable, "later")
			return
		}
		writeData(w, http.StatusCreated, testScan("scan_xyz789", ScanStatusInProgress))
	})
	for _, tt := range []struct {
		req  StartScanRequest
		want sent
	}{
		{StartScanRequest{ScanType: "compliance"}, sent{"/tenants/me/scans", "", `{"scan_type":"compliance"}`, "application/json", ""}},
		{StartScanRequest{Tenant: "t_abc123", ScanType: "exposure"}, sent{"/tenants/t_abc123/scans", "", `{"scan_type":"exposure"}`, "application/json", ""}},
		{StartScanRequest{ConnectionID: "conn_b", ScanType: "compliance"}, sent{"/tenants/me/scans", "connectionId=conn_b", `{"scan_type":"compliance"}`, "application/json", ""}},
	} {
		got = nil
		scan, err := c.StartScan(context.Background(), tt.req)
		if err != nil {
			t.Fatal(err)
		}
		if scan.ID != "scan_xyz789" || scan.Status != api.ScanStatusInProgress {
			t.Errorf("scan = %+v", scan)
		}
		if want := []sent{tt.want, tt.want}; !slices.Equal(got, want) {
			t.Errorf("%+v: sent %+v, want %+v (the 503, then the same again)", tt.req, got, want)
		}
	}
}

// The reference's overview says action endpoints answer "data": null: the
// scan started, and it is the tenant's running scan of that type. Fails
// against the old client, which took data null as malformed.
func TestStartScanAnsweredWithDataNull(t *testing.T) {
	clk := newRecordingClock()
	f, c := newFakeAPI(t, clk)
	f.onPost = func(_ int, w http.ResponseWriter, r *http.Request) bool {
		f.mu.Lock()
		f.createLocked(primaryConnection, api.ScanTypeCompliance, time.Hour, "scan")
		f.mu.Unlock()
		writeData(w, http.StatusCreated, nil)
		return true
	}
	scan, err := c.StartScan(context.Background(), StartScanRequest{ScanType: "compliance"})
	if err != nil || scan.ID != "scan_001" {
		t.Fatalf("scan %+v, err %v; want scan_001 found as the running scan", scan, err)
	}
	// The answer said it started an exposure scan; no exposure scan runs.
	_, err = c.StartScan(context.Background(), StartScanRequest{ScanType: "exposure"})
	if !errors.Is(err, ErrMalformedResponse) || !strings.Contains(err.Error(), "no exposure scan in progress") {
		t.Errorf("err = %v, want a malformed answer naming the missing scan", err)
	}
}

// 429 SCAN_PLAN_LIMIT_REACHED is the plan's quota until the next billing
// period: one request, ErrScanQuotaReached, never ErrRateLimited, from
// StartScan and from StartOrAdoptScan alike. A 429 without that code and a
// 503 are still retried. Fails against the old client, which retried every
// 429 (five requests) and reported ErrRateLimited.
func TestScanQuotaIsFinal(t *testing.T) {
	quota := func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "1")
		writeAPIError(w, http.StatusTooManyRequests, api.ErrorCodeScanPlanLimitReached, "Scan quota exhausted for this billing period")
	}
	for name, start := range map[string]func(*Client) error{
		"StartScan": func(c *Client) error {
			_, err := c.StartScan(context.Background(), StartScanRequest{ScanType: "compliance"})
			return err
		},
		"StartOrAdoptScan": func(c *Client) error {
			_, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
			return err
		},
	} {
		t.Run(name, func(t *testing.T) {
			c, hits := newFlakyClient(t, everyRequest, quota)
			err := start(c)
			if !errors.Is(err, ErrScanQuotaReached) || errors.Is(err, ErrRateLimited) {
				t.Errorf("err = %v, want ErrScanQuotaReached and not ErrRateLimited", err)
			}
			if classify(err) != failurePermanent {
				t.Errorf("the quota classifies as %v, want permanent", classify(err))
			}
			if n := hits.get(); n != 1 {
				t.Errorf("%d requests, want exactly 1", n)
			}
			if strings.Contains(err.Error(), "attempts") {
				t.Errorf("err %q counts attempts for a single one", err)
			}
		})
	}
	for code, failure := range map[api.ErrorCode]int{api.ErrorCodeRateLimited: http.StatusTooManyRequests, api.ErrorCodeServiceUnavailable: http.StatusServiceUnavailable} {
		c, hits := newFlakyClient(t, 2, func(w http.ResponseWriter) { writeAPIError(w, failure, code, "later") })
		if _, err := c.StartScan(context.Background(), StartScanRequest{ScanType: "compliance"}); err != nil {
			t.Errorf("%d %s: %v", failure, code, err)
		}
		if n := hits.get(); n != 3 {
			t.Errorf("%d %s: %d requests, want 3 (two retries)", failure, code, n)
		}
	}
}

// Other POSTs are not retried: only the trigger is known to be safe to send
// again (the tenant's one running scan turns a repeat into a 409). Kept
// from the old client's "POST without an Idempotency-Key" test.
func TestOtherPostsAreNeverRetried(t *testing.T) {
	for name, answer := range map[string]func(http.ResponseWriter){
		"503": func(w http.ResponseWriter) {
			writeAPIError(w, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable, "later")
		},
		"empty 200": brokenAnswer{"", 200, "application/json", ""}.write,
		"reset":     func(w http.ResponseWriter) { hangUp(t, w) },
	} {
		t.Run(name, func(t *testing.T) {
			c, hits := newFlakyClient(t, everyRequest, answer)
			if _, err := c.ActivateConnection(context.Background(), "conn_b"); err == nil || hits.get() != 1 {
				t.Errorf("err = %v after %d requests, want an error after 1", err, hits.get())
			}
		})
	}
}

// 409 SCAN_ALREADY_RUNNING with a running scan of the requested type (a
// schedule started it): the call adopts it, one POST, no new scan; the
// running scan is looked up on the active connection. Fails against the
// old client, which had no StartOrAdoptScan and read 409 as key reuse.
func TestStartOrAdoptScanAdoptsARunningScanOfTheSameType(t *testing.T) {
	clk := newRecordingClock()
	f, c := newFakeAPI(t, clk)
	scheduled := f.startOutside(primaryConnection, api.ScanTypeCompliance, 12*time.Minute)
	f.startOutside(otherConnection, api.ScanTypeCompliance, time.Hour) // newer, but another tenant's
	started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if started.Scan.ID != scheduled || !started.Adopted || started.AfterLostAnswer || len(started.WaitedFor) != 0 {
		t.Errorf("started = %+v, want %s adopted, no lost answer, no wait", started, scheduled)
	}
	posts, lists, _, connections := f.counts()
	if posts != 1 || lists != 1 || connections != 1 || len(f.scanIDs()) != 2 {
		t.Errorf("%d POSTs, %d lists, %d connection lists, scans %v; want 1, 1, 1 and no new scan", posts, lists, connections, f.scanIDs())
	}
	if q := f.listQueries[0]; q != "connectionId=conn_primary&limit=100&page=1&status=in_progress" {
		t.Errorf("running scans listed with %q", q)
	}
	if sleeps := clk.recorded(); len(sleeps) != 0 {
		t.Errorf("slept %v", sleeps)
	}
}

// A scan MayAdopt refuses (another resource of the run already has it) is
// waited for, and then the call starts its own. Fails against the old
// client (no StartOrAdoptScan).
func TestStartOrAdoptScanWaitsForAScanItMayNotAdopt(t *testing.T) {
	clk := newRecordingClock()
	f, c := newFakeAPI(t, clk)
	claimed := f.startOutside(primaryConnection, api.ScanTypeCompliance, 12*time.Minute)
	var (
		asked, waitedOn []string
	)
	started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{
		MayAdopt:  func(s *Scan) bool { asked = append(asked, s.ID); return s.ID != claimed },
		OnWaiting: func(_ context.Context, s *Scan) { waitedOn = append(waitedOn, s.ID) },
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := f.scanIDs()
	if len(ids) != 2 || started.Scan.ID != ids[1] || started.Adopted || started.AfterLostAnswer || !slices.Equal(started.WaitedFor, []string{claimed}) {
		t.Errorf("started = %+v with scans %v; want a new scan after waiting for %s", started, ids, claimed)
	}
	if !slices.Equal(asked, []string{claimed}) || !slices.Equal(waitedOn, []string{claimed}) {
		t.Errorf("MayAdopt asked about %v, OnWaiting told of %v; want %s once each", asked, waitedOn, claimed)
	}
	if posts, _, _, _ := f.counts(); posts != 2 {
		t.Errorf("%d POSTs, want 2", posts)
	}
	if waited := clk.Now().Sub(simtest.Epoch); waited < 12*time.Minute || waited > 16*time.Minute {
		t.Errorf("the call started its scan %s after the first trigger, want soon after the 12 minutes the other took", waited)
	}
}

// A running scan of another type is not this call's: it is waited for,
// whatever MayAdopt says, and then the call starts its own. Fails against
// the old client (no StartOrAdoptScan).
func TestStartOrAdoptScanWaitsForAScanOfAnotherType(t *testing.T) {
	clk := newRecordingClock()
	f, c := newFakeAPI(t, clk)
	exposure := f.startOutside(primaryConnection, api.ScanTypeExposure, 18*time.Minute)
	started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{
		MayAdopt: func(*Scan) bool { return true },
	})
	if err != nil {
		t.Fatal(err)
	}
	ids := f.scanIDs()
	if len(ids) != 2 || started.Scan.ID != ids[1] || started.Scan.ScanType != api.ScanTypeCompliance || started.Adopted ||
		!slices.Equal(started.WaitedFor, []string{exposure}) {
		t.Errorf("started = %+v with scans %v; want a new compliance scan after waiting for %s", started, ids, exposure)
	}
}

// The tenant said 409 but lists no running scan (it ended in between, or
// the list lags): the call pauses noRunningScanPause on the clock before
// each new trigger, never triggering in a hot loop. Fails against the old
// client (no StartOrAdoptScan).
func TestStartOrAdoptScanPausesWhenNoScanIsListedRunning(t *testing.T) {
	clk := newRecordingClock()
	f, c := newFakeAPI(t, clk)
	const conflicts = 4
	f.onPost = func(n int, w http.ResponseWriter, r *http.Request) bool {
		if n > conflicts {
			return false
		}
		writeAPIError(w, http.StatusConflict, api.ErrorCodeScanAlreadyRunning, "A scan is already running")
		return true
	}
	started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if started.Adopted || len(started.WaitedFor) != 0 || started.Scan.ID != "scan_001" {
		t.Errorf("started = %+v, want its own new scan", started)
	}
	posts, lists, gets, _ := f.counts()
	if posts != conflicts+1 || lists != conflicts || gets != 0 {
		t.Errorf("%d POSTs, %d lists, %d GETs; want %d, %d, 0", posts, lists, gets, conflicts+1, conflicts)
	}
	want := slices.Repeat([]time.Duration{noRunningScanPause}, conflicts)
	if sleeps := clk.recorded(); !slices.Equal(sleeps, want) {
		t.Errorf("slept %v, want a pause of %s before each new trigger", sleeps, noRunningScanPause)
	}
}

// StartOrAdoptScan is bounded by its context: when the deadline comes while
// it pauses between triggers or waits for another scan, it stops with an
// error that says what it was doing, matching context.DeadlineExceeded.
// Fails against the old client (no StartOrAdoptScan).
func TestStartOrAdoptScanGivesUpAtTheDeadline(t *testing.T) {
	t.Run("conflict without a listed scan", func(t *testing.T) {
		clk := &deadlineClock{recordingClock: newRecordingClock(), deadline: simtest.Epoch.Add(7 * time.Second)}
		f, c := newFakeAPI(t, clk)
		f.onPost = func(_ int, w http.ResponseWriter, _ *http.Request) bool {
			writeAPIError(w, http.StatusConflict, api.ErrorCodeScanAlreadyRunning, "A scan is already running")
			return true
		}
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		_, err := c.StartOrAdoptScan(ctx, StartScanRequest{ScanType: "compliance"}, StartOptions{})
		if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, ErrScanAlreadyRunning) {
			t.Fatalf("err = %v, want the deadline and the 409 it met", err)
		}
		for _, want := range []string{"409 SCAN_ALREADY_RUNNING", "stopped before triggering again", "deadline exceeded"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err %q does not say %q", err, want)
			}
		}
		if posts, _, _, _ := f.counts(); posts != 4 {
			t.Errorf("%d POSTs, want 4 (at 0, 2, 4 and 6 s of a 7 s deadline)", posts)
		}
	})
	t.Run("waiting for another scan", func(t *testing.T) {
		clk := &deadlineClock{recordingClock: newRecordingClock(), deadline: simtest.Epoch.Add(10 * time.Minute)}
		f, c := newFakeAPI(t, clk)
		stuck := f.startOutside(primaryConnection, api.ScanTypeExposure, 0) // never ends
		ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
		defer cancel()
		started, err := c.StartOrAdoptScan(ctx, StartScanRequest{ScanType: "compliance"}, StartOptions{})
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want the deadline", err)
		}
		for _, want := range []string{"waiting for scan " + stuck, "to end before starting a compliance scan", "last status: in_progress"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("err %q does not say %q", err, want)
			}
		}
		if started.Scan != nil || !slices.Equal(started.WaitedFor, []string{stuck}) {
			t.Errorf("started = %+v", started)
		}
		if posts, _, _, _ := f.counts(); posts != 1 || len(f.scanIDs()) != 1 {
			t.Errorf("%d POSTs, scans %v; want 1 POST and no new scan", posts, f.scanIDs())
		}
	})
}

// The answer to a trigger that created a scan is lost (the connection is
// reset, or a proxy or a cut body answers instead): the retry meets 409
// SCAN_ALREADY_RUNNING, and the call adopts the running scan, its own, with
// AfterLostAnswer set. Exactly one scan exists. This is what the old
// Idempotency-Key replay protected, now done the published way; fails
// against the old client (no StartOrAdoptScan, and 409 read as key reuse).
func TestStartOrAdoptScanAfterALostAnswerAdoptsItsOwnScan(t *testing.T) {
	for name, lose := range loseAs {
		t.Run(name, func(t *testing.T) {
			clk := newRecordingClock()
			f, c := newFakeAPI(t, clk)
			f.loseAnswer = func(n int, w http.ResponseWriter) bool {
				if n == 1 {
					lose(t, w)
				}
				return n == 1
			}
			started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ids := f.scanIDs()
			if len(ids) != 1 || started.Scan.ID != ids[0] || !started.Adopted || !started.AfterLostAnswer {
				t.Errorf("started = %+v with scans %v; want the one scan, adopted after a lost answer", started, ids)
			}
			if posts, _, _, _ := f.counts(); posts != 2 {
				t.Errorf("%d POSTs, want 2 (the lost one and its retry)", posts)
			}
		})
	}
}

// The same on a kept-alive connection: net/http must not resend the POST
// by itself when the reused connection breaks, or the client would see its
// retry's 409 as its first answer, and not know the scan is its own. (Kept
// from the old Idempotency-Key test; fails against the old client, which
// had no StartOrAdoptScan.)
func TestStartOrAdoptScanAfterALostAnswerOnAReusedConnection(t *testing.T) {
	clk := newRecordingClock()
	f, c := newFakeAPI(t, clk)
	if _, err := c.ListScans(context.Background(), "", ListScansOptions{}); err != nil {
		t.Fatal(err)
	}
	f.loseAnswer = func(n int, w http.ResponseWriter) bool {
		if n == 1 {
			hangUp(t, w)
		}
		return n == 1
	}
	started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
	if err != nil || !started.Adopted || !started.AfterLostAnswer || len(f.scanIDs()) != 1 {
		t.Fatalf("started = %+v, err %v, scans %v; want the one scan, adopted after a lost answer", started, err, f.scanIDs())
	}
}

// A trigger the API refused (503, or a 429 rate limit: nothing was done)
// and whose retry meets another's running scan of the same type adopts that
// scan, but does not claim it was its own lost answer. Fails against the
// old client (no StartOrAdoptScan); failed before the fix that sets
// AfterLostAnswer only when an answer may have been lost.
func TestStartOrAdoptScanAfterARefusalIsNoLostAnswer(t *testing.T) {
	for name, refuse := range map[string]func(http.ResponseWriter){
		"503": func(w http.ResponseWriter) {
			writeAPIError(w, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable, "Service temporarily unavailable")
		},
		"429 rate limit": func(w http.ResponseWriter) {
			writeAPIError(w, http.StatusTooManyRequests, api.ErrorCodeRateLimited, "slow down")
		},
	} {
		t.Run(name, func(t *testing.T) {
			clk := newRecordingClock()
			f, c := newFakeAPI(t, clk)
			var scheduled string
			f.onPost = func(n int, w http.ResponseWriter, _ *http.Request) bool {
				if n > 1 {
					return false
				}
				// Meanwhile the plan schedule starts its scan.
				scheduled = f.startOutside(primaryConnection, api.ScanTypeCompliance, 12*time.Minute)
				refuse(w)
				return true
			}
			started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if started.Scan.ID != scheduled || !started.Adopted || started.AfterLostAnswer {
				t.Errorf("started = %+v; want %s adopted, not as a lost answer", started, scheduled)
			}
		})
	}
}

// The connection a trigger names is the one whose running scan is adopted
// or waited for; a scan on another connection does not block it. Fails
// against the old client, which knew no connections.
func TestStartOrAdoptScanNamesTheConnection(t *testing.T) {
	clk := newRecordingClock()
	f, c := newFakeAPI(t, clk)
	onPrimary := f.startOutside(primaryConnection, api.ScanTypeCompliance, time.Hour)
	onB := f.startOutside(otherConnection, api.ScanTypeCompliance, time.Hour)
	started, err := c.StartOrAdoptScan(context.Background(), StartScanRequest{ConnectionID: otherConnection, ScanType: "compliance"}, StartOptions{})
	if err != nil || started.Scan.ID != onB || !started.Adopted {
		t.Fatalf("started = %+v, err %v; want %s of conn_b adopted", started, err, onB)
	}
	if _, _, _, connections := f.counts(); connections != 0 {
		t.Errorf("the connections were listed %d times for a trigger that names its connection", connections)
	}
	if f.postQueries[0] != "connectionId=conn_b" || f.listQueries[0] != "connectionId=conn_b&limit=100&page=1&status=in_progress" {
		t.Errorf("POST ?%s, list ?%s", f.postQueries[0], f.listQueries[0])
	}
	_ = onPrimary
	f2, c2 := newFakeAPI(t, newRecordingClock())
	f2.startOutside(otherConnection, api.ScanTypeCompliance, time.Hour)
	started, err = c2.StartOrAdoptScan(context.Background(), StartScanRequest{ScanType: "compliance"}, StartOptions{})
	if err != nil || started.Adopted || len(f2.scanIDs()) != 2 {
		t.Errorf("started = %+v, err %v, scans %v; want a new scan on the primary connection", started, err, f2.scanIDs())
	}
}
