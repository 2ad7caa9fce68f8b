package aether365

import (
	"context"
	"errors"
	"github.com/aether365/terraform-provider-aether365/internal/apicode"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

func TestRetriesTransientStatuses(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			var hits counter
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				if hits.inc() <= 2 {
					writeAPIError(w, status, "WHATEVER", "try again")
					return
				}
				writeData(w, http.StatusOK, testScan("scn_1", ScanStatusRunning))
			})
			scan, err := c.GetScan(context.Background(), "scn_1")
			if err != nil {
				t.Fatal(err)
			}
			if scan.Status != ScanStatusRunning || hits.get() != 3 {
				t.Errorf("scan %+v after %d requests", scan, hits.get())
			}
		})
	}
}

func TestNeverRetriesOtherStatuses(t *testing.T) {
	tests := []struct {
		status int
		code   string
		want   error
	}{
		{400, apicode.Validation, ErrValidation},
		{401, apicode.Unauthorized, ErrUnauthorized},
		{403, apicode.Forbidden, ErrForbidden},
		{404, apicode.NotFound, ErrNotFound},
		{409, apicode.ScanNotCompleted, ErrConflict},
		{422, apicode.IdempotencyKeyReused, ErrConflict},
		{500, apicode.Internal, ErrServiceUnavailable},
		{501, "NOT_IMPLEMENTED", ErrServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(strconv.Itoa(tt.status), func(t *testing.T) {
			c, hits := newFailingClient(t, tt.status, tt.code, "no")
			_, err := c.GetScan(context.Background(), "scn_1")
			if !errors.Is(err, tt.want) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
			if n := hits.get(); n != 1 {
				t.Errorf("%d requests, want 1", n)
			}
			if strings.Contains(err.Error(), "attempts") {
				t.Errorf("err %q mentions attempts for a single one", err)
			}
		})
	}
}

func TestRetriesExhaustedReturnsTheLastAPIError(t *testing.T) {
	c, hits := newFailingClient(t, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "Service temporarily unavailable", func(cfg *Config) { cfg.MaxRetries = new(2) })
	_, err := c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrServiceUnavailable) {
		t.Fatalf("err = %v, want ErrServiceUnavailable", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Code != apicode.ServiceUnavailable {
		t.Errorf("err = %#v", err)
	}
	if hits.get() != 3 {
		t.Errorf("%d requests, want 3", hits.get())
	}
	if !strings.Contains(err.Error(), "after 3 attempts") || strings.Contains(err.Error(), "giving up") {
		t.Errorf("err = %q", err)
	}
}

func TestNegativeMaxRetriesMeansNone(t *testing.T) {
	c, hits := newFailingClient(t, http.StatusTooManyRequests, apicode.RateLimited, "slow down", func(cfg *Config) { cfg.MaxRetries = new(0) })
	_, err := c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrRateLimited) || hits.get() != 1 {
		t.Errorf("err = %v after %d requests", err, hits.get())
	}
}

// Retries wait on the injected clock, so this test does not sleep.
func TestRetryAfterSecondsIsHonoured(t *testing.T) {
	clk := newRecordingClock()
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() == 1 {
			w.Header().Set("Retry-After", "3")
			writeAPIError(w, http.StatusTooManyRequests, apicode.RateLimited, "slow down")
			return
		}
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusRunning))
	}, func(cfg *Config) { cfg.RetryWaitMax = 5 * time.Second; cfg.Clock = clk })
	if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
		t.Fatal(err)
	}
	if sleeps := clk.recorded(); len(sleeps) != 1 || sleeps[0] < 3*time.Second*9/10 || sleeps[0] > 3*time.Second {
		t.Errorf("slept %v on the injected clock, want one wait of about the 3s Retry-After", sleeps)
	}
}

