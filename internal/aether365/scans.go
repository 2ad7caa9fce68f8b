package aether365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	uuid "github.com/hashicorp/go-uuid"
)

// maxIdempotencyKeyLen is the longest Idempotency-Key the API accepts.
const maxIdempotencyKeyLen = 255

// ListScansOptions filters and bounds ListScans.
type ListScansOptions struct {
	// Status and ScanType filter the list; empty means any.
	Status   string
	ScanType string
	// MaxItems caps how many scans are returned (0 = all).
	MaxItems int
	// PageSize is the page size asked for (0 = MaxPageSize).
	PageSize int
}

type startScanBody struct {
	ScanType string `json:"scan_type"`
}

// StartScan starts a scan: POST /tenants/{tenant}/scans. tenant "" means
// DefaultTenant. idempotencyKey "" means a random key is generated. The same
// key is sent on every attempt, so retries (on 429/502/503/504/connection
// errors) can never start a second scan.
func (c *Client) StartScan(ctx context.Context, tenant, scanType, idempotencyKey string) (*Scan, error) {
	scan, _, err := c.StartScanOrReplay(ctx, tenant, scanType, idempotencyKey)
	return scan, err
}

// replayedHeader marks an answer that returns the scan an earlier request
// with the same Idempotency-Key created, rather than a new one.
const replayedHeader = "Idempotent-Replayed"

// StartScanOrReplay is StartScan that also reports whether Aether365 answered
// with the scan a request made before this call started (the
// Idempotent-Replayed: true header on the first attempt) rather than a new
// one. A replay answering a retry may be of this call's own earlier attempt,
// whose answer was lost, so it is reported as the scan this call started.
func (c *Client) StartScanOrReplay(ctx context.Context, tenant, scanType, idempotencyKey string) (*Scan, bool, error) {
	if idempotencyKey == "" {
		key, err := uuid.GenerateUUID()
		if err != nil {
			return nil, false, fmt.Errorf("aether365: generating an idempotency key: %w", err)
		}
		idempotencyKey = key
	}
	if len(idempotencyKey) > maxIdempotencyKeyLen || !isHeaderSafe(idempotencyKey) {
		return nil, false, fmt.Errorf("aether365: the idempotency key must be at most %d printable characters without spaces", maxIdempotencyKeyLen)
	}
	var scan scanData
	resp, err := c.do(ctx, apiRequest{
		method:         http.MethodPost,
		path:           tenantPath(tenant) + "/scans",
		body:           startScanBody{ScanType: scanType},
		idempotencyKey: idempotencyKey,
	}, &scan)
	if err != nil {
		return nil, false, err
	}
	s := Scan(scan)
	replayed := resp != nil && resp.Attempts <= 1 && strings.EqualFold(resp.Header.Get(replayedHeader), "true")
	return &s, replayed, nil
}

// GetScan reads one scan: GET /scans/{id}.
func (c *Client) GetScan(ctx context.Context, id string) (*Scan, error) {
	scan, _, err := c.getScan(ctx, id)
	return scan, err
}

// getScan also returns the response (for its Retry-After hint), which is
// non-nil whenever a response arrived, even with an error.
func (c *Client) getScan(ctx context.Context, id string) (*Scan, *apiResponse, error) {
	if strings.TrimSpace(id) == "" {
		return nil, nil, errors.New("aether365: a scan ID is required")
	}
	var scan scanData
	resp, err := c.do(ctx, apiRequest{method: http.MethodGet, path: "/scans/" + url.PathEscape(id)}, &scan)
	if err != nil {
		return nil, resp, err
	}
	s := Scan(scan)
	return &s, resp, nil
}

// ListScans lists a tenant's scans, newest first: GET /tenants/{tenant}/scans.
func (c *Client) ListScans(ctx context.Context, tenant string, opts ListScansOptions) ([]Scan, error) {
	pageSize, err := effectivePageSize(opts.PageSize, opts.MaxItems)
	if err != nil {
		return nil, err
	}
	path := tenantPath(tenant) + "/scans"
	filters := url.Values{}
	setIfNotEmpty(filters, "status", opts.Status)
	setIfNotEmpty(filters, "scan_type", opts.ScanType)
	fetch := func(ctx context.Context, page int) ([]Scan, PageMeta, error) {
		var scans scanListData
		resp, err := c.do(ctx, apiRequest{method: http.MethodGet, path: path, query: pageQuery(filters, page, pageSize), list: true}, &scans)
		if err != nil {
			return nil, PageMeta{}, err
		}
		return []Scan(scans), resp.Meta, nil
	}
	scans, _, err := Paginate(ctx, fetch, PaginateOptions{Concurrency: c.pageConcurrency, MaxItems: opts.MaxItems})
	return scans, err
}

// LatestScan returns the newest scan matching status and scanType (empty
// means any) with a single request. No match is an error wrapping ErrNoScan.
func (c *Client) LatestScan(ctx context.Context, tenant, status, scanType string) (*Scan, error) {
	scans, err := c.ListScans(ctx, tenant, ListScansOptions{Status: status, ScanType: scanType, MaxItems: 1})
	if err != nil {
		return nil, err
	}
	if len(scans) == 0 {
		return nil, fmt.Errorf("aether365: tenant %q has no scan with status %q and type %q: %w", tenantOrDefault(tenant), status, scanType, ErrNoScan)
	}
	latest := scans[0]
	return &latest, nil
}

func tenantOrDefault(tenant string) string {
	if tenant == "" {
		return DefaultTenant
	}
	return tenant
}

func tenantPath(tenant string) string {
	return "/tenants/" + url.PathEscape(tenantOrDefault(tenant))
}

// effectivePageSize picks the page size for a list: MaxPageSize by default,
// no larger than MaxItems needs.
func effectivePageSize(pageSize, maxItems int) (int, error) {
	switch {
	case pageSize < 0:
		return 0, fmt.Errorf("aether365: page size %d must not be negative", pageSize)
	case maxItems < 0:
		return 0, fmt.Errorf("aether365: max items %d must not be negative", maxItems)
	case pageSize == 0 || pageSize > MaxPageSize:
		pageSize = MaxPageSize
	}
	if maxItems > 0 && maxItems < pageSize {
		pageSize = maxItems
	}
	return pageSize, nil
}

func pageQuery(filters url.Values, page, pageSize int) url.Values {
	q := url.Values{}
	for k, v := range filters {
		q[k] = v
	}
	q.Set("page", strconv.Itoa(page))
	q.Set("limit", strconv.Itoa(pageSize))
	return q
}

func setIfNotEmpty(q url.Values, key, value string) {
	if value != "" {
		q.Set(key, value)
	}
}
