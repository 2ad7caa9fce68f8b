package aether365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/simulator/simtest"
)

// resultServer serves GET /scans/{id}/results over total results, like the
// API: page/limit query, meta, a page past the end is empty.
type resultServer struct {
	total int
	delay time.Duration // per page after the first, so concurrency shows
	// withTotalPages adds the REST API Automation guide's meta.totalPages
	// to the reference's {total, page, limit}.
	withTotalPages bool

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
		items = append(items, Result{ID: fmt.Sprintf("res_%05d", i), ScanID: "scn_1", TestID: "CIS.M365.1.1.1",
			Result: "failed", Severity: "critical", Framework: "cis"})
	}
	meta := metaFor(s.total, page, limit)
	if s.withTotalPages {
		meta = metaWithPages(s.total, page, limit)
	}
	writeList(w, items, meta)
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

// Results are read 200 at a time, the reference's largest page, with the
// filters as given (the reference spells them in lower case). Fails against
// the old client, which read 100 at a time and had no framework filter.
func TestListResultsOnePage(t *testing.T) {
	srv := &resultServer{total: 142}
	c, _ := newTestClient(t, srv.handle)
	results, meta, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{Result: "failed", Severity: "critical", Framework: "cis"})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 142)
	if !reflect.DeepEqual(meta, metaFor(142, 1, 200)) {
		t.Errorf("meta = %+v", meta)
	}
	if q := srv.queries; len(q) != 1 || q[0] != "framework=cis&limit=200&page=1&result=failed&severity=critical" {
		t.Errorf("queries = %q, want one page of 200 with the three filters", q)
	}
}

// The default page of results is MaxResultPageSize (200) and a larger
// PageSize is capped to it; scans keep theirs (100). Fails against the old
// client (100 for both).
func TestListPageSizesFollowTheReference(t *testing.T) {
	if MaxResultPageSize != 200 || MaxScanPageSize != 100 {
		t.Fatalf("MaxResultPageSize %d, MaxScanPageSize %d; the reference says 200 and 100", MaxResultPageSize, MaxScanPageSize)
	}
	for pageSize, want := range map[int][]string{
		0:   {"limit=200&page=1", "limit=200&page=2", "limit=200&page=3"},
		500: {"limit=200&page=1", "limit=200&page=2", "limit=200&page=3"},
		150: {"limit=150&page=1", "limit=150&page=2", "limit=150&page=3"},
	} {
		srv := &resultServer{total: 450}
		c, _ := newTestClient(t, srv.handle)
		results, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{PageSize: pageSize})
		if err != nil {
			t.Fatal(err)
		}
		checkResultOrder(t, results, 450)
		if got := slices.Sorted(slices.Values(srv.queries)); !slices.Equal(got, want) {
			t.Errorf("PageSize %d: queries %q, want %q", pageSize, got, want)
		}
	}
	var queries []string
	var mu sync.Mutex
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		queries = append(queries, r.URL.RawQuery)
		mu.Unlock()
		writeList(w, []Scan{}, metaFor(0, 1, 100))
	})
	for _, pageSize := range []int{0, 150} {
		if _, err := c.ListScans(context.Background(), "", ListScansOptions{PageSize: pageSize}); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(queries, []string{"limit=100&page=1", "limit=100&page=1"}) {
		t.Errorf("scan queries %q, want pages of 100", queries)
	}
}

