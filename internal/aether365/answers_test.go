package aether365

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// wantMalformedField asserts err is a *MalformedResponseError about field
// whose message contains every part of want.
func wantMalformedField(t *testing.T, err error, field string, want ...string) {
	t.Helper()
	var malformed *MalformedResponseError
	if !errors.As(err, &malformed) {
		t.Fatalf("err = %v, want a MalformedResponseError", err)
	}
	if malformed.Field != field {
		t.Errorf("Field = %q, want %q (err %v)", malformed.Field, field, err)
	}
	for _, w := range append(want, field) {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("err %q does not say %q", err, w)
		}
	}
	if errors.Is(err, ErrInconsistentPages) {
		t.Errorf("one contradictory answer reported as a list that changed: %v", err)
	}
}

func TestGetScanRejectsAnAnswerAboutAnotherScan(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeData(w, http.StatusOK, testScan("scn_other", ScanStatusCompleted))
	})
	_, err := c.GetScan(context.Background(), "scn_1")
	wantMalformedField(t, err, "data.id", "scn_other", "scn_1")
	_, err = c.WaitForScan(context.Background(), "scn_1", WaitOptions{})
	wantMalformedField(t, err, "data.id", "scn_other")
}

func TestGetTenantScanRejectsAScanOfAnotherTenant(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusCompleted)) // tenant testTenant
	})
	_, err := c.GetTenantScan(context.Background(), "tnt_other", "scn_1")
	wantMalformedField(t, err, "data.tenant_id", testTenant, "tnt_other")
	_, err = c.WaitForScan(context.Background(), "scn_1", WaitOptions{Tenant: "tnt_other"})
	wantMalformedField(t, err, "data.tenant_id", testTenant)
	for _, tenant := range []string{"", DefaultTenant, testTenant} {
		if _, err := c.GetTenantScan(context.Background(), tenant, "scn_1"); err != nil {
			t.Errorf("tenant %q: %v", tenant, err)
		}
	}
}

func TestScoresOutsideZeroToHundredAreRejected(t *testing.T) {
	for _, score := range []float64{-1, 100.5, 1e300} {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			s := testScan("scn_1", ScanStatusCompleted)
			s.Score = &score
			writeData(w, http.StatusOK, s)
		})
		_, err := c.GetScan(context.Background(), "scn_1")
		wantMalformedField(t, err, "data.score", "0 to 100")
	}
}

func TestWrongTypedFieldsSayWhichAndWhatWasExpected(t *testing.T) {
	for body, want := range map[string][]string{
		`{"success":true,"data":{"id":"scn_1","status":"completed","score":"85"}}`:              {"data.score", "string", "a number"},
		`{"success":true,"data":{"id":"scn_1","status":"completed","score":1e309}}`:             {"data.score", "1e309", "a number"},
		`{"success":true,"data":{"id":"scn_1","status":"completed","started_at":"yesterday"}}`:  {"yesterday", "RFC 3339"},
		`{"success":true,"data":{"id":"scn_1","status":"completed","pass_count":"87"}}`:         {"data.pass_count", "string", "a whole number"},
		`{"success":true,"data":[],"meta":{"total":0,"page":1,"limit":10,"totalPages":-1}}`:     {"meta.totalPages", "-1", "0 or more"},
		`{"success":true,"data":[],"meta":{"total":"many","page":1,"limit":10,"totalPages":1}}`: {"meta.total", "a whole number"},
	} {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = io.WriteString(w, body)
		})
		var err error
		if strings.Contains(body, `"meta"`) {
			_, _, err = c.ListResults(context.Background(), "scn_1", ListResultsOptions{PageSize: 10})
		} else {
			_, err = c.GetScan(context.Background(), "scn_1")
		}
		field := want[0]
		if !strings.Contains(field, ".") {
			field = "data"
		}
		wantMalformedField(t, err, field, want...)
	}
}

