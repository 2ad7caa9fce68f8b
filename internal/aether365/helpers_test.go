package aether365

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

const testAPIKey = "ae_live_test_0123456789abcdef"

// newTestClient starts an httptest server running handler and returns a
// Client pointed at it with tiny retry waits; adjust tweaks the Config.
func newTestClient(t *testing.T, handler http.HandlerFunc, adjust ...func(*Config)) (*Client, *httptest.Server) {
	t.Helper()
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	return newClient(t, Config{
		BaseURL:      srv.URL,
		APIKey:       testAPIKey,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
		Clock:        simtest.NewClock(),
	}, adjust...), srv
}

// newSimulatorClient returns a Client of the simulator at baseURL with the
// demo key and tiny retry waits on the real clock, the simulator's own.
func newSimulatorClient(t *testing.T, baseURL string, adjust ...func(*Config)) *Client {
	t.Helper()
	return newClient(t, Config{
		BaseURL:      baseURL,
		APIKey:       simulator.DemoAPIKey,
		RetryWaitMin: time.Millisecond,
		RetryWaitMax: 5 * time.Millisecond,
	}, adjust...)
}

func newClient(t *testing.T, cfg Config, adjust ...func(*Config)) *Client {
	t.Helper()
	for _, f := range adjust {
		f(&cfg)
	}
	c, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}

// everyRequest makes newFlakyClient's server fail every request.
const everyRequest = -1

// newFlakyClient is a client whose server answers its first failures
// requests with fail (all of them for everyRequest) and the later ones with
// scan scn_1, in progress; the counter tells how many requests it got.
func newFlakyClient(t *testing.T, failures int, fail func(http.ResponseWriter), adjust ...func(*Config)) (*Client, *counter) {
	t.Helper()
	hits := &counter{}
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if n := hits.inc(); failures == everyRequest || n <= failures {
			fail(w)
			return
		}
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
	}, adjust...)
	return c, hits
}

// newFailingClient is a client whose server answers every request with the
// same API error; the counter tells how many requests it got.
func newFailingClient(t *testing.T, status int, code api.ErrorCode, message string, adjust ...func(*Config)) (*Client, *counter) {
	t.Helper()
	return newFlakyClient(t, everyRequest, func(w http.ResponseWriter) { writeAPIError(w, status, code, message) }, adjust...)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("X-Request-Id", "req_0123abcd")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeData(w http.ResponseWriter, status int, data any) {
	writeJSON(w, status, map[string]any{"success": true, "data": data})
}

func writeList(w http.ResponseWriter, data any, meta PageMeta) {
	writeJSON(w, http.StatusOK, map[string]any{"success": true, "data": data, "meta": meta})
}

// writeAPIError writes the published error envelope, with "details": {}.
func writeAPIError(w http.ResponseWriter, status int, code api.ErrorCode, message string) {
	writeAPIErrorDetails(w, status, code, message, map[string]any{})
}

func writeAPIErrorDetails(w http.ResponseWriter, status int, code api.ErrorCode, message string, details map[string]any) {
	writeJSON(w, status, map[string]any{"success": false, "error": map[string]any{"code": code, "message": message, "details": details}})
}

// testTenant is the account every hand-written answer's scans belong to.
const testTenant = "t_demo"

// testScan is a compliance scan of testTenant that started at simtest.Epoch.
func testScan(id, status string) Scan {
	return Scan{
		ID:        id,
		TenantID:  testTenant,
		ScanType:  api.ScanTypeCompliance,
		Status:    api.ScanStatus(status),
		StartedAt: simtest.Epoch,
	}
}

// pages is a meta.totalPages value.
func pages(n int) *int { return &n }

// metaFor is the meta the reference shows, {total, page, limit}, without
// the guide's totalPages.
func metaFor(total, page, limit int) PageMeta {
	return PageMeta{Total: total, Page: page, Limit: limit}
}

// metaWithPages is metaFor plus totalPages = ceil(total/limit), as the REST
// API Automation guide shows it.
func metaWithPages(total, page, limit int) PageMeta {
	m := metaFor(total, page, limit)
	m.TotalPages = pages((total + limit - 1) / limit)
	return m
}

// hangUp closes the connection without a response: a connection error.
func hangUp(t *testing.T, w http.ResponseWriter) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err != nil {
		t.Errorf("hijack: %v", err)
		return
	}
	_ = conn.Close()
}

// counter counts requests safely.
type counter struct {
	mu sync.Mutex
	n  int
}

func (c *counter) inc() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.n++
	return c.n
}

func (c *counter) get() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n
}

// logEvent is one recorded Logger call.
type logEvent struct {
	level  LogLevel
	msg    string
	fields map[string]any
}

type recordingLogger struct {
	mu     sync.Mutex
	events []logEvent
}

func (l *recordingLogger) Log(_ context.Context, level LogLevel, msg string, fields map[string]any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	copied := make(map[string]any, len(fields))
	for k, v := range fields {
		copied[k] = v
	}
	l.events = append(l.events, logEvent{level: level, msg: msg, fields: copied})
}

func (l *recordingLogger) all() []logEvent {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]logEvent(nil), l.events...)
}

func (l *recordingLogger) String() string {
	var b strings.Builder
	for _, e := range l.all() {
		fmt.Fprintf(&b, "level %d: %s %v\n", e.level, e.msg, e.fields)
	}
	return b.String()
}

// recordingClock is a clock.Fake that remembers every sleep.
type recordingClock struct {
	*clock.Fake
	mu     sync.Mutex
	sleeps []time.Duration
}

func newRecordingClock() *recordingClock {
	return &recordingClock{Fake: simtest.NewClock()}
}

func (c *recordingClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	c.sleeps = append(c.sleeps, d)
	c.mu.Unlock()
	return c.Fake.Sleep(ctx, d)
}

func (c *recordingClock) recorded() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}
