package aether365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

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
// Idempotent-Replayed: true header) rather than a new one. A replay answering
// a retry may be of this call's own earlier attempt, whose answer was lost, or
// of an earlier request with the same key that the retry reached instead:
// it is this call's own only when the answer's Date says the scan is no older
// than the call (see createdDuringCall).
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
	callStarted := c.clock.Now()
	resp, err := c.do(ctx, apiRequest{
		method:         http.MethodPost,
		path:           tenantPath(tenant) + "/scans",
		body:           startScanBody{ScanType: scanType},
		idempotencyKey: idempotencyKey,
	}, &scan)
	if err != nil {
		return nil, false, err
	}
	replayed := strings.EqualFold(resp.Header.Get(replayedHeader), "true") &&
		(resp.Attempts <= 1 || !c.createdDuringCall(&scan.Scan, resp.Header, callStarted))
	return &scan.Scan, replayed, nil
}

// createdDuringCall tells whether scan, replayed to a retry, can have been
// created by an earlier attempt of the call that started at callStarted: its
// age by the server's clock (the answer's Date less created_at, both the
// server's) is at most the time the call has taken, plus the second that
// Date's resolution can hide. An answer with no Date counts as the call's own,
// so that a lost answer never makes the call start a second scan.
func (c *Client) createdDuringCall(scan *Scan, header http.Header, callStarted time.Time) bool {
	date, err := http.ParseTime(header.Get("Date"))
	if err != nil {
		return true
	}
	return date.Sub(scan.CreatedAt) <= c.clock.Now().Sub(callStarted)+time.Second
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
	scans, _, err := listAll[Scan, scanListData](ctx, c, listRequest[Scan]{
		path: tenantPath(tenant) + "/scans", noun: "scans",
		filters: []listFilter[Scan]{
			{"status", opts.Status, func(s Scan) string { return s.Status }},
			{"scan_type", opts.ScanType, func(s Scan) string { return s.ScanType }},
		},
		maxItems: opts.MaxItems, pageSize: opts.PageSize,
	})
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
