package aether365

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// fakeAPI plays the scan endpoints of one Aether365 account as the
// reference publishes them, written by hand from it rather than by our
// simulator: a tenant (connection) runs one scan at a time and a second
// trigger is 409 SCAN_ALREADY_RUNNING; POST answers 201 with the new scan;
// GET /tenants/me/scans filters by status, scan_type and connectionId and
// answers meta {total, page, limit} without totalPages; GET /scans/{id};
// GET /tenants/me/connections. Scans run for duration on the fake clock
// the client shares.
type fakeAPI struct {
	t     *testing.T
	clock clock.Clock
	// duration is how long the scans the API starts run.
	duration time.Duration
	// onPost, when set, sees each POST (n counts them from 1) before the
	// API does, and answers it itself when it returns true.
	onPost func(n int, w http.ResponseWriter, r *http.Request) bool
	// loseAnswer, when set, is asked after a POST created a scan whether
	// to answer it (false) or lose the answer, as lose does (true).
	loseAnswer func(n int, w http.ResponseWriter) bool

	mu          sync.Mutex
	scans       []*fakeScan
	posts       int
	lists       int
	gets        int
	connections int
	postQueries []string
	listQueries []string
}

type fakeScan struct {
	scan       Scan
	connection string
	// endsAt is when the scan completes; zero: never.
	endsAt time.Time
}

const (
	primaryConnection = "conn_primary"
	otherConnection   = "conn_b"
)

// newFakeAPI starts the fake API; its client shares clk and retries quickly.
func newFakeAPI(t *testing.T, clk clock.Clock) (*fakeAPI, *Client) {
	t.Helper()
	f := &fakeAPI{t: t, clock: clk, duration: 10 * time.Minute}
	c, _ := newTestClient(t, f.ServeHTTP, func(cfg *Config) { cfg.Clock = clk })
	return f, c
}

// startOutside starts a scan as a schedule would, outside the API.
func (f *fakeAPI) startOutside(connection string, scanType api.ScanType, duration time.Duration) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.createLocked(connection, scanType, duration, "sched").scan.ID
}

func (f *fakeAPI) createLocked(connection string, scanType api.ScanType, duration time.Duration, prefix string) *fakeScan {
	now := f.clock.Now()
	s := &fakeScan{
		scan:       Scan{ID: fmt.Sprintf("%s_%03d", prefix, len(f.scans)+1), TenantID: testTenant, ScanType: scanType, StartedAt: now},
		connection: connection,
	}
	if duration > 0 {
		s.endsAt = now.Add(duration)
	}
	f.scans = append(f.scans, s)
	return s
}

// view is the scan as the API shows it now.
func (s *fakeScan) view(now time.Time) Scan {
	v := s.scan
	if s.endsAt.IsZero() || now.Before(s.endsAt) {
		v.Status = api.ScanStatusInProgress
		return v
	}
	v.Status = api.ScanStatusCompleted
	ended := s.endsAt
	passed, failed, skipped, score := 87, 12, 5, 87.9
	v.CompletedAt, v.PassCount, v.FailCount, v.SkipCount, v.Score = &ended, &passed, &failed, &skipped, &score
	return v
}

func (f *fakeAPI) runningLocked(connection string) *fakeScan {
	now := f.clock.Now()
	for _, s := range f.scans {
		if s.connection == connection && s.view(now).Status == api.ScanStatusInProgress {
			return s
		}
	}
	return nil
}

// scanIDs lists every scan the API holds, in creation order.
func (f *fakeAPI) scanIDs() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	var ids []string
	for _, s := range f.scans {
		ids = append(ids, s.scan.ID)
	}
	return ids
}

// counts returns how many POSTs, scan lists, scan reads and connection
// lists the API got.
func (f *fakeAPI) counts() (posts, lists, gets, connections int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.posts, f.lists, f.gets, f.connections
}

func (f *fakeAPI) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Method == http.MethodPost && r.URL.Path == "/tenants/me/scans":
		f.trigger(w, r)
	case r.Method == http.MethodGet && r.URL.Path == "/tenants/me/scans":
		f.list(w, r)
	case r.Method == http.MethodGet && strings.HasPrefix(r.URL.Path, "/scans/"):
		f.mu.Lock()
		f.gets++
		id := strings.TrimPrefix(r.URL.Path, "/scans/")
		idx := slices.IndexFunc(f.scans, func(s *fakeScan) bool { return s.scan.ID == id })
		var view Scan
		if idx >= 0 {
			view = f.scans[idx].view(f.clock.Now())
		}
		f.mu.Unlock()
		if idx < 0 {
			writeAPIError(w, http.StatusNotFound, api.ErrorCodeScanNotFound, "Scan not found")
			return
		}
		writeData(w, http.StatusOK, view)
	case r.Method == http.MethodGet && r.URL.Path == "/tenants/me/connections":
		f.mu.Lock()
		f.connections++
		f.mu.Unlock()
		connected := simtest.Epoch.Add(-24 * time.Hour)
		writeData(w, http.StatusOK, []api.Connection{
			{ID: otherConnection, MsTenantID: "00000000-0000-0000-0000-00000000000b", Label: "Fabrikam", ConnectedAt: connected},
			{ID: primaryConnection, MsTenantID: "00000000-0000-0000-0000-00000000000a", Label: "Contoso", ConnectedAt: connected, IsPrimary: true},
		})
	default:
		f.t.Errorf("fake API: unexpected %s %s", r.Method, r.URL)
		writeAPIError(w, http.StatusNotFound, api.ErrorCodeNotFound, "no such route")
	}
}

