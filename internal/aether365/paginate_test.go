package aether365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

// resultServer serves GET /scans/{id}/results over total results, like the
// API: page/limit query, meta, a page past the end is empty.
type resultServer struct {
	total int
	delay time.Duration // per page after the first, so concurrency shows

	inFlight, maxInFlight atomic.Int32
	mu                    sync.Mutex
	pages                 []int
	queries               []string
}

func (s *resultServer) handle(w http.ResponseWriter, r *http.Request) {
	cur := s.inFlight.Add(1)
	defer s.inFlight.Add(-1)
	for {
		seen := s.maxInFlight.Load()
		if cur <= seen || s.maxInFlight.CompareAndSwap(seen, cur) {
			break
		}
	}
	page, _ := strconv.Atoi(r.URL.Query().Get("page"))
	limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
	s.mu.Lock()
	s.pages = append(s.pages, page)
	s.queries = append(s.queries, r.URL.RawQuery)
	s.mu.Unlock()
	if page > 1 {
		time.Sleep(s.delay)
	}
	items := []Result{}
	for i := (page - 1) * limit; i < min(page*limit, s.total); i++ {
		items = append(items, Result{ID: fmt.Sprintf("res_%05d", i), ControlID: "AAD-001", Result: "Failed", Severity: "Critical"})
	}
	writeList(w, items, PageMeta{Total: s.total, Page: page, Limit: limit, TotalPages: (s.total + limit - 1) / limit})
}

func (s *resultServer) requestedPages() []int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Sorted(slices.Values(s.pages))
}

func checkResultOrder(t *testing.T, results []Result, want int) {
	t.Helper()
	if len(results) != want {
		t.Fatalf("got %d results, want %d", len(results), want)
	}
	for i, r := range results {
		if r.ID != fmt.Sprintf("res_%05d", i) {
			t.Fatalf("result %d is %s: out of order", i, r.ID)
		}
	}
}

func TestListResultsOnePage(t *testing.T) {
	srv := &resultServer{total: 42}
	c, _ := newTestClient(t, srv.handle)
	results, meta, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{Result: "Failed", Severity: "Critical"})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 42)
	if meta != (PageMeta{Total: 42, Page: 1, Limit: 100, TotalPages: 1}) {
		t.Errorf("meta = %+v", meta)
	}
	if q := srv.queries[0]; q != "limit=100&page=1&result=Failed&severity=Critical" {
		t.Errorf("query = %q", q)
	}
}

func TestListResultsManyPagesConcurrently(t *testing.T) {
	srv := &resultServer{total: 1050, delay: 20 * time.Millisecond}
	c, _ := newTestClient(t, srv.handle, func(cfg *Config) { cfg.PageConcurrency = 3 })
	results, meta, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 1050)
	if meta.Total != 1050 || meta.TotalPages != 11 {
		t.Errorf("meta = %+v", meta)
	}
	if got := srv.requestedPages(); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11}) {
		t.Errorf("pages fetched = %v", got)
	}
	if peak := srv.maxInFlight.Load(); peak < 2 || peak > 3 {
		t.Errorf("peak in-flight pages = %d, want 2..3", peak)
	}
}

func TestListResultsEmpty(t *testing.T) {
	srv := &resultServer{total: 0}
	c, _ := newTestClient(t, srv.handle)
	results, meta, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if results == nil || len(results) != 0 || meta.TotalPages != 0 {
		t.Errorf("results %v meta %+v", results, meta)
	}
	if len(srv.requestedPages()) != 1 {
		t.Errorf("pages = %v", srv.requestedPages())
	}
}

func TestListResultsMaxItems(t *testing.T) {
	srv := &resultServer{total: 1050}
	c, _ := newTestClient(t, srv.handle)
	results, meta, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{MaxItems: 250})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 250)
	if meta.Total != 1050 {
		t.Errorf("meta.Total = %d, want the server's total", meta.Total)
	}
	if got := srv.requestedPages(); !slices.Equal(got, []int{1, 2, 3}) {
		t.Errorf("pages fetched = %v, want only 1..3", got)
	}

	// Fewer than a page: the page size shrinks to fit, one request.
	srv = &resultServer{total: 1050}
	c, _ = newTestClient(t, srv.handle)
	results, _, err = c.ListResults(context.Background(), "scn_1", ListResultsOptions{MaxItems: 7, PageSize: 50})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 7)
	if len(srv.queries) != 1 || srv.queries[0] != "limit=7&page=1" {
		t.Errorf("queries = %v", srv.queries)
	}

	// More than there are.
	srv = &resultServer{total: 30}
	c, _ = newTestClient(t, srv.handle)
	results, _, err = c.ListResults(context.Background(), "scn_1", ListResultsOptions{MaxItems: 500, PageSize: 10})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 30)
}

