package aether365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// ListScansOptions filters and bounds ListScans.
type ListScansOptions struct {
	// Status, ScanType and ConnectionID filter the list; empty means any.
	Status       string
	ScanType     string
	ConnectionID string
	// MaxItems caps how many scans are returned (0 = all).
	MaxItems int
	// PageSize is the page size asked for (0 = MaxScanPageSize).
	PageSize int
}

// StartScanRequest says what to scan.
type StartScanRequest struct {
	// Tenant is the Aether365 account; "" means DefaultTenant, the key's own.
	Tenant string
	// ConnectionID is the connected Microsoft 365 tenant (conn_...) to scan;
	// "" means the account's active connection. How a trigger names a
	// connection is not in the published reference: this client sends the
	// connectionId query parameter that the policies and threats endpoints
	// take (an assumption, marked in api/aether365.openapi.yaml).
	ConnectionID string
	ScanType     string
}

func (r StartScanRequest) query() url.Values {
	if r.ConnectionID == "" {
		return nil
	}
	return url.Values{"connectionId": {r.ConnectionID}}
}

// StartScan triggers a scan: POST /tenants/{tenant}/scans, and returns the
// new scan. A tenant that is already running a scan answers 409
// SCAN_ALREADY_RUNNING (an error matching ErrScanAlreadyRunning);
// StartOrAdoptScan handles that. A used-up scan quota is an error matching
// ErrScanQuotaReached, never retried.
//
// The trigger is retried like a GET (on 503 and on answers lost on the way):
// a tenant runs one scan at a time, so a trigger that did start a scan and
// is sent again meets 409 SCAN_ALREADY_RUNNING rather than starting a second
// one, and StartOrAdoptScan then finds that scan. A scan that completed
// between the lost answer and the retry is the one case where a retry starts
// a second scan; real scans take minutes.
func (c *Client) StartScan(ctx context.Context, req StartScanRequest) (*Scan, error) {
	scan, _, err := c.postScan(ctx, req)
	return scan, err
}

// postScan is StartScan that also returns the response, which is non-nil
// whenever one arrived, even with an error.
//
// The API reference's overview says that action endpoints, the trigger
// among them, answer "data": null, while its Scans page shows the new scan.
// An answer without the scan is taken at its word (the scan started) and the
// scan is found as the tenant's running scan of the requested type.
func (c *Client) postScan(ctx context.Context, req StartScanRequest) (*Scan, *apiResponse, error) {
	scan := oneScan{mayBeNull: true}
	resp, err := c.do(ctx, apiRequest{
		method:    http.MethodPost,
		path:      tenantPath(req.Tenant) + "/scans",
		query:     req.query(),
		body:      api.StartScanRequest{ScanType: api.ScanType(req.ScanType)},
		retrySafe: true,
	}, &scan)
	if err != nil {
		return nil, resp, err
	}
	if scan.ID != "" {
		return &scan.Scan, resp, nil
	}
	running, err := c.RunningScan(ctx, req.Tenant, req.ConnectionID)
	switch {
	case err != nil:
		return nil, resp, fmt.Errorf("aether365: the scan was started but the answer did not name it; looking for it: %w", err)
	case running == nil || !strings.EqualFold(string(running.ScanType), req.ScanType):
		return nil, resp, fmt.Errorf("aether365: POST %s/scans: %w: the scan was started but the answer did not name it, "+
			"and the tenant lists no %s scan in progress", tenantPath(req.Tenant), ErrMalformedResponse, req.ScanType)
	}
	return running, resp, nil
}

// StartOptions tunes StartOrAdoptScan.
type StartOptions struct {
	// MayAdopt, when set, decides whether a running scan of the requested
	// type may be taken as this call's (for example: not one that another
	// resource of the same run already has). nil adopts any.
	MayAdopt func(*Scan) bool
	// OnWaiting, when set, is called before the call waits for a running
	// scan it may not adopt to end.
	OnWaiting func(ctx context.Context, running *Scan)
	// Wait tunes the wait for such a scan.
	Wait WaitOptions
}

// StartedScan is what StartOrAdoptScan got.
type StartedScan struct {
	Scan *Scan
	// Adopted is set when the tenant was already running a scan of the
	// requested type and the call took it instead of starting one.
	Adopted bool
	// AfterLostAnswer is set with Adopted when the conflict answered a retry
	// of this call's own trigger, whose first answer was lost: the adopted
	// scan is then almost certainly the one this call started.
	AfterLostAnswer bool
	// WaitedFor lists the running scans of other types the call waited for
	// before it could start its own.
	WaitedFor []string
}

// noRunningScanPause is how long StartOrAdoptScan waits before triggering
// again when the tenant said a scan was running but lists none: it ended
// between the two requests, or the list lags behind.
const noRunningScanPause = 2 * time.Second

