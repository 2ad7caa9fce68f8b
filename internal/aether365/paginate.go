package aether365

import (
	"context"
	"errors"
	"fmt"

	"golang.org/x/sync/errgroup"
)

const defaultMaxPages = 10000

// ErrInconsistentPages is wrapped by every error about a server whose pages
// contradict each other.
var ErrInconsistentPages = errors.New("inconsistent pagination")

// pageFetcher fetches one page (1-based) of a list.
type pageFetcher[T any] func(ctx context.Context, page int) ([]T, PageMeta, error)

// paginateOptions tunes paginate.
type paginateOptions[T any] struct {
	// Concurrency is how many pages are fetched at once after page 1 (default 16).
	Concurrency int
	// MaxItems stops once this many items are in hand (0 = no cap); exactly
	// MaxItems are returned when the list is that long.
	MaxItems int
	// MaxPages is a safety cap on the server's page count (default 10000).
	MaxPages int
	// Key, when set, is an item's stable identity (a scan's or a result's
	// ID), used to catch a server that serves the same item twice, for
	// example repeating a page.
	Key func(T) string
}

// scanKey and resultKey are the identities of list items.
func scanKey(s Scan) string     { return s.ID }
func resultKey(r Result) string { return r.ID }

// paginate returns every item of a list in page order, and the first page's
// meta. It fetches page 1, then the remaining pages concurrently. The page
// count is PageCount(meta): totalPages when the server sends it, else
// ceil(total/limit). It fails
// rather than return a wrong list when the server is inconsistent: the page
// count or total changing between pages, a page larger than the page size, an
// item served twice (when opts.Key is set), more pages than
// MaxPages, or a different number of items than the server's total.
func paginate[T any](ctx context.Context, fetch pageFetcher[T], opts paginateOptions[T]) ([]T, PageMeta, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = defaultPageConcurrency
	}
	if opts.MaxPages <= 0 {
		opts.MaxPages = defaultMaxPages
	}
	if opts.MaxItems < 0 {
		opts.MaxItems = 0
	}

	first, meta, err := fetch(ctx, 1)
	if err != nil {
		return nil, PageMeta{}, err
	}
	p := &pager[T]{fetch: fetch, opts: opts, first: meta}
	if err := p.check(1, first, meta); err != nil {
		return nil, meta, err
	}
	pages := PageCount(meta)
	if pages > opts.MaxPages {
		return nil, meta, fmt.Errorf("aether365: %w: the server reports %d pages, more than the limit of %d", ErrInconsistentPages, pages, opts.MaxPages)
	}
	pageSize := meta.Limit
	if pageSize <= 0 {
		pageSize = max(1, len(first))
	}
	list := newPageList(opts.Key)
	if err := list.add(1, first); err != nil {
		return nil, meta, err
	}

	next := 2
	for next <= pages && !p.enough(len(list.items)) {
		count := pages - next + 1
		if opts.MaxItems > 0 {
			needed := opts.MaxItems - len(list.items)
			count = min(count, (needed+pageSize-1)/pageSize)
		}
		pages, err := p.fetchRange(ctx, next, next+count-1)
		if err != nil {
			return nil, meta, err
		}
		for i, page := range pages {
			if err := list.add(next+i, page); err != nil {
				return nil, meta, err
			}
		}
		next += count
	}

	items := list.items
	if next > pages && len(items) != meta.Total && !p.enough(len(items)) {
		return nil, meta, fmt.Errorf("aether365: %w: the server reported %d items but served %d over %d pages", ErrInconsistentPages, meta.Total, len(items), pages)
	}
	if opts.MaxItems > 0 && len(items) > opts.MaxItems {
		items = items[:opts.MaxItems]
	}
	if items == nil {
		items = []T{}
	}
	return items, meta, nil
}

type pager[T any] struct {
	fetch pageFetcher[T]
	opts  paginateOptions[T]
	first PageMeta
}

func (p *pager[T]) enough(have int) bool {
	return p.opts.MaxItems > 0 && have >= p.opts.MaxItems
}

// check compares a page and its meta with what page 1 said.
func (p *pager[T]) check(page int, items []T, meta PageMeta) error {
	inconsistent := func(format string, args ...any) error {
		return fmt.Errorf("aether365: %w: page %d: %s", ErrInconsistentPages, page, fmt.Sprintf(format, args...))
	}
	first := p.first
	pages, firstPages := PageCount(meta), PageCount(first)
	switch {
	case meta.Page != 0 && meta.Page != page:
		return inconsistent("the server answered with page %d", meta.Page)
	case pages > firstPages:
		return inconsistent("the page count grew from %d to %d while listing", firstPages, pages)
	case pages != firstPages:
		return inconsistent("the page count changed from %d to %d while listing", firstPages, pages)
	case meta.Total != first.Total:
		return inconsistent("the item total changed from %d to %d while listing", first.Total, meta.Total)
	case meta.Limit != first.Limit:
		return inconsistent("the page size changed from %d to %d while listing", first.Limit, meta.Limit)
	case meta.Limit > 0 && len(items) > meta.Limit:
		return inconsistent("%d items on a page of at most %d", len(items), meta.Limit)
	case pages == 0 && len(items) > 0:
		return inconsistent("%d items in a list of 0 pages", len(items))
	case len(items) > meta.Total:
		return inconsistent("%d items on a page of a list of %d", len(items), meta.Total)
	}
	return nil
}

// fetchRange fetches pages [from, to] with at most opts.Concurrency in
// flight and returns them in page order. The first failure cancels the rest
// and is the error returned.
func (p *pager[T]) fetchRange(ctx context.Context, from, to int) ([][]T, error) {
	results := make([][]T, to-from+1)
	group, groupCtx := errgroup.WithContext(ctx)
	group.SetLimit(p.opts.Concurrency)
	for page := from; page <= to; page++ {
		if groupCtx.Err() != nil {
			break
		}
		group.Go(func() error {
			items, meta, err := p.fetch(groupCtx, page)
			if err != nil {
				if page > 1 {
					err = fmt.Errorf("page %d of %d: %w", page, PageCount(p.first), err)
				}
				return err
			}
			if err := p.check(page, items, meta); err != nil {
				return err
			}
			results[page-from] = items
			return nil
		})
	}
	if err := group.Wait(); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("aether365: listing pages %d-%d: %w", from, to, err)
	}
	return results, nil
}

// pageList accumulates pages in order and catches an item with a key
// served twice: the sign of a server repeating a page or a list shifting
// under us.
type pageList[T any] struct {
	key   func(T) string
	items []T
	seen  map[string]int
}

func newPageList[T any](key func(T) string) *pageList[T] {
	return &pageList[T]{key: key, seen: map[string]int{}}
}

func (l *pageList[T]) add(page int, items []T) error {
	for _, item := range items {
		if l.key == nil {
			break
		}
		key := l.key(item)
		if key == "" {
			continue
		}
		if earlier, dup := l.seen[key]; dup {
			if earlier == page {
				return fmt.Errorf("aether365: %w: item %q is twice on page %d", ErrInconsistentPages, key, page)
			}
			return fmt.Errorf("aether365: %w: item %q is on page %d and again on page %d", ErrInconsistentPages, key, earlier, page)
		}
		l.seen[key] = page
	}
	l.items = append(l.items, items...)
	return nil
}