func TestListResultsNotCompleted(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		writeAPIError(w, http.StatusConflict, apicode.ScanNotCompleted, "Scan is running")
	})
	_, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if !errors.Is(err, ErrConflict) {
		t.Errorf("err = %v", err)
	}
	if _, _, err := c.ListResults(context.Background(), "", ListResultsOptions{}); err == nil {
		t.Error("empty scan ID accepted")
	}
	if _, _, err := c.ListResults(context.Background(), "x", ListResultsOptions{PageSize: -1}); err == nil {
		t.Error("negative page size accepted")
	}
}

// intPages is a well-behaved PageFetcher over the integers 0..total-1.
func intPages(total, pageSize int) pageFetcher[int] {
	return func(ctx context.Context, page int) ([]int, PageMeta, error) {
		var items []int
		for i := (page - 1) * pageSize; i < min(page*pageSize, total); i++ {
			items = append(items, i)
		}
		return items, PageMeta{Total: total, Page: page, Limit: pageSize, TotalPages: (total + pageSize - 1) / pageSize}, nil
	}
}

func TestPaginateWithoutItemKeys(t *testing.T) {
	items, meta, err := paginate(context.Background(), intPages(95, 10), paginateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 95 || items[94] != 94 || meta.TotalPages != 10 {
		t.Errorf("items %v meta %+v", items, meta)
	}
	items, _, err = paginate(context.Background(), intPages(95, 10), paginateOptions{MaxItems: 33})
	if err != nil || len(items) != 33 || items[32] != 32 {
		t.Errorf("items %v err %v", items, err)
	}
}

func TestPaginateResultsInPageOrderDespiteCompletionOrder(t *testing.T) {
	fetch := func(ctx context.Context, page int) ([]int, PageMeta, error) {
		time.Sleep(time.Duration(10-page) * 2 * time.Millisecond) // later pages finish first
		return intPages(100, 10)(ctx, page)
	}
	items, _, err := paginate(context.Background(), fetch, paginateOptions{Concurrency: 9})
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range items {
		if v != i {
			t.Fatalf("items out of order: %v", items)
		}
	}
}

func TestPaginateNeverEndingServer(t *testing.T) {
	var calls atomic.Int32
	fetch := func(ctx context.Context, page int) ([]Result, PageMeta, error) {
		n := int(calls.Add(1))
		items := []Result{{ID: fmt.Sprintf("res_%d", n)}}
		return items, PageMeta{Total: n + 1, Page: page, Limit: 1, TotalPages: n + 1}, nil
	}
	_, _, err := paginate(context.Background(), fetch, paginateOptions{})
	if !errors.Is(err, ErrInconsistentPages) {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() > 10 {
		t.Errorf("kept fetching: %d calls", calls.Load())
	}
}

func TestPaginateInconsistentServers(t *testing.T) {
	base := intPages(300, 100)
	tests := []struct {
		name  string
		fetch pageFetcher[Result]
		opts  paginateOptions
	}{
		{name: "repeated page", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			items := []Result{{ID: "a"}, {ID: "b"}}
			if page == 3 {
				items = []Result{{ID: "c"}, {ID: "d"}}
			}
			return items, PageMeta{Total: 6, Page: page, Limit: 2, TotalPages: 3}, nil
		}},
		{name: "duplicate within a page", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			return []Result{{ID: "a"}, {ID: "a"}}, PageMeta{Total: 2, Page: 1, Limit: 2, TotalPages: 1}, nil
		}},
		{name: "total changes", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			_, meta, _ := base(ctx, page)
			if page == 2 {
				meta.Total = 299
			}
			return resultsFor(page, 100), meta, nil
		}},
		{name: "page count shrinks", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			_, meta, _ := base(ctx, page)
			if page == 3 {
				meta.TotalPages = 2
			}
			return resultsFor(page, 100), meta, nil
		}},
		{name: "page larger than the limit", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			_, meta, _ := base(ctx, page)
			n := 100
			if page == 2 {
				n = 101
			}
			return resultsFor(page, n), meta, nil
		}},
		{name: "wrong page echoed", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			_, meta, _ := base(ctx, page)
			meta.Page = 1
			return resultsFor(page, 100), meta, nil
		}},
		{name: "short page that does not add up", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			_, meta, _ := base(ctx, page)
			n := 100
			if page == 2 {
				n = 50
			}
			return resultsFor(page, n), meta, nil
		}},
		{name: "items in a list of zero pages", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			return resultsFor(1, 3), PageMeta{Total: 3, Page: 1, Limit: 100, TotalPages: 0}, nil
		}},
		{name: "more pages than MaxPages", opts: paginateOptions{MaxPages: 2}, fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			_, meta, _ := base(ctx, page)
			return resultsFor(page, 100), meta, nil
		}},
		{name: "absurd page count", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			return resultsFor(1, 1), PageMeta{Total: 1 << 30, Page: 1, Limit: 1, TotalPages: 1 << 30}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := paginate(context.Background(), tt.fetch, tt.opts)
			if !errors.Is(err, ErrInconsistentPages) {
				t.Errorf("err = %v, want an inconsistent-pagination error", err)
			}
		})
	}
}