func TestRetryAfterIsCappedAtRetryWaitMax(t *testing.T) {
	for _, retryAfter := range []string{"3600", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)} {
		var hits counter
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			if hits.inc() == 1 {
				w.Header().Set("Retry-After", retryAfter)
				writeAPIError(w, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
				return
			}
			writeData(w, http.StatusOK, testScan("scn_1", ScanStatusRunning))
		}, func(cfg *Config) { cfg.RetryWaitMax = 20 * time.Millisecond })
		start := time.Now()
		if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
			t.Fatal(err)
		}
		if elapsed := time.Since(start); elapsed > 5*time.Second {
			t.Errorf("Retry-After %q was not capped: took %s", retryAfter, elapsed)
		}
	}
}

func TestRetryAfterPastTheDeadlineStopsPromptly(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		w.Header().Set("Retry-After", "30")
		writeAPIError(w, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
	}, func(cfg *Config) { cfg.RetryWaitMax = time.Minute })
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	start := time.Now()
	_, err := c.GetScan(ctx, "scn_1")
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %s; should give up at once when Retry-After passes the deadline", elapsed)
	}
	if !errors.Is(err, ErrServiceUnavailable) {
		t.Errorf("err = %v, want the last response's ErrServiceUnavailable", err)
	}
	if !strings.Contains(err.Error(), "deadline") {
		t.Errorf("err %q does not say why it stopped", err)
	}
	if hits.get() != 1 {
		t.Errorf("%d requests, want 1", hits.get())
	}
}

func TestContextCancellationStopsRetriesAtOnce(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Retry-After", "30")
		writeAPIError(w, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
	}, func(cfg *Config) { cfg.RetryWaitMax = time.Minute; cfg.Clock = clock.Real{} })
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel)
	start := time.Now()
	_, err := c.GetScan(ctx, "scn_1")
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %s after cancellation", elapsed)
	}
}

func TestConnectionErrorsAreRetried(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() <= 2 {
			hangUp(t, w)
			return
		}
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusRunning))
	})
	if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
		t.Fatal(err)
	}
	if hits.get() != 3 {
		t.Errorf("%d requests, want 3", hits.get())
	}
}

func TestConnectionErrorsExhausted(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		hangUp(t, w)
	}, func(cfg *Config) { cfg.MaxRetries = new(2) })
	_, err := c.GetScan(context.Background(), "scn_1")
	if err == nil {
		t.Fatal("no error")
	}
	if hits.get() < 3 {
		t.Errorf("%d requests, want at least 3", hits.get())
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a connection error became an APIError: %v", err)
	}
	if classify(err) == failurePermanent {
		t.Errorf("connection error %v is not transient", err)
	}
	if !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("err = %q", err)
	}
}

