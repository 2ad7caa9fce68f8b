package aether365

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

func TestRateLimitSpreadsConcurrentRequests(t *testing.T) {
	t.Parallel()
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
	}, func(cfg *Config) { cfg.RequestsPerSecond = 20 }) // burst 20, then one per 50ms

	const n = 30
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Go(func() {
			_, err := c.GetScan(context.Background(), "scn_1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	// 10 requests beyond the burst at 20/s need about 500ms.
	if elapsed := time.Since(start); elapsed < 350*time.Millisecond || elapsed > 5*time.Second {
		t.Errorf("%d requests took %s, want about 500ms", n, elapsed)
	}
	if hits.get() != n {
		t.Errorf("%d requests served", hits.get())
	}
}

func TestRateLimitCoversRetries(t *testing.T) {
	t.Parallel()
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if hits.inc() <= 3 {
			writeAPIError(w, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable, "later")
			return
		}
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
	}, func(cfg *Config) { cfg.RequestsPerSecond = 10 }) // burst 10
	// Use up the burst, then one request with 3 retries needs 4 more slots.
	for range 10 {
		if !c.limiter.Allow() {
			t.Fatal("burst smaller than expected")
		}
	}
	start := time.Now()
	if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(start); elapsed < 250*time.Millisecond {
		t.Errorf("4 attempts took %s; retries bypassed the rate limit", elapsed)
	}
}

func TestRateLimitWaitIsContextAware(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
	}, func(cfg *Config) { cfg.RequestsPerSecond = 0.1 }) // one now, the next in 10s
	if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := c.GetScan(ctx, "scn_1")
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want DeadlineExceeded", err)
	}

	ctx2, cancel2 := context.WithCancel(context.Background())
	time.AfterFunc(50*time.Millisecond, cancel2)
	if _, err := c.GetScan(ctx2, "scn_1"); !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want Canceled", err)
	}
	if elapsed := time.Since(start); elapsed > 5*time.Second {
		t.Errorf("took %s", elapsed)
	}
	if hits.get() != 1 {
		t.Errorf("%d requests reached the server", hits.get())
	}
}