func resultsFor(page, n int) []Result {
	out := make([]Result, n)
	for i := range out {
		out[i] = Result{ID: fmt.Sprintf("res_%d_%d", page, i)}
	}
	return out
}

func TestPaginateConsistentShortPageIsFine(t *testing.T) {
	fetch := func(ctx context.Context, page int) ([]Result, PageMeta, error) {
		n := 100
		if page == 2 {
			n = 50
		}
		return resultsFor(page, n), PageMeta{Total: 250, Page: page, Limit: 100, TotalPages: 3}, nil
	}
	items, _, err := paginate(context.Background(), fetch, paginateOptions{})
	if err != nil || len(items) != 250 {
		t.Errorf("%d items, err %v", len(items), err)
	}
}

func TestPaginateFailingPageCancelsTheRest(t *testing.T) {
	boom := errors.New("boom")
	var cancelled atomic.Int32
	fetch := func(ctx context.Context, page int) ([]Result, PageMeta, error) {
		meta := PageMeta{Total: 1000, Page: page, Limit: 100, TotalPages: 10}
		switch page {
		case 1:
			return resultsFor(1, 100), meta, nil
		case 3:
			time.Sleep(5 * time.Millisecond)
			return nil, PageMeta{}, boom
		}
		select {
		case <-ctx.Done():
			cancelled.Add(1)
			return nil, PageMeta{}, ctx.Err()
		case <-time.After(30 * time.Second):
			return resultsFor(page, 100), meta, nil
		}
	}
	start := time.Now()
	_, _, err := paginate(context.Background(), fetch, paginateOptions{Concurrency: 4})
	if !errors.Is(err, boom) {
		t.Fatalf("err = %v, want the failing page's error", err)
	}
	if errors.Is(err, context.Canceled) {
		t.Errorf("err = %v: the cancellation of the others hid the cause", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %s: the other pages were not cancelled", elapsed)
	}
	if cancelled.Load() == 0 {
		t.Errorf("no in-flight page saw the cancellation")
	}
}

func TestPaginateContextCancellation(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	fetch := func(ctx context.Context, page int) ([]int, PageMeta, error) {
		if page == 1 {
			return intPages(1000, 10)(ctx, page)
		}
		if page == 5 {
			cancel()
		}
		select {
		case <-ctx.Done():
			return nil, PageMeta{}, ctx.Err()
		case <-time.After(30 * time.Second):
			return intPages(1000, 10)(ctx, page)
		}
	}
	start := time.Now()
	_, _, err := paginate(ctx, fetch, paginateOptions{Concurrency: 8})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v", err)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("took %s", elapsed)
	}

}