// StartOrAdoptScan starts a scan, or, when the tenant is already running one
// (409 SCAN_ALREADY_RUNNING: one scan at a time per tenant, and a schedule
// or another client may have started it), finds that scan
// (status=in_progress) and adopts it when it is of the requested type and
// opts.MayAdopt allows; otherwise it waits for it to end and triggers again.
// ctx bounds all of it: the caller's create timeout.
func (c *Client) StartOrAdoptScan(ctx context.Context, req StartScanRequest, opts StartOptions) (StartedScan, error) {
	var started StartedScan
	for {
		scan, resp, err := c.postScan(ctx, req)
		if err == nil {
			started.Scan = scan
			return started, nil
		}
		if !errors.Is(err, ErrScanAlreadyRunning) {
			return started, err
		}
		running, listErr := c.RunningScan(ctx, req.Tenant, req.ConnectionID)
		switch {
		case listErr != nil:
			return started, fmt.Errorf("%w; looking for the running scan: %w", err, listErr)
		case running == nil:
			c.log(ctx, LogDebug, "aether365: the tenant reported a running scan but lists none; triggering again", nil)
			if sleepErr := c.clock.Sleep(ctx, noRunningScanPause); sleepErr != nil {
				return started, fmt.Errorf("%w; stopped before triggering again: %w", err, sleepErr)
			}
			continue
		case strings.EqualFold(string(running.ScanType), req.ScanType) && (opts.MayAdopt == nil || opts.MayAdopt(running)):
			started.Scan, started.Adopted = running, true
			started.AfterLostAnswer = resp != nil && resp.AnswerLost
			return started, nil
		}
		if opts.OnWaiting != nil {
			opts.OnWaiting(ctx, running)
		}
		started.WaitedFor = append(started.WaitedFor, running.ID)
		if _, err := c.WaitForScan(ctx, running.ID, opts.Wait); err != nil {
			return started, fmt.Errorf("waiting for scan %s, which the tenant was running, to end before starting a %s scan: %w",
				running.ID, req.ScanType, err)
		}
	}
}

// RunningScan returns the newest scan in progress (status=in_progress) of
// connectionID, "" for the account's active connection; nil when there is
// none. The scan object names no connection, so the connection is the
// server's filter: for "" the active connection is looked up, or a scan of
// another connected tenant could be taken for the active one's.
func (c *Client) RunningScan(ctx context.Context, tenant, connectionID string) (*Scan, error) {
	if connectionID == "" {
		active, err := c.activeConnectionID(ctx)
		if err != nil {
			// Without the list of connections, all of them: with one
			// connection, the usual case, that is the same.
			c.log(ctx, LogDebug, "aether365: could not look up the active connection; looking for a running scan on all of them",
				map[string]any{logFieldError: err.Error()})
		}
		connectionID = active
	}
	scans, err := c.ListScans(ctx, tenant, ListScansOptions{Status: ScanStatusInProgress, ConnectionID: connectionID})
	if err != nil {
		return nil, err
	}
	return newestScan(scans), nil
}

// newestScan is the scan that started last, the first listed among equals;
// nil for none. The reference does not say in which order scans are listed.
func newestScan(scans []Scan) *Scan {
	var newest *Scan
	for i := range scans {
		if newest == nil || scans[i].StartedAt.After(newest.StartedAt) {
			newest = &scans[i]
		}
	}
	return newest
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
	resp, err := c.do(ctx, apiRequest{method: http.MethodGet, path: scanPath(id), noRetries: noRetries}, &scan)
	if err != nil {
		return nil, resp, err
	}
	return &scan.Scan, resp, nil
}

// oneScan is the decoding target of an answer about one scan; wantID, when
// set, is the scan that was asked for. mayBeNull accepts "data": null (or no
// data), leaving the scan zero.
type oneScan struct {
	Scan
	wantID, wantTenant string
	mayBeNull          bool
}

func (s *oneScan) decodeInto() any { return &s.Scan }
func (s *oneScan) present() bool   { return s.mayBeNull || (*scanData)(&s.Scan).present() }

func (s *oneScan) validate() error {
	if s.mayBeNull && !(*scanData)(&s.Scan).present() {
		return nil
	}
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
			{"status", opts.Status, func(s Scan) string { return string(s.Status) }},
			{"scan_type", opts.ScanType, func(s Scan) string { return string(s.ScanType) }},
			// The scan object names no connection: this filter is the server's alone.
			{"connectionId", opts.ConnectionID, nil},
		},
		maxItems: opts.MaxItems, pageSize: opts.PageSize, maxPageSize: MaxScanPageSize, key: scanKey,
	})
	return scans, err
}

// LatestScan returns the newest scan (by started_at) matching status and
// scanType (empty means any). No match is an error wrapping ErrNoScan.
//
// The API reference does not say in which order scans are listed; the
// REST API Automation guide reads status=completed&limit=1 as the latest.
// LatestScan reads one full page and takes the newest on it; only when that
// page is oldest first and more pages follow does it read them all.
func (c *Client) LatestScan(ctx context.Context, tenant, status, scanType string) (*Scan, error) {
	opts := ListScansOptions{Status: status, ScanType: scanType, MaxItems: MaxScanPageSize}
	scans, err := c.ListScans(ctx, tenant, opts)
	if err == nil && len(scans) == MaxScanPageSize && scans[0].StartedAt.Before(scans[len(scans)-1].StartedAt) {
		opts.MaxItems = 0
		scans, err = c.ListScans(ctx, tenant, opts)
	}
	if err != nil {
		return nil, err
	}
	latest := newestScan(scans)
	if latest == nil {
		return nil, fmt.Errorf("aether365: tenant %q has no scan with status %q and type %q: %w", tenantOrDefault(tenant), status, scanType, ErrNoScan)
	}
	return latest, nil
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