// The framework filter is sent, and a result of another framework in the
// answer is caught, whatever the case of the value asked for. Fails against
// the old client, which had no framework filter.
func TestListResultsFrameworkFilter(t *testing.T) {
	var query string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		query = r.URL.RawQuery
		framework := api.Framework(r.URL.Query().Get("framework"))
		writeList(w, []Result{{ID: "r1", Framework: framework}, {ID: "r2", Framework: "cis"}}, metaFor(2, 1, 200))
	})
	results, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{Framework: "cis"})
	if err != nil || len(results) != 2 {
		t.Fatalf("%d results, err %v", len(results), err)
	}
	if query != "framework=cis&limit=200&page=1" {
		t.Errorf("query = %q", query)
	}
	_, _, err = c.ListResults(context.Background(), "scn_1", ListResultsOptions{Framework: "NIS2"})
	wantMalformedField(t, err, "data[1].framework", `"cis"`, `"NIS2"`)
	if query != "framework=NIS2&limit=200&page=1" {
		t.Errorf("query = %q", query)
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
	if meta.Total != 1050 || meta.TotalPages != nil || PageCount(meta) != 6 {
		t.Errorf("meta = %+v", meta)
	}
	if got := srv.requestedPages(); !slices.Equal(got, []int{1, 2, 3, 4, 5, 6}) {
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
	if results == nil || len(results) != 0 || PageCount(meta) != 0 {
		t.Errorf("results %v meta %+v", results, meta)
	}
	if len(srv.requestedPages()) != 1 {
		t.Errorf("pages = %v", srv.requestedPages())
	}
}

func TestListResultsMaxItems(t *testing.T) {
	srv := &resultServer{total: 1050}
	c, _ := newTestClient(t, srv.handle)
	results, meta, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{MaxItems: 450})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 450)
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
		writeAPIError(w, http.StatusConflict, api.ErrorCodeScanNotCompleted, "Scan is running")
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
// intPages serves the numbers 0..total-1 in pages of ten.
func intPages(total int) pageFetcher[int] {
	const pageSize = 10
	return func(ctx context.Context, page int) ([]int, PageMeta, error) {
		var items []int
		for i := (page - 1) * pageSize; i < min(page*pageSize, total); i++ {
			items = append(items, i)
		}
		return items, metaFor(total, page, pageSize), nil
	}
}

func TestPaginateWithoutItemKeys(t *testing.T) {
	items, meta, err := paginate(context.Background(), intPages(95), paginateOptions[int]{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 95 || items[94] != 94 || PageCount(meta) != 10 {
		t.Errorf("items %v meta %+v", items, meta)
	}
	items, _, err = paginate(context.Background(), intPages(95), paginateOptions[int]{MaxItems: 33})
	if err != nil || len(items) != 33 || items[32] != 32 {
		t.Errorf("items %v err %v", items, err)
	}
}

func TestPaginateResultsInPageOrderDespiteCompletionOrder(t *testing.T) {
	fetch := func(ctx context.Context, page int) ([]int, PageMeta, error) {
		time.Sleep(time.Duration(10-page) * 2 * time.Millisecond) // later pages finish first
		return intPages(100)(ctx, page)
	}
	items, _, err := paginate(context.Background(), fetch, paginateOptions[int]{Concurrency: 9})
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
		return items, PageMeta{Total: n + 1, Page: page, Limit: 1, TotalPages: pages(n + 1)}, nil
	}
	_, _, err := paginate(context.Background(), fetch, paginateOptions[Result]{})
	if !errors.Is(err, ErrInconsistentPages) {
		t.Fatalf("err = %v", err)
	}
	if calls.Load() > 10 {
		t.Errorf("kept fetching: %d calls", calls.Load())
	}
}

// metaServer is a list of total results in pages of limit whose meta is
// meta(page) (metaFor(total, page, limit) when it returns the zero value)
// and whose page n holds items(n) results (limit, the last one less, when
// nil).
func metaServer(total, limit int, meta func(page int) PageMeta, items func(page int) int) pageFetcher[Result] {
	return func(ctx context.Context, page int) ([]Result, PageMeta, error) {
		m := metaFor(total, page, limit)
		if meta != nil {
			if custom := meta(page); custom != (PageMeta{}) {
				m = custom
			}
		}
		n := max(0, min(limit, total-(page-1)*limit))
		if items != nil {
			n = items(page)
		}
		return resultsFor(page, n), m, nil
	}
}

// The reference's meta is {total, page, limit}: the page count is
// ceil(total/limit), and totalPages, which only the REST API Automation
// guide shows, is used when it is there. Fails against the old client,
// which required totalPages and rejected any non-empty list without it.
func TestPaginatePagesFromTotalAndLimit(t *testing.T) {
	for _, tt := range []struct {
		name         string
		total, limit int
		totalPages   *int
		wantPages    int
	}{
		{"no totalPages, last page short", 250, 100, nil, 3},
		{"no totalPages, pages exactly full", 300, 100, nil, 3},
		{"no totalPages, one item", 1, 200, nil, 1},
		{"no totalPages, empty", 0, 50, nil, 0},
		{"totalPages present", 250, 100, pages(3), 3},
		{"totalPages 0, empty", 0, 50, pages(0), 0},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var fetched atomic.Int32
			fetch := metaServer(tt.total, tt.limit, func(page int) PageMeta {
				fetched.Add(1)
				return PageMeta{Total: tt.total, Page: page, Limit: tt.limit, TotalPages: tt.totalPages}
			}, nil)
			items, meta, err := paginate(context.Background(), fetch, paginateOptions[Result]{Key: resultKey})
			if err != nil {
				t.Fatal(err)
			}
			if len(items) != tt.total || PageCount(meta) != tt.wantPages || int(fetched.Load()) != max(tt.wantPages, 1) {
				t.Errorf("%d items over %d requests, page count %d; want %d items over %d pages",
					len(items), fetched.Load(), PageCount(meta), tt.total, tt.wantPages)
			}
		})
	}
}