func (f *fakeAPI) trigger(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	f.posts++
	n := f.posts
	f.postQueries = append(f.postQueries, r.URL.RawQuery)
	onPost, loseAnswer := f.onPost, f.loseAnswer
	f.mu.Unlock()
	if r.Header.Get("Idempotency-Key") != "" {
		f.t.Errorf("POST %d carries an Idempotency-Key, which the reference does not know", n)
	}
	if onPost != nil && onPost(n, w, r) {
		return
	}
	var body api.StartScanRequest
	if err := json.NewDecoder(r.Body).Decode(&body); err != nil || !body.ScanType.Valid() {
		writeAPIError(w, http.StatusBadRequest, api.ErrorCodeValidationError, "scan_type must be compliance or exposure")
		return
	}
	connection := r.URL.Query().Get("connectionId")
	if connection == "" {
		connection = primaryConnection
	}
	f.mu.Lock()
	if running := f.runningLocked(connection); running != nil {
		f.mu.Unlock()
		writeAPIError(w, http.StatusConflict, api.ErrorCodeScanAlreadyRunning, "A scan is already running for this tenant")
		return
	}
	created := f.createLocked(connection, body.ScanType, f.duration, "scan")
	view := created.view(f.clock.Now())
	f.mu.Unlock()
	if loseAnswer != nil && loseAnswer(n, w) {
		return
	}
	writeData(w, http.StatusCreated, view)
}

func (f *fakeAPI) list(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	page, _ := strconv.Atoi(q.Get("page"))
	limit, _ := strconv.Atoi(q.Get("limit"))
	if page < 1 || limit < 1 || limit > MaxScanPageSize {
		writeAPIError(w, http.StatusBadRequest, api.ErrorCodeValidationError, "bad page or limit")
		return
	}
	f.mu.Lock()
	f.lists++
	f.listQueries = append(f.listQueries, r.URL.RawQuery)
	now := f.clock.Now()
	var matching []Scan
	for i := len(f.scans) - 1; i >= 0; i-- { // newest first
		s := f.scans[i]
		v := s.view(now)
		if (q.Get("status") == "" || string(v.Status) == q.Get("status")) &&
			(q.Get("scan_type") == "" || string(v.ScanType) == q.Get("scan_type")) &&
			(q.Get("connectionId") == "" || s.connection == q.Get("connectionId")) {
			matching = append(matching, v)
		}
	}
	f.mu.Unlock()
	from, to := min((page-1)*limit, len(matching)), min(page*limit, len(matching))
	writeList(w, append([]Scan{}, matching[from:to]...), metaFor(len(matching), page, limit))
}

// deadlineClock is a fake clock that plays a context deadline at a
// simulated instant, as the real clock would: a sleep that would pass
// deadline instead waits for the context, whose real deadline is short.
type deadlineClock struct {
	*recordingClock
	deadline time.Time
}

func (c *deadlineClock) Sleep(ctx context.Context, d time.Duration) error {
	if c.Now().Add(d).After(c.deadline) {
		<-ctx.Done()
		return ctx.Err()
	}
	return c.recordingClock.Sleep(ctx, d)
}

// loseAs are the ways the answer to a POST that created a scan gets lost on
// its way back: the connection reset, or a body that is not the API's.
var loseAs = map[string]func(t *testing.T, w http.ResponseWriter){
	"connection reset": hangUp,
	"proxy 502 page": func(_ *testing.T, w http.ResponseWriter) {
		brokenAnswer{"", http.StatusBadGateway, "text/html", "<html><body>502 Bad Gateway</body></html>"}.write(w)
	},
	"empty 200": func(_ *testing.T, w http.ResponseWriter) {
		brokenAnswer{"", http.StatusOK, "application/json", ""}.write(w)
	},
	"truncated 201": func(_ *testing.T, w http.ResponseWriter) {
		brokenAnswer{"", http.StatusCreated, "application/json", `{"success":true,"data":{"id":"scan_`}.write(w)
	},
}

// recordedAnswer copies an answer recorded by httptest to w.
func recordedAnswer(w http.ResponseWriter, rec *httptest.ResponseRecorder) {
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(rec.Body.Bytes())
}
