package simulator

import (
	"fmt"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Pagination bounds of the contract.
const (
	defaultPageLimit = 20
	maxPageLimit     = 100
	maxQueryValueLen = 256
)

type pagination struct {
	page, limit int
}

// offset is the index of the page's first item, saturated so an absurd page
// number reads as "past the end" instead of overflowing.
func (p pagination) offset() int {
	if p.page-1 > math.MaxInt/p.limit {
		return math.MaxInt
	}
	return (p.page - 1) * p.limit
}

func (p pagination) meta(total int) *pageMeta {
	return &pageMeta{Total: total, Page: p.page, Limit: p.limit, TotalPages: (total + p.limit - 1) / p.limit}
}

// parseQuery rejects what the handlers must never see: an unparsable query
// string and oversized names or values (a cheap guard against abuse).
func parseQuery(rawQuery string) (url.Values, *apiError) {
	values, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, validationError("the query string is malformed: " + err.Error())
	}
	for name, list := range values {
		if len(name) > maxQueryValueLen {
			return nil, validationError(fmt.Sprintf("a query parameter name is longer than %d bytes", maxQueryValueLen))
		}
		for _, value := range list {
			if len(value) > maxQueryValueLen {
				return nil, validationError(fmt.Sprintf("query parameter %s is longer than %d bytes", quoteForMessage(name), maxQueryValueLen))
			}
		}
	}
	return values, nil
}

// single returns the one value of a parameter; giving it twice is ambiguous
// (which limit did the caller mean?) so it is refused rather than guessed.
func single(query url.Values, name string) (string, *apiError) {
	list := query[name]
	switch len(list) {
	case 0:
		return "", nil
	case 1:
		return list[0], nil
	}
	return "", validationError(fmt.Sprintf("query parameter %s was given %d times; give it once", name, len(list)))
}

// parsePagination reads page and limit. Unlike a filter, an empty page or
// limit is an error: it is not an integer, and no client means "default" by it.
func parsePagination(query url.Values) (pagination, *apiError) {
	p := pagination{page: 1, limit: defaultPageLimit}
	if raw, apiErr := single(query, "page"); apiErr != nil {
		return p, apiErr
	} else if query.Has("page") {
		page, err := strconv.Atoi(raw)
		if err != nil || page < 1 {
			return p, validationError(fmt.Sprintf("page must be an integer of at least 1, got %s", quoteForMessage(raw)))
		}
		p.page = page
	}
	if raw, apiErr := single(query, "limit"); apiErr != nil {
		return p, apiErr
	} else if query.Has("limit") {
		limit, err := strconv.Atoi(raw)
		if err != nil || limit < 1 || limit > maxPageLimit {
			return p, validationError(fmt.Sprintf("limit must be an integer from 1 to %d, got %s", maxPageLimit, quoteForMessage(raw)))
		}
		p.limit = limit
	}
	return p, nil
}

// parseEnum reads an optional filter and returns the index of its value in
// valid, or -1 when absent or empty. Matching ignores case, so
// ?result=failed works as well as the seed's ?result=Failed.
func parseEnum(query url.Values, name string, valid []string) (int, *apiError) {
	raw, apiErr := single(query, name)
	if apiErr != nil || raw == "" {
		return -1, apiErr
	}
	for i, v := range valid {
		if strings.EqualFold(raw, v) {
			return i, nil
		}
	}
	return -1, validationError(fmt.Sprintf("%s must be one of %s, got %s", name, strings.Join(valid, ", "), quoteForMessage(raw)))
}

// quoteForMessage quotes caller input for an error message, shortened so an
// echoed value cannot dominate (or bloat) the response.
func quoteForMessage(s string) string {
	const maxShown = 64
	if len(s) > maxShown {
		cut := maxShown
		for cut > 0 && !utf8.RuneStart(s[cut]) {
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}