// The same through the client, for results and for scans, against answers
// whose meta has no totalPages, as the reference shows it (and, for
// results, with it). Fails against the old client, which rejected a
// non-empty page without totalPages as malformed.
func TestListsWithoutTotalPages(t *testing.T) {
	srv := &resultServer{total: 450}
	c, _ := newTestClient(t, srv.handle)
	results, meta, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 450)
	if meta.TotalPages != nil || !slices.Equal(srv.requestedPages(), []int{1, 2, 3}) {
		t.Errorf("meta %+v, pages %v; want pages 1..3 from total 450 and limit 200", meta, srv.requestedPages())
	}
	srv = &resultServer{total: 450, withTotalPages: true}
	c, _ = newTestClient(t, srv.handle)
	results, meta, err = c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 450)
	if meta.TotalPages == nil || *meta.TotalPages != 3 || !slices.Equal(srv.requestedPages(), []int{1, 2, 3}) {
		t.Errorf("meta %+v, pages %v; want totalPages 3 and pages 1..3", meta, srv.requestedPages())
	}

	scans := make([]Scan, 250)
	for i := range scans {
		scans[i] = testScan(fmt.Sprintf("scn_%03d", i), ScanStatusCompleted)
	}
	c, _ = newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		page, _ := strconv.Atoi(r.URL.Query().Get("page"))
		limit, _ := strconv.Atoi(r.URL.Query().Get("limit"))
		writeList(w, scans[min((page-1)*limit, len(scans)):min(page*limit, len(scans))], metaFor(len(scans), page, limit))
	})
	got, err := c.ListScans(context.Background(), "", ListScansOptions{})
	if err != nil || len(got) != 250 || got[249].ID != "scn_249" {
		t.Fatalf("%d scans, err %v", len(got), err)
	}
}