func TestListScansAndLatestScan(t *testing.T) {
	var (
		mu      sync.Mutex
		queries []string
	)
	scans := []Scan{testScan("scn_3", ScanStatusCompleted), testScan("scn_2", ScanStatusCompleted), testScan("scn_1", ScanStatusCompleted)}
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/tenants/me/scans" && r.URL.Path != "/tenants/empty/scans" {
			t.Errorf("path %s", r.URL.Path)
		}
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		list := scans
		if r.URL.Path == "/tenants/empty/scans" {
			list = nil
		}
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		data := []Scan{}
		for i := (page - 1) * limit; i < min(page*limit, len(list)); i++ {
			data = append(data, list[i])
		}
		writeList(w, data, PageMeta{Total: len(list), Page: page, Limit: limit, TotalPages: (len(list) + limit - 1) / limit})
	})
	got, err := c.ListScans(context.Background(), "", ListScansOptions{Status: "completed", ScanType: "compliance", PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "scn_3" || got[2].ID != "scn_1" {
		t.Errorf("scans = %+v", got)
	}
	if queries[0] != "limit=2&page=1&scan_type=compliance&status=completed" {
		t.Errorf("query = %q", queries[0])
	}

	queries = nil
	latest, err := c.LatestScan(context.Background(), "", "completed", "")
	if err != nil {
		t.Fatal(err)
	}
	if latest.ID != "scn_3" || len(queries) != 1 || queries[0] != "limit=1&page=1&status=completed" {
		t.Errorf("latest = %+v after queries %v", latest, queries)
	}

	_, err = c.LatestScan(context.Background(), "empty", "", "")
	if !errors.Is(err, ErrNoScan) {
		t.Errorf("err = %v, want ErrNoScan", err)
	}
}

func BenchmarkPaginate(b *testing.B) {
	fetch := func(ctx context.Context, page int) ([]Result, PageMeta, error) {
		return resultsFor(page, 100), PageMeta{Total: 10000, Page: page, Limit: 100, TotalPages: 100}, nil
	}
	for b.Loop() {
		if _, _, err := paginate(context.Background(), fetch, paginateOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestListResultsDefaultConcurrencyBoundsInFlightPages(t *testing.T) {
	// 3,000 results: page 1, then 29 pages with at most defaultPageConcurrency in flight.
	srv := &resultServer{total: 3000, delay: 20 * time.Millisecond}
	c, _ := newTestClient(t, srv.handle)
	results, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 3000)
	if peak := srv.maxInFlight.Load(); peak > defaultPageConcurrency || peak < 2 {
		t.Errorf("peak in-flight pages = %d, want 2..%d", peak, defaultPageConcurrency)
	}
}

func TestPaginateDefaultConcurrencyBoundsInFlightPages(t *testing.T) {
	var inFlight, peak atomic.Int32
	fetch := func(ctx context.Context, page int) ([]int, PageMeta, error) {
		if page > 1 {
			cur := inFlight.Add(1)
			defer inFlight.Add(-1)
			for seen := peak.Load(); cur > seen && !peak.CompareAndSwap(seen, cur); seen = peak.Load() {
			}
			time.Sleep(5 * time.Millisecond)
		}
		return intPages(500, 10)(ctx, page)
	}
	items, _, err := paginate(context.Background(), fetch, paginateOptions{})
	if err != nil || len(items) != 500 {
		t.Fatalf("%d items, err %v", len(items), err)
	}
	if got := peak.Load(); got > defaultPageConcurrency {
		t.Errorf("peak in-flight pages = %d, more than the default %d", got, defaultPageConcurrency)
	}
}

func TestListResultsRateLimitPacesAllWorkers(t *testing.T) {
	// 21 pages at 20 requests per second (burst 20, then one every 50 ms):
	// however many workers ask, the 21st request waits for its slot. Only a
	// lower bound is checked, so a slow machine cannot fail it.
	srv := &resultServer{total: 2100}
	c, _ := newTestClient(t, srv.handle, func(cfg *Config) { cfg.RequestsPerSecond = 20 })
	started := time.Now()
	if _, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(started); took < 40*time.Millisecond {
		t.Errorf("21 requests at 20/s took %s: the limiter did not pace the page workers", took)
	}
}
