package aether365

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"sync"
)

// ListResultsOptions filters and bounds ListResults.
type ListResultsOptions struct {
	// Result and Severity filter the list; empty means any.
	Result   string
	Severity string
	// MaxItems caps how many results are returned (0 = all).
	MaxItems int
	// PageSize is the page size asked for (0 = MaxPageSize).
	PageSize int
}

// ListResults returns every matching result of a completed scan
// (GET /scans/{id}/results) in the server's order, and the first page's meta:
// meta.Total is the server's total, which exceeds len(results) when MaxItems
// caps the list. A scan that is not completed is an error matching ErrConflict.
func (c *Client) ListResults(ctx context.Context, scanID string, opts ListResultsOptions) ([]Result, PageMeta, error) {
	if strings.TrimSpace(scanID) == "" {
		return nil, PageMeta{}, errors.New("aether365: a scan ID is required")
	}
	texts := newTextSet()
	return listAll[Result, resultsData](ctx, c, listRequest[Result]{
		path: "/scans/" + url.PathEscape(scanID) + "/results", noun: "results", onPage: texts.share,
		filters: []listFilter[Result]{
			{"result", opts.Result, func(r Result) string { return r.Result }},
			{"severity", opts.Severity, func(r Result) string { return r.Severity }},
		},
		maxItems: opts.MaxItems, pageSize: opts.PageSize,
	})
}

// textSet holds one copy of each text of a listing's results: a control's
// title, category, severity and its long description, remediation and link
// are the same for each of its subjects, so a listing of tens of thousands of
// results holds each text once instead of once per result, and the copies
// decoded from each page are garbage as soon as the page is. It lives as long
// as the listing (unique.Make would not do: its entries go with their last
// Handle, so a collection between pages made the later pages' texts copies).
type textSet struct {
	mu    sync.Mutex
	texts map[string]string
}

func newTextSet() *textSet { return &textSet{texts: map[string]string{}} }

// share makes every field of results but the ID the set's copy of its text.
// Pages are decoded concurrently, so it locks once a page.
func (s *textSet) share(results []Result) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := range results {
		r := &results[i]
		for _, field := range []*string{&r.ControlID, &r.Title, &r.Category, &r.Severity, &r.Result, &r.Description, &r.Remediation, &r.ReferenceURL} {
			if shared, ok := s.texts[*field]; ok {
				*field = shared
			} else {
				s.texts[*field] = *field
			}
		}
	}
}
