package aether365

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// listRequest is one read of a filtered list endpoint, every page of it.
type listRequest[T any] struct {
	path string
	// noun names the items in errors ("scans", "results").
	noun    string
	filters []listFilter[T]
	// maxItems caps the list (0 = all); pageSize is asked for (0 =
	// maxPageSize, the endpoint's largest page).
	maxItems, pageSize, maxPageSize int
	// key is an item's identity, for catching an item served twice.
	key func(T) string
	// onPage, when set, sees each page's items once they are checked, before
	// they are kept.
	onPage func([]T)
}

// listFilter is a filter of a list request: the query parameter, the value
// asked for (empty: no filter) and the item's field, which must then match
// it whatever its case (nil: the item does not show it, and only the server
// can apply the filter).
type listFilter[T any] struct {
	param, value string
	field        func(T) string
}

// listAll reads every page of a list (see paginate), each page decoded into
// D and rejected when an item contradicts the filters asked for or the page
// contradicts its own meta or the page size; it returns the first page's meta.
func listAll[T any, D ~[]T, P interface {
	*D
	dataTarget
}](ctx context.Context, c *Client, l listRequest[T]) ([]T, PageMeta, error) {
	pageSize, err := effectivePageSize(l.pageSize, l.maxPageSize, l.maxItems)
	if err != nil {
		return nil, PageMeta{}, err
	}
	filters := url.Values{}
	for _, f := range l.filters {
		if f.value != "" {
			filters.Set(f.param, f.value)
		}
	}
	budget := c.newReadBudget()
	fetch := func(ctx context.Context, page int) ([]T, PageMeta, error) {
		query := url.Values{"page": {strconv.Itoa(page)}, "limit": {strconv.Itoa(pageSize)}}
		for k, v := range filters {
			query[k] = v
		}
		var items D
		req := apiRequest{method: http.MethodGet, path: l.path, query: query, list: true, budget: budget}
		resp, err := c.do(ctx, req, P(&items))
		if err != nil {
			return nil, PageMeta{}, err
		}
		for i, item := range items {
			for _, f := range l.filters {
				if f.field == nil || f.value == "" {
					continue
				}
				if got := f.field(item); !strings.EqualFold(got, f.value) {
					return nil, resp.Meta, c.unrequestedItem(req, resp, fmt.Sprintf("data[%d].%s", i, f.param),
						"is %q, but only %q %s were asked for", got, f.value, l.noun)
				}
			}
		}
		if err := c.checkPageShape(req, resp, len(items), pageSize); err != nil {
			return nil, resp.Meta, err
		}
		if l.onPage != nil {
			l.onPage(items)
		}
		return []T(items), resp.Meta, nil
	}
	return paginate(ctx, fetch, paginateOptions[T]{Concurrency: c.pageConcurrency, MaxItems: l.maxItems, Key: l.key})
}

// effectivePageSize picks the page size for a list: the endpoint's largest
// (maxPageSize) by default, no larger than MaxItems needs.
func effectivePageSize(pageSize, maxPageSize, maxItems int) (int, error) {
	switch {
	case pageSize < 0:
		return 0, fmt.Errorf("aether365: page size %d must not be negative", pageSize)
	case maxItems < 0:
		return 0, fmt.Errorf("aether365: max items %d must not be negative", maxItems)
	case pageSize == 0 || pageSize > maxPageSize:
		pageSize = maxPageSize
	}
	if maxItems > 0 && maxItems < pageSize {
		pageSize = maxItems
	}
	return pageSize, nil
}

// unrequestedItem is the error for a list answer that contradicts the
// request itself (an item the filters exclude, more items than asked for).
func (c *Client) unrequestedItem(req apiRequest, resp *apiResponse, field, format string, args ...any) error {
	return &MalformedResponseError{
		StatusCode:  resp.StatusCode,
		ContentType: resp.Header.Get("Content-Type"),
		Method:      req.method,
		Path:        req.path,
		RequestID:   c.mask.apply(resp.Header.Get("X-Request-Id")),
		Field:       field,
		Err:         fmt.Errorf("field %q %s", field, c.mask.apply(fmt.Sprintf(format, args...))),
	}
}

// checkPageShape rejects a page that contradicts its own meta or the page
// size asked for, whatever meta.limit says (0 included).
func (c *Client) checkPageShape(req apiRequest, resp *apiResponse, items, pageSize int) error {
	meta := resp.Meta
	switch {
	case items > pageSize:
		return c.unrequestedItem(req, resp, "data", "has %d items, but pages of at most %d were asked for", items, pageSize)
	case meta.TotalPages != nil && *meta.TotalPages == 0 && items > 0:
		return c.unrequestedItem(req, resp, "meta.totalPages", "is 0, but the page has %d items", items)
	case items > meta.Total:
		return c.unrequestedItem(req, resp, "meta.total", "is %d, but the page has %d items", meta.Total, items)
	}
	return nil
}
