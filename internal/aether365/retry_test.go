package aether365

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// 429 is retried as a rate limit unless it is the scan quota (see
// TestScanQuotaIsFinal).
func TestRetriesTransientStatuses(t *testing.T) {
	for _, status := range []int{429, 502, 503, 504} {
		t.Run(strconv.Itoa(status), func(t *testing.T) {
			c, hits := newFlakyClient(t, 2, func(w http.ResponseWriter) { writeAPIError(w, status, "WHATEVER", "try again") })
			scan, err := c.GetScan(context.Background(), "scn_1")
			if err != nil {
				t.Fatal(err)
			}
			if string(scan.Status) != ScanStatusInProgress || hits.get() != 3 {
				t.Errorf("scan %+v after %d requests", scan, hits.get())
			}
		})
	}
}

func TestNeverRetriesOtherStatuses(t *testing.T) {
	for _, tt := range permanentAPIErrors {
		t.Run(fmt.Sprint(tt.status, " ", tt.code), func(t *testing.T) {
			c, hits := newFailingClient(t, tt.status, tt.code, "no")
			_, err := c.GetScan(context.Background(), "scn_1")
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Errorf("err = %v, want an APIError", err)
			}
			for _, want := range tt.want {
				if !errors.Is(err, want) {
					t.Errorf("err = %v, want it to match %v", err, want)
				}
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
	c, hits := newFailingClient(t, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable, "Service temporarily unavailable", func(cfg *Config) { cfg.MaxRetries = new(2) })
	_, err := c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrServiceUnavailable) {
		t.Fatalf("err = %v, want ErrServiceUnavailable", err)
	}
	var apiErr *APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 503 || apiErr.Code != string(api.ErrorCodeServiceUnavailable) {
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
	c, hits := newFailingClient(t, http.StatusTooManyRequests, api.ErrorCodeRateLimited, "slow down", func(cfg *Config) { cfg.MaxRetries = new(0) })
	_, err := c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrRateLimited) || hits.get() != 1 {
		t.Errorf("err = %v after %d requests", err, hits.get())
	}
}

// Retries wait on the injected clock, so this test does not sleep.
func TestRetryAfterSecondsIsHonoured(t *testing.T) {
	clk := newRecordingClock()
	c, _ := newFlakyClient(t, 1, func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", "3")
		writeAPIError(w, http.StatusTooManyRequests, api.ErrorCodeRateLimited, "slow down")
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
		c, _ := newFlakyClient(t, 1, serviceUnavailableFor(retryAfter), func(cfg *Config) { cfg.RetryWaitMax = 20 * time.Millisecond })
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
	c, hits := newFlakyClient(t, everyRequest, serviceUnavailableFor("30"), func(cfg *Config) { cfg.RetryWaitMax = time.Minute })
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
	c, _ := newFlakyClient(t, everyRequest, serviceUnavailableFor("30"), func(cfg *Config) { cfg.RetryWaitMax = time.Minute; cfg.Clock = clock.Real{} })
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

// Answers lost on the way are asked for again until one arrives.
func TestLostAnswersAreRetried(t *testing.T) {
	for _, tt := range []struct {
		name     string
		failures int
		lose     func(t *testing.T, w http.ResponseWriter)
	}{
		{"connection closed without an answer", 2, hangUp},
		{"body cut off short of Content-Length", 1, func(_ *testing.T, w http.ResponseWriter) {
			w.Header().Set("Content-Length", "500")
			w.WriteHeader(http.StatusOK)
			_, _ = io.WriteString(w, `{"success":true,"data":{"id":"scn_1",`)
			// The server closes the connection when the handler returns.
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, hits := newFlakyClient(t, tt.failures, func(w http.ResponseWriter) { tt.lose(t, w) })
			if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
				t.Fatal(err)
			}
			if want := tt.failures + 1; hits.get() != want {
				t.Errorf("%d requests, want %d", hits.get(), want)
			}
		})
	}
}

func TestConnectionErrorsExhausted(t *testing.T) {
	c, hits := newFlakyClient(t, everyRequest, func(w http.ResponseWriter) { hangUp(t, w) }, func(cfg *Config) { cfg.MaxRetries = new(2) })
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

// brokenAnswer writes one malformed answer.
type brokenAnswer struct {
	name        string
	status      int
	contentType string
	body        string
}

func (b brokenAnswer) write(w http.ResponseWriter) {
	w.Header().Set("Content-Type", b.contentType)
	w.Header().Set("Content-Length", fmt.Sprint(len(b.body)))
	w.WriteHeader(b.status)
	_, _ = io.WriteString(w, b.body)
}

// Bodies that show the API's answer was lost on the way are retried, for a
// GET and for the scan's trigger (retried because a second trigger of a
// scan that did start meets 409 SCAN_ALREADY_RUNNING, see StartOrAdoptScan).
var transientAnswers = []brokenAnswer{
	{"proxy HTML with 502", 502, "text/html", "<html><head><title>502 Bad Gateway</title></head></html>"},
	{"proxy HTML with 200", 200, "text/html", "<!DOCTYPE html><title>Sign in</title>"},
	{"empty 200", 200, "application/json", ""},
	{"whitespace 200", 200, "application/json", "\r\n"},
	{"truncated JSON with 200", 200, "application/json", `{"success":true,"data":{"id":"scn_1","sta`},
	{"garbled JSON with 200", 200, "application/json", `{"success":true,"data":{"id":"scn_1"@@@`},
	{"success false SERVICE_UNAVAILABLE with 200", 200, "application/json", `{"success":false,"error":{"code":"SERVICE_UNAVAILABLE","message":"upstream timeout"}}`},
	{"success false RATE_LIMITED with 200", 200, "application/json", `{"success":false,"error":{"code":"RATE_LIMITED","message":"slow down"}}`},
	{"plain text 500", 500, "text/plain", "Internal Server Error"},
	{"empty 504", 504, "", ""},
}

// Bodies that are a complete, wrong answer: asking again gets the same one.
var permanentAnswers = []brokenAnswer{
	{"success false NOT_FOUND with 200", 200, "application/json", `{"success":false,"error":{"code":"NOT_FOUND","message":"x"}}`},
	{"success false INTERNAL_ERROR with 200", 200, "application/json", `{"success":false,"error":{"code":"INTERNAL_ERROR","message":"x"}}`},
	{"success true without data", 200, "application/json", `{"success":true}`},
	{"no success field", 200, "application/json", `{"data":{"id":"scn_1","status":"in_progress"}}`},
	{"wrong field type", 200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"in_progress","score":"high"}}`},
	{"scan without id", 200, "application/json", `{"success":true,"data":{"status":"in_progress"}}`},
	{"trailing data", 200, "application/json", `{"success":true,"data":{"id":"scn_1","status":"in_progress"}}{}`},
	{"HTML 404 (wrong base URL)", 404, "text/html", "<html><body>Not Found</body></html>"},
	{"empty 401", 401, "", ""},
}

func TestTransientMalformedAnswersAreRetried(t *testing.T) {
	for _, answer := range transientAnswers {
		t.Run(answer.name, func(t *testing.T) {
			c, gets := newFlakyClient(t, 1, answer.write)
			scan, err := c.GetScan(context.Background(), "scn_1")
			if err != nil || scan.ID != "scn_1" {
				t.Fatalf("GET: scan %+v, err %v", scan, err)
			}
			c, posts := newFlakyClient(t, 1, answer.write)
			if _, err := c.StartScan(context.Background(), StartScanRequest{ScanType: "compliance"}); err != nil {
				t.Fatalf("POST of the trigger: %v", err)
			}
			if gets.get() != 2 || posts.get() != 2 {
				t.Errorf("%d GETs and %d POSTs, want 2 of each (one retry)", gets.get(), posts.get())
			}
		})
	}
}

func TestPermanentMalformedAnswersAreNotRetried(t *testing.T) {
	for _, answer := range permanentAnswers {
		t.Run(answer.name, func(t *testing.T) {
			c, hits := newFlakyClient(t, everyRequest, answer.write)
			_, err := c.GetScan(context.Background(), "scn_1")
			if err == nil {
				t.Fatal("no error")
			}
			var malformed *MalformedResponseError
			var apiErr *APIError
			if !errors.As(err, &malformed) && !errors.As(err, &apiErr) {
				t.Errorf("err = %#v, want a typed error", err)
			}
			if hits.get() != 1 {
				t.Errorf("%d requests, want 1", hits.get())
			}
		})
	}
}

// Retries exhausted on broken bodies: the caller gets the typed error of the
// last answer, which names it and counts the attempts.
func TestTransientMalformedAnswersExhausted(t *testing.T) {
	c, hits := newFlakyClient(t, everyRequest, brokenAnswer{"", 200, "text/html", "<html>maintenance</html>"}.write,
		func(cfg *Config) { cfg.MaxRetries = new(2) })
	_, err := c.GetScan(context.Background(), "scn_1")
	var malformed *MalformedResponseError
	if !errors.As(err, &malformed) || !errors.Is(err, ErrMalformedResponse) {
		t.Fatalf("err = %#v, want *MalformedResponseError", err)
	}
	if malformed.StatusCode != 200 || malformed.ContentType != "text/html" || !strings.Contains(malformed.Snippet, "maintenance") {
		t.Errorf("malformed = %+v", malformed)
	}
	if hits.get() != 3 || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("%d requests, err %q; want 3 and the count in the message", hits.get(), err)
	}
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		t.Errorf("a malformed answer became an APIError: %v", err)
	}
}

// serviceUnavailableFor answers 503 with a Retry-After of retryAfter.
func serviceUnavailableFor(retryAfter string) func(http.ResponseWriter) {
	return func(w http.ResponseWriter) {
		w.Header().Set("Retry-After", retryAfter)
		writeAPIError(w, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable, "later")
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
