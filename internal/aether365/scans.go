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
	var scan oneScan
	resp, err := c.do(ctx, apiRequest{
		method:         http.MethodPost,
		path:           tenantPath(tenant) + "/scans",
		body:           startScanBody{ScanType: scanType},
		idempotencyKey: idempotencyKey,
	}, &scan)
	if err != nil {
		return nil, false, err
	}
	replayed := resp != nil && resp.Attempts <= 1 && strings.EqualFold(resp.Header.Get(replayedHeader), "true")
	return &scan.Scan, replayed, nil
}

// GetScan reads one scan: GET /scans/{id}. An answer about another scan is
// a *MalformedResponseError naming data.id, never returned as this one.
func (c *Client) GetScan(ctx context.Context, id string) (*Scan, error) {
	scan, _, err := c.getScan(ctx, "", id, false)
	return scan, err
}

// GetTenantScan is GetScan for a scan known to belong to tenant: an answer
// about a scan of another tenant is a *MalformedResponseError naming
// data.tenant_id. tenant "" or DefaultTenant checks nothing more than
// GetScan, since "me" is not a tenant ID the answer can be compared with.
func (c *Client) GetTenantScan(ctx context.Context, tenant, id string) (*Scan, error) {
	scan, _, err := c.getScan(ctx, tenant, id, false)
	return scan, err
}

// getScan also returns the response (for its Retry-After hint), which is
// non-nil whenever a response arrived, even with an error. noRetries makes
// it a single attempt.
func (c *Client) getScan(ctx context.Context, tenant, id string, noRetries bool) (*Scan, *apiResponse, error) {
	if strings.TrimSpace(id) == "" {
		return nil, nil, errors.New("aether365: a scan ID is required")
	}
	scan := oneScan{wantID: id}
	if tenant != DefaultTenant {
		scan.wantTenant = tenant
	}
	resp, err := c.do(ctx, apiRequest{method: http.MethodGet, path: "/scans/" + url.PathEscape(id), noRetries: noRetries}, &scan)
	if err != nil {
		return nil, resp, err
	}
	return &scan.Scan, resp, nil
}

// oneScan is the decoding target of an answer about one scan; wantID, when
// set, is the scan that was asked for.
type oneScan struct {
	Scan
	wantID, wantTenant string
}

func (s *oneScan) decodeInto() any { return &s.Scan }
func (s *oneScan) present() bool   { return (*scanData)(&s.Scan).present() }

func (s *oneScan) validate() error {
	if err := validateScan("data", &s.Scan); err != nil {
		return err
	}
	if s.wantID != "" && s.ID != s.wantID {
		return badField("data.id", "is %q, but scan %q was asked for: the answer is about another scan", s.ID, s.wantID)
	}
	if s.wantTenant != "" && s.TenantID != s.wantTenant {
		return badField("data.tenant_id", "is %q, but the scan was asked for in tenant %q", s.TenantID, s.wantTenant)
	}
	return nil
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
	budget := c.newReadBudget()
	fetch := func(ctx context.Context, page int) ([]Scan, PageMeta, error) {
		var scans scanListData
		req := apiRequest{method: http.MethodGet, path: path, query: pageQuery(filters, page, pageSize), list: true, budget: budget}
		resp, err := c.do(ctx, req, &scans)
		if err != nil {
			return nil, PageMeta{}, err
		}
		for i, s := range scans {
			switch {
			case opts.Status != "" && !strings.EqualFold(s.Status, opts.Status):
				return nil, resp.Meta, c.unrequestedItem(req, resp, fmt.Sprintf("data[%d].status", i), "is %q, but only %q scans were asked for", s.Status, opts.Status)
			case opts.ScanType != "" && !strings.EqualFold(s.ScanType, opts.ScanType):
				return nil, resp.Meta, c.unrequestedItem(req, resp, fmt.Sprintf("data[%d].scan_type", i), "is %q, but only %q scans were asked for", s.ScanType, opts.ScanType)
			}
		}
		if err := c.checkPageShape(req, resp, len(scans), pageSize); err != nil {
			return nil, resp.Meta, err
		}
		return []Scan(scans), resp.Meta, nil
	}
	scans, _, err := paginate(ctx, fetch, paginateOptions{Concurrency: c.pageConcurrency, MaxItems: opts.MaxItems})
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
	case meta.TotalPages == 0 && items > 0:
		return c.unrequestedItem(req, resp, "meta.totalPages", "is 0, but the page has %d items", items)
	case items > meta.Total:
		return c.unrequestedItem(req, resp, "meta.total", "is %d, but the page has %d items", meta.Total, items)
	}
	return nil
}
