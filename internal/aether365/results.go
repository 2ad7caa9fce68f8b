package aether365

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// ListResultsOptions filters and bounds ListResults.
type ListResultsOptions struct {
	// Result, Severity and Framework filter the list; empty means any. The
	// API spells them in lower case ("failed", "critical", "cis").
	Result    string
	Severity  string
	Framework string
	// MaxItems caps how many results are returned (0 = all).
	MaxItems int
	// PageSize is the page size asked for (0 = MaxResultPageSize).
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
		path: scanPath(scanID) + "/results", noun: "results", onPage: texts.share,
		filters: []listFilter[Result]{
			{"result", opts.Result, func(r Result) string { return string(r.Result) }},
			{"severity", opts.Severity, func(r Result) string { return string(r.Severity) }},
			{"framework", opts.Framework, func(r Result) string { return string(r.Framework) }},
		},
		maxItems: opts.MaxItems, pageSize: opts.PageSize, maxPageSize: MaxResultPageSize, key: resultKey,
	})
}

// GetResult reads one result of a scan by its test ID (for example
// CIS.M365.1.1.1): GET /scans/{id}/results/{testId}. An unknown test ID is an
// error matching ErrNotFound; an answer about another check is a
// *MalformedResponseError naming data.test_id.
func (c *Client) GetResult(ctx context.Context, scanID, testID string) (*Result, error) {
	if strings.TrimSpace(scanID) == "" || strings.TrimSpace(testID) == "" {
		return nil, errors.New("aether365: a scan ID and a test ID are required")
	}
	result := oneResult{wantTestID: testID}
	if _, err := c.do(ctx, apiRequest{method: http.MethodGet, path: scanPath(scanID) + "/results/" + url.PathEscape(testID)}, &result); err != nil {
		return nil, err
	}
	return &result.Result, nil
}

// oneResult is the decoding target of an answer about one result.
type oneResult struct {
	Result
	wantTestID string
}

func (r *oneResult) decodeInto() any { return &r.Result }
func (r *oneResult) present() bool   { return r.ID != "" || r.TestID != "" }

func (r *oneResult) validate() error {
	if r.ID == "" {
		return badField("data.id", "is missing: a result without an id")
	}
	if r.TestID != r.wantTestID {
		return badField("data.test_id", "is %q, but the result of %q was asked for: the answer is about another check", r.TestID, r.wantTestID)
	}
	return nil
}

func scanPath(scanID string) string { return "/scans/" + url.PathEscape(scanID) }

// textSet holds one copy of each text of a listing's results: a check's
// test ID, title, framework, severity and its long remediation steps and link
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
		for _, field := range []*string{&r.ScanID, &r.TestID, &r.Title, &r.HelpURL, &r.RemediationSteps, &r.SourceTool} {
			*field = s.intern(*field)
		}
		r.Result = internAs(s, r.Result)
		r.Severity = internAs(s, r.Severity)
		r.Framework = internAs(s, r.Framework)
	}
}

func (s *textSet) intern(text string) string {
	if shared, ok := s.texts[text]; ok {
		return shared
	}
	s.texts[text] = text
	return text
}

// internAs is intern for the API's enumerations, whose Go types are strings.
func internAs[E ~string](s *textSet, value E) E { return E(s.intern(string(value))) }