func TestListsContradictingTheRequestAreRejected(t *testing.T) {
	scans := func(statuses ...string) []Scan {
		var out []Scan
		for i, s := range statuses {
			out = append(out, testScan(fmt.Sprintf("scn_%d", i), s))
		}
		return out
	}
	t.Run("a running scan in a status=completed list", func(t *testing.T) {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			writeList(w, scans("completed", "in_progress"), metaFor(2, 1, 100))
		})
		_, err := c.LatestScan(context.Background(), "", ScanStatusCompleted, "")
		if err == nil {
			_, err = c.ListScans(context.Background(), "", ListScansOptions{Status: ScanStatusCompleted})
		}
		wantMalformedField(t, err, "data[1].status", "in_progress", "completed")
	})
	t.Run("another scan type", func(t *testing.T) {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			s := scans("completed")
			s[0].ScanType = "quick"
			writeList(w, s, metaFor(1, 1, 100))
		})
		_, err := c.ListScans(context.Background(), "", ListScansOptions{ScanType: "compliance"})
		wantMalformedField(t, err, "data[0].scan_type", "quick")
	})
	t.Run("a passed result in a result=failed list", func(t *testing.T) {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			writeList(w, []Result{{ID: "r1", Result: "failed"}, {ID: "r2", Result: "passed"}}, metaFor(2, 1, 200))
		})
		_, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{Result: "failed"})
		wantMalformedField(t, err, "data[1].result", "passed")
	})
	t.Run("a high result in a severity=Critical list, whatever the filter's case", func(t *testing.T) {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			writeList(w, []Result{{ID: "r1", Severity: "critical"}, {ID: "r2", Severity: "high"}}, metaFor(2, 1, 200))
		})
		_, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{Severity: "Critical"})
		wantMalformedField(t, err, "data[1].severity", "high", "Critical", "results were asked for")
	})
	for name, limit := range map[string]int{"meta.limit matching": 2, "meta.limit = 0": 0} {
		t.Run("more items than the limit asked for, "+name, func(t *testing.T) {
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				writeList(w, []Result{{ID: "r1"}, {ID: "r2"}, {ID: "r3"}}, PageMeta{Total: 3, Page: 1, Limit: limit, TotalPages: pages(2)})
			})
			_, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{PageSize: 2})
			wantMalformedField(t, err, "data", "3 items", "at most 2")
		})
	}
	t.Run("totalPages 0 with items", func(t *testing.T) {
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			writeList(w, []Result{{ID: "r1"}}, PageMeta{Total: 1, Page: 1, Limit: 200, TotalPages: pages(0)})
		})
		_, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
		wantMalformedField(t, err, "meta.totalPages", "is 0", "1 items")
	})
}

func TestOneReadIsCappedInTotal(t *testing.T) {
	srv := &resultServer{total: 2000}
	c, _ := newTestClient(t, srv.handle, func(cfg *Config) { cfg.MaxReadBytes = 64 << 10 })
	_, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	var tooLarge *ReadLimitError
	if !errors.As(err, &tooLarge) || !errors.Is(err, ErrReadLimit) || tooLarge.Limit != 64<<10 {
		t.Fatalf("err = %v, want a ReadLimitError for the 64 KiB cap", err)
	}
	for _, want := range []string{"max_results", "max_read_mib", "filters"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
	if got := len(srv.requestedPages()); got > 20 {
		t.Errorf("%d pages requested; the read should stop soon after the cap", got)
	}
	// Every page of the same list fits when the cap allows it.
	c, _ = newTestClient(t, srv.handle)
	if results, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{}); err != nil || len(results) != 2000 {
		t.Fatalf("%d results, err %v", len(results), err)
	}
}

// A body that drips slower than the per-attempt timeout is an
// AttemptTimeoutError naming the bound, not the caller's deadline.
func TestSlowDripBodyNamesThePerAttemptTimeout(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		w.WriteHeader(http.StatusOK)
		_, _ = io.WriteString(w, `{"success":true,`)
		_ = http.NewResponseController(w).Flush()
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}, func(cfg *Config) { cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond} })
	_, err := c.GetScan(context.Background(), "scn_1")
	var timeout *AttemptTimeoutError
	if !errors.As(err, &timeout) || timeout.Timeout != 50*time.Millisecond {
		t.Fatalf("err = %v, want an AttemptTimeoutError", err)
	}
	if errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("a per-attempt timeout matches context.DeadlineExceeded, so callers would advise raising their own timeout")
	}
	if !strings.Contains(err.Error(), "per-request timeout of 50ms") {
		t.Errorf("err %q does not name the bound", err)
	}
	if n := hits.get(); n != 2 {
		t.Errorf("%d attempts, want 2 (retried once)", n)
	}
}