// Pages whose metas contradict each other, or the items served, fail the
// listing rather than return a wrong list, with totalPages or without it.
// The cases without totalPages fail against the old client for the wrong
// reason: it rejected the first page already.
func TestPaginateInconsistentServers(t *testing.T) {
	tests := []struct {
		name  string
		fetch pageFetcher[Result]
		opts  paginateOptions[Result]
	}{
		{name: "repeated page", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			items := []Result{{ID: "a"}, {ID: "b"}}
			if page == 3 {
				items = []Result{{ID: "c"}, {ID: "d"}}
			}
			return items, metaFor(6, page, 2), nil
		}},
		{name: "duplicate within a page", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			return []Result{{ID: "a"}, {ID: "a"}}, metaFor(2, 1, 2), nil
		}},
		{name: "total changes, no totalPages", fetch: metaServer(300, 100, func(page int) PageMeta {
			if page == 2 {
				return metaFor(299, page, 100)
			}
			return PageMeta{}
		}, nil)},
		{name: "total changes the page count, no totalPages", fetch: metaServer(300, 100, func(page int) PageMeta {
			if page == 3 {
				return metaFor(150, page, 100)
			}
			return PageMeta{}
		}, nil)},
		{name: "limit changes, no totalPages", fetch: metaServer(300, 100, func(page int) PageMeta {
			if page == 2 {
				return metaFor(300, page, 150)
			}
			return PageMeta{}
		}, nil)},
		{name: "totalPages shrinks", fetch: metaServer(300, 100, func(page int) PageMeta {
			m := metaWithPages(300, page, 100)
			if page == 3 {
				m.TotalPages = pages(2)
			}
			return m
		}, nil)},
		{name: "totalPages appears and contradicts total/limit", fetch: metaServer(300, 100, func(page int) PageMeta {
			m := metaFor(300, page, 100)
			if page == 2 {
				m.TotalPages = pages(4)
			}
			return m
		}, nil)},
		{name: "totalPages fewer than total/limit needs", fetch: metaServer(300, 100, func(page int) PageMeta {
			m := metaFor(300, page, 100)
			m.TotalPages = pages(2)
			return m
		}, nil)},
		{name: "page larger than the limit", fetch: metaServer(300, 100, nil, func(page int) int {
			if page == 2 {
				return 101
			}
			return 100
		})},
		{name: "wrong page echoed", fetch: metaServer(300, 100, func(page int) PageMeta { return metaFor(300, 1, 100) }, nil)},
		{name: "short page that does not add up", fetch: metaServer(300, 100, nil, func(page int) int {
			if page == 2 {
				return 50
			}
			return 100
		})},
		{name: "fewer items than total on the only page, no totalPages", fetch: metaServer(5, 100, nil, func(int) int { return 3 })},
		{name: "limit 0 and fewer items than total", fetch: metaServer(5, 0, func(page int) PageMeta { return metaFor(5, page, 0) }, func(int) int { return 3 })},
		{name: "more items than total", fetch: metaServer(2, 100, nil, func(int) int { return 3 })},
		{name: "items in a list of zero pages", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			return resultsFor(1, 3), PageMeta{Total: 3, Page: 1, Limit: 100, TotalPages: pages(0)}, nil
		}},
		{name: "items in a list of total 0, no totalPages", fetch: metaServer(0, 100, nil, func(int) int { return 3 })},
		{name: "more pages than MaxPages", opts: paginateOptions[Result]{MaxPages: 2}, fetch: metaServer(300, 100, nil, nil)},
		{name: "absurd page count from total/limit", fetch: metaServer(1<<30, 1, nil, nil)},
		{name: "absurd totalPages", fetch: func(ctx context.Context, page int) ([]Result, PageMeta, error) {
			return resultsFor(1, 1), PageMeta{Total: 1 << 30, Page: 1, Limit: 1, TotalPages: pages(1 << 30)}, nil
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := tt.opts
			opts.Key = resultKey
			_, _, err := paginate(context.Background(), tt.fetch, opts)
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

// A short page in the middle is fine when the pages add up to the total;
// so is a meta that adds totalPages on a later page when it agrees with
// total/limit, and a limit of 0 when everything is on the one page. The
// last two fail against the old client, which required totalPages.
func TestPaginateConsistentOdditiesAreFine(t *testing.T) {
	for name, fetch := range map[string]pageFetcher[Result]{
		"short page": metaServer(250, 100, nil, func(page int) int {
			if page == 2 {
				return 50
			}
			return 100
		}),
		"totalPages on page 2 only, agreeing": metaServer(250, 100, func(page int) PageMeta {
			if page == 2 {
				return metaWithPages(250, page, 100)
			}
			return PageMeta{}
		}, nil),
		"limit 0, one page": metaServer(3, 0, func(page int) PageMeta { return metaFor(3, page, 0) }, func(int) int { return 3 }),
	} {
		want := 250
		if name == "limit 0, one page" {
			want = 3
		}
		items, _, err := paginate(context.Background(), fetch, paginateOptions[Result]{Key: resultKey})
		if err != nil || len(items) != want {
			t.Errorf("%s: %d items, err %v", name, len(items), err)
		}
	}
}

func TestPaginateFailingPageCancelsTheRest(t *testing.T) {
	boom := errors.New("boom")
	var cancelled atomic.Int32
	fetch := func(ctx context.Context, page int) ([]Result, PageMeta, error) {
		meta := metaFor(1000, page, 100)
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
	_, _, err := paginate(context.Background(), fetch, paginateOptions[Result]{Concurrency: 4})
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
			return intPages(1000)(ctx, page)
		}
		if page == 5 {
			cancel()
		}
		select {
		case <-ctx.Done():
			return nil, PageMeta{}, ctx.Err()
		case <-time.After(30 * time.Second):
			return intPages(1000)(ctx, page)
		}
	}
	start := time.Now()
	_, _, err := paginate(ctx, fetch, paginateOptions[int]{Concurrency: 8})
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
	// Listed in no particular order (the reference does not say which): the
	// latest is the one that started last.
	scans := []Scan{testScan("scn_2", ScanStatusCompleted), testScan("scn_3", ScanStatusCompleted), testScan("scn_1", ScanStatusCompleted)}
	scans[0].StartedAt = simtest.Epoch.Add(time.Hour)
	scans[1].StartedAt = simtest.Epoch.Add(2 * time.Hour)
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
		writeList(w, data, metaFor(len(list), page, limit))
	})
	got, err := c.ListScans(context.Background(), "", ListScansOptions{Status: "completed", ScanType: "compliance", PageSize: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0].ID != "scn_2" || got[1].ID != "scn_3" || got[2].ID != "scn_1" {
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
	if latest.ID != "scn_3" || len(queries) != 1 || queries[0] != "limit=100&page=1&status=completed" {
		t.Errorf("latest = %+v after queries %v", latest, queries)
	}

	_, err = c.LatestScan(context.Background(), "empty", "", "")
	if !errors.Is(err, ErrNoScan) {
		t.Errorf("err = %v, want ErrNoScan", err)
	}
}

func BenchmarkPaginate(b *testing.B) {
	fetch := func(ctx context.Context, page int) ([]Result, PageMeta, error) {
		return resultsFor(page, 100), metaFor(10000, page, 100), nil
	}
	for b.Loop() {
		if _, _, err := paginate(context.Background(), fetch, paginateOptions[Result]{}); err != nil {
			b.Fatal(err)
		}
	}
}

func TestListResultsDefaultConcurrencyBoundsInFlightPages(t *testing.T) {
	// 6,000 results: page 1, then 29 pages with at most defaultPageConcurrency in flight.
	srv := &resultServer{total: 6000, delay: 20 * time.Millisecond}
	c, _ := newTestClient(t, srv.handle)
	results, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	checkResultOrder(t, results, 6000)
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
		return intPages(500)(ctx, page)
	}
	items, _, err := paginate(context.Background(), fetch, paginateOptions[int]{})
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
	srv := &resultServer{total: 21 * MaxResultPageSize}
	c, _ := newTestClient(t, srv.handle, func(cfg *Config) { cfg.RequestsPerSecond = 20 })
	started := time.Now()
	if _, _, err := c.ListResults(context.Background(), "scn_1", ListResultsOptions{}); err != nil {
		t.Fatal(err)
	}
	if took := time.Since(started); took < 40*time.Millisecond {
		t.Errorf("21 requests at 20/s took %s: the limiter did not pace the page workers", took)
	}
}