func TestBodyCutOffMidwayIsRetried(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() == 1 {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"success":true,"data":{"id":"scn_1",`)
			return // the server closes the connection short of Content-Length
		}
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusRunning))
	})
	if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
		t.Fatal(err)
	}
	if hits.get() != 2 {
		t.Errorf("%d requests, want 2", hits.get())
	}
}

func TestStartScanRetriesWithTheSameIdempotencyKey(t *testing.T) {
	var (
		mu     sync.Mutex
		keys   []string
		bodies []string
	)
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || (r.URL.Path != "/tenants/me/scans" && r.URL.Path != "/tenants/tenant-1/scans") {
			t.Errorf("unexpected %s %s", r.Method, r.URL.Path)
		}
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		keys = append(keys, r.Header.Get("Idempotency-Key"))
		bodies = append(bodies, string(body))
		n := len(keys)
		mu.Unlock()
		if n == 1 {
			writeAPIError(w, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
			return
		}
		writeData(w, http.StatusCreated, testScan("scn_1", ScanStatusQueued))
	})
	scan, err := c.StartScan(context.Background(), "", "compliance", "")
	if err != nil {
		t.Fatal(err)
	}
	if scan.ID != "scn_1" {
		t.Errorf("scan = %+v", scan)
	}
	if len(keys) != 2 || keys[0] == "" || keys[0] != keys[1] {
		t.Errorf("Idempotency-Key per attempt = %q, want the same non-empty key twice", keys)
	}
	if !regexp.MustCompile(`^[0-9a-f-]{36}$`).MatchString(keys[0]) {
		t.Errorf("generated key %q is not a UUID", keys[0])
	}
	if bodies[0] != `{"scan_type":"compliance"}` || bodies[1] != bodies[0] {
		t.Errorf("bodies = %q", bodies)
	}

	// A caller's key is sent as is; generated keys differ between calls.
	keys = nil
	if _, err := c.StartScan(context.Background(), "tenant-1", "full", "my-key-1"); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 2 || keys[0] != "my-key-1" || keys[1] != "my-key-1" {
		t.Errorf("keys = %q, want the caller's key on every attempt", keys)
	}
	keys = nil
	if _, err := c.StartScan(context.Background(), "", "compliance", ""); err != nil {
		t.Fatal(err)
	}
	keys2 := keys
	keys = nil
	if _, err := c.StartScan(context.Background(), "", "compliance", ""); err != nil {
		t.Fatal(err)
	}
	if keys2[0] == keys[0] {
		t.Errorf("two StartScan calls generated the same key %q", keys[0])
	}
}

func TestStartScanRejectsBadKeys(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		t.Error("request sent")
	})
	for _, key := range []string{strings.Repeat("k", 256), "with space", "new\nline"} {
		if _, err := c.StartScan(context.Background(), "", "compliance", key); err == nil {
			t.Errorf("key %q accepted", key)
		}
	}
}

func TestPostWithoutIdempotencyKeyIsNeverRetried(t *testing.T) {
	c, hits := newFailingClient(t, http.StatusServiceUnavailable, apicode.ServiceUnavailable, "later")
	var out oneScan
	_, err := c.do(context.Background(), apiRequest{method: http.MethodPost, path: "/tenants/me/scans", body: startScanBody{"compliance"}}, &out)
	if !errors.Is(err, ErrServiceUnavailable) || hits.get() != 1 {
		t.Errorf("err = %v after %d requests", err, hits.get())
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := simtest.Epoch
	tests := []struct {
		value string
		want  time.Duration
		ok    bool
	}{
		{"3", 3 * time.Second, true},
		{" 0 ", 0, true},
		{"Sat, 28 Nov 2026 10:00:07 GMT", 7 * time.Second, true},
		{"Saturday, 28-Nov-26 10:00:05 GMT", 5 * time.Second, true},
		{"Sat, 28 Nov 2026 09:00:00 GMT", 0, true},
		{"", 0, false},
		{"-1", 0, false},
		{"soon", 0, false},
		{"99999999999999999999", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.value, now)
		if got != tt.want || ok != tt.ok {
			t.Errorf("parseRetryAfter(%q) = %s, %t; want %s, %t", tt.value, got, ok, tt.want, tt.ok)
		}
	}
	if got, ok := parseRetryAfter("9999999999", now); !ok || got <= 0 {
		t.Errorf("huge Retry-After = %s, %t; want a large positive wait", got, ok)
	}
}

func TestRetryDelay(t *testing.T) {
	base, limit := 100*time.Millisecond, 2*time.Second
	c, _ := newTestClient(t, func(http.ResponseWriter, *http.Request) {}, func(cfg *Config) {
		cfg.RetryWaitMin, cfg.RetryWaitMax = base, limit
	})
	inJitter := func(got, want time.Duration) bool { return got >= want-want/jitterFraction && got <= want }
	for retry := 0; retry < 70; retry++ {
		want := limit
		if retry < 5 {
			want = base << retry
		}
		for range 20 {
			if got := c.retryDelay(retry, ""); !inJitter(got, want) {
				t.Fatalf("retry %d: delay %s outside [%s, %s]", retry, got, want-want/jitterFraction, want)
			}
		}
	}
	now := c.clock.Now()
	for value, want := range map[string]time.Duration{
		"1":   time.Second,
		"120": limit,
		now.Add(time.Second).UTC().Format(http.TimeFormat): time.Second,
		// No hint, a zero hint and a date in the past all mean the backoff:
		// a past date must not mean "retry at once".
		"garbage": base << 3,
		"0":       base << 3,
		now.Add(-time.Hour).UTC().Format(http.TimeFormat): base << 3,
	} {
		if got := c.retryDelay(3, value); !inJitter(got, want) {
			t.Errorf("Retry-After %q gave %s, want %s less up to a tenth", value, got, want)
		}
	}
}
