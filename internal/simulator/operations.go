package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/api/apiserver"
)

// operations is the simulator seen as apiserver.ServerInterface: one method
// per operation of api/aether365.openapi.yaml, reached only with a request
// that authenticated and passed validation. It is a type of its own so the
// methods stay off Server's public API.
type operations Server

var _ apiserver.ServerInterface = (*operations)(nil)

func (o *operations) server() *Server { return (*Server)(o) }

// answer writes a success envelope.
func answer(w http.ResponseWriter, status int, envelope any) {
	writeJSON(w, status, envelope)
}

// fail writes an error envelope.
func fail(w http.ResponseWriter, r *http.Request, apiErr *apiError) {
	writeError(w, exchangeOf(r), apiErr)
}

// checkTenant resolves the path's tenant: "me" or the caller's own account
// ID; any other is 403 TENANT_ACCESS_DENIED, whether it exists or not.
func checkTenant(caller principal, pathTenant string) *apiError {
	if pathTenant == tenantMe || pathTenant == caller.account {
		return nil
	}
	return &apiError{Status: http.StatusForbidden, Code: api.ErrorCodeTenantAccessDenied,
		Message: fmt.Sprintf("this API key belongs to another account than %s; use /tenants/me or the key's own account ID", quoteForMessage(pathTenant))}
}

// decodeBody reads a validated body into v. Validation has checked the
// fields; what is left to refuse is JSON that a lenient decoder accepted,
// such as trailing data.
func decodeBody(r *http.Request, v any) *apiError {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return payloadTooLarge()
		}
		return validationError("the request body could not be read", nil)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return validationError("the request body is not valid JSON ("+firstLine(err.Error())+")", nil)
	}
	return nil
}

// pageOf reads page and limit. Validation has put the document's defaults
// in the query; the fallbacks are the same defaults, from the document.
func (s *Server) pageOf(operationID string, page, limit *int) pagination {
	p := pagination{page: s.contract.queryDefault(operationID, "page"), limit: s.contract.queryDefault(operationID, "limit")}
	if page != nil {
		p.page = *page
	}
	if limit != nil {
		p.limit = *limit
	}
	return p
}

// meta is a list's meta: the reference's {total, page, limit} and the seed's
// totalPages unless Config.OmitTotalPages.
func (s *Server) meta(p pagination, total int) api.PageMeta {
	meta := api.PageMeta{Total: total, Page: p.page, Limit: p.limit}
	if !s.omitTotalPages {
		totalPages := (total + p.limit - 1) / p.limit
		meta.TotalPages = &totalPages
	}
	return meta
}

// --- scans ---------------------------------------------------------------

func (o *operations) StartScan(w http.ResponseWriter, r *http.Request, tenantID api.TenantID, params api.StartScanParams) {
	s := o.server()
	ex := exchangeOf(r)
	if apiErr := checkTenant(ex.caller, tenantID); apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	var request api.StartScanRequest
	if apiErr := decodeBody(r, &request); apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	idempotencyKey := ""
	if s.assumed && params.IdempotencyKey != nil {
		idempotencyKey = *params.IdempotencyKey
	}
	scan, replayed, apiErr := s.startScan(ex.caller.apiKey, ex.caller.account, valueOf(params.ConnectionID), request.ScanType, idempotencyKey)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	if s.assumed {
		if replayed {
			w.Header().Set("Idempotent-Replayed", "true")
		}
		w.Header().Set("Location", "/scans/"+scan.id)
	}
	answer(w, http.StatusCreated, api.ScanEnvelope{Success: true, Data: scan.viewAt(s.clock.Now())})
}

func valueOf[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// idempotencyScope keys stored creations by API key, so two callers that
// happen to pick the same Idempotency-Key never see each other's scans.
type idempotencyScope struct {
	apiKey         string
	idempotencyKey string
}

// idempotencyRecord remembers what a key was first used for. The fingerprint
// is the request's meaning (connection and scan type), not its bytes, so a
// retry that re-serialises the same body with other spacing still replays.
type idempotencyRecord struct {
	fingerprint string
	scanID      string
}

// startScan creates a scan on the account's connection (the primary one
// when connectionID is ""), or in the assumed profile replays the one an
// earlier request with the same Idempotency-Key created. One critical
// section from look-up to insert is what makes concurrent requests create
// at most one running scan per connection.
func (s *Server) startScan(apiKey, accountID, connectionID string, scanType api.ScanType, idempotencyKey string) (*scanRecord, bool, *apiError) {
	now := s.clock.Now()
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.accounts[accountID]
	if acct == nil {
		return nil, false, notFoundError(api.ErrorCodeTenantNotFound, fmt.Sprintf("account %s not found", quoteForMessage(accountID)))
	}
	conn, apiErr := acct.scanTarget(connectionID)
	if apiErr != nil {
		return nil, false, apiErr
	}
	fingerprint := conn.id + "\x00" + string(scanType)
	scope := idempotencyScope{apiKey: apiKey, idempotencyKey: idempotencyKey}
	if idempotencyKey != "" {
		if record, seen := s.idempotency[scope]; seen {
			existing, stillHeld := s.scans[record.scanID]
			switch {
			case !stillHeld:
				// The scan was forgotten (ForgetScan): the key is free again.
				delete(s.idempotency, scope)
			case record.fingerprint != fingerprint:
				return nil, false, &apiError{Status: http.StatusUnprocessableEntity, Code: api.ErrorCodeIdempotencyKeyReused,
					Message: "this Idempotency-Key was already used with a different request; use a new key for a new scan"}
			default:
				return existing, true, nil
			}
		}
	}
	if s.scanQuota > 0 && acct.scansCreated >= s.scanQuota {
		return nil, false, &apiError{Status: http.StatusTooManyRequests, Code: api.ErrorCodeScanPlanLimitReached,
			Message: fmt.Sprintf("the plan's scan quota (%d scans) is used up until the next billing period; wait for it or contact support to raise the quota", s.scanQuota)}
	}
	if latest := acct.latest[conn.id]; latest != nil && latest.statusAt(now) == api.ScanStatusInProgress {
		return nil, false, &apiError{Status: http.StatusConflict, Code: api.ErrorCodeScanAlreadyRunning,
			Message: fmt.Sprintf("scan %s is already running on connection %s; wait until it ends before starting another", latest.id, conn.id)}
	}
	scan := s.newScanLocked(acct, conn.id, scanType, now)
	if idempotencyKey != "" {
		s.idempotency[scope] = idempotencyRecord{fingerprint: fingerprint, scanID: scan.id}
	}
	return scan, false, nil
}

// scanTarget is the connection a scan runs on: the named one (404
// CONNECTION_NOT_FOUND if the account has none of that ID), else the
// primary one (400 TENANT_NOT_CONNECTED if the account has none).
func (a *account) scanTarget(connectionID string) (*connection, *apiError) {
	if connectionID != "" {
		if conn := a.connection(connectionID); conn != nil {
			return conn, nil
		}
		return nil, connectionNotFound(connectionID)
	}
	if conn := a.primaryConnection(); conn != nil {
		return conn, nil
	}
	return nil, &apiError{Status: http.StatusBadRequest, Code: api.ErrorCodeTenantNotConnected,
		Message: "no Microsoft 365 tenant is connected to this account; an administrator must grant admin consent in Settings > Connections first"}
}

func connectionNotFound(id string) *apiError {
	return notFoundError(api.ErrorCodeConnectionNotFound,
		fmt.Sprintf("connection %s not found; GET /tenants/me/connections lists the account's connections", quoteForMessage(id)))
}

// newScanLocked creates and stores a scan from the current knobs; s.mu must
// be held. The creation index, not the time, drives every generated value,
// so two simulators with the same seed create the same scans.
func (s *Server) newScanLocked(acct *account, connectionID string, scanType api.ScanType, now time.Time) *scanRecord {
	index := s.sequence.nextScanIndex
	s.sequence.nextScanIndex++
	s.stats.ScansCreated++
	scan := &scanRecord{
		id:            scanID(s.seed, index),
		creationIndex: index,
		account:       acct.id,
		connection:    connectionID,
		scanType:      scanType,
		createdAt:     now,
		duration:      s.scanDuration,
		outcome:       s.scanOutcome,
		resultCount:   s.resultsPerScan,
		seed:          s.seed,
	}
	scan.targetScore = s.nextTargetScoreLocked(acct.id, scan)
	s.scans[scan.id] = scan
	acct.scans = append(acct.scans, scan)
	acct.scansCreated++
	acct.latest[connectionID] = scan
	return scan
}

// nextTargetScoreLocked is the score of a scan being created: the fixed
// score, else the account's next score of the sequence (its n-th scan
// created to complete gets the n-th score, the last one repeating), else
// one derived from the seed. s.mu must be held.
func (s *Server) nextTargetScoreLocked(accountID string, scan *scanRecord) float64 {
	if !scan.completes() {
		return derivedScore(s.seed, scan.creationIndex) // never reported
	}
	completedBefore := s.sequence.completedByAccount[accountID]
	s.sequence.completedByAccount[accountID]++
	switch {
	case s.score != nil:
		return *s.score
	case len(s.scoreSequence) > 0:
		return s.scoreSequence[min(completedBefore, len(s.scoreSequence)-1)]
	}
	return derivedScore(s.seed, scan.creationIndex)
}

func (o *operations) GetScan(w http.ResponseWriter, r *http.Request, scanID api.ScanID) {
	s := o.server()
	scan, apiErr := s.visibleScan(exchangeOf(r).caller, scanID)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	now := s.clock.Now()
	view := scan.viewAt(now)
	if s.assumed && view.Status == api.ScanStatusInProgress {
		w.Header().Set("Retry-After", strconv.Itoa(scan.retryAfterSeconds(now)))
	}
	answer(w, http.StatusOK, api.ScanEnvelope{Success: true, Data: view})
}

// visibleScan returns the scan if it exists and belongs to the caller's
// account; otherwise 404 alike, so ids of other accounts' scans do not leak.
func (s *Server) visibleScan(caller principal, id string) (*scanRecord, *apiError) {
	s.mu.Lock()
	scan, ok := s.scans[id]
	s.mu.Unlock() // nothing between Lock and Unlock can panic
	if !ok || scan.account != caller.account {
		return nil, notFoundError(api.ErrorCodeScanNotFound, fmt.Sprintf("scan %s not found", quoteForMessage(id)))
	}
	return scan, nil
}

func (o *operations) ListScans(w http.ResponseWriter, r *http.Request, tenantID api.TenantID, params api.ListScansParams) {
	s := o.server()
	ex := exchangeOf(r)
	if apiErr := checkTenant(ex.caller, tenantID); apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	scans, apiErr := s.accountScans(ex.caller.account, valueOf(params.ConnectionID))
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	page := s.pageOf("listScans", params.Page, params.Limit)
	now := s.clock.Now()
	// Newest first: reverse creation order.
	views := []api.Scan{}
	total := 0
	first := page.offset()
	for _, scan := range slices.Backward(scans) {
		if params.ScanType != nil && scan.scanType != *params.ScanType {
			continue
		}
		if params.Status != nil && string(scan.statusAt(now)) != string(*params.Status) {
			continue
		}
		if total >= first && len(views) < page.limit {
			views = append(views, scan.viewAt(now))
		}
		total++
	}
	answer(w, http.StatusOK, api.ScanListEnvelope{Success: true, Data: views, Meta: s.meta(page, total)})
}

// accountScans returns a snapshot of an account's scans in creation order,
// of one connection when connectionID is not "".
func (s *Server) accountScans(accountID, connectionID string) ([]*scanRecord, *apiError) {
	s.mu.Lock()
	defer s.mu.Unlock()
	acct := s.accounts[accountID]
	if connectionID == "" {
		return slices.Clone(acct.scans), nil
	}
	if acct.connection(connectionID) == nil {
		return nil, connectionNotFound(connectionID)
	}
	var scans []*scanRecord
	for _, scan := range acct.scans {
		if scan.connection == connectionID {
			scans = append(scans, scan)
		}
	}
	return scans, nil
}

// completedScan returns the caller's scan if it completed: results exist
// only then (409 SCAN_NOT_COMPLETED otherwise).
func (s *Server) completedScan(caller principal, id string) (*scanRecord, *apiError) {
	scan, apiErr := s.visibleScan(caller, id)
	if apiErr != nil {
		return nil, apiErr
	}
	switch status := scan.statusAt(s.clock.Now()); status {
	case api.ScanStatusCompleted:
		return scan, nil
	case api.ScanStatusInProgress:
		return nil, &apiError{Status: http.StatusConflict, Code: api.ErrorCodeScanNotCompleted,
			Message: fmt.Sprintf("scan %s is in progress; results are available once it is completed", scan.id)}
	default:
		return nil, &apiError{Status: http.StatusConflict, Code: api.ErrorCodeScanNotCompleted,
			Message: fmt.Sprintf("scan %s ended %s and has no results", scan.id, status)}
	}
}

func (o *operations) ListResults(w http.ResponseWriter, r *http.Request, scanID api.ScanID, params api.ListResultsParams) {
	s := o.server()
	scan, apiErr := s.completedScan(exchangeOf(r).caller, scanID)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	page := s.pageOf("listResults", params.Page, params.Limit)
	filter := resultFilter{result: params.Result, severity: params.Severity, framework: params.Framework}
	results, total := scan.results().page(scan, filter, page)
	answer(w, http.StatusOK, api.ResultListEnvelope{Success: true, Data: results, Meta: s.meta(page, total)})
}

func (o *operations) GetResult(w http.ResponseWriter, r *http.Request, scanID api.ScanID, testID string) {
	s := o.server()
	scan, apiErr := s.completedScan(exchangeOf(r).caller, scanID)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	generated := scan.results()
	position := generated.firstPositionOf(testID)
	if position < 0 {
		fail(w, r, notFoundError(api.ErrorCodeResultNotFound,
			fmt.Sprintf("scan %s has no result for test ID %s; test IDs look like CIS.M365.1.1.1 or AE.1068", scan.id, quoteForMessage(testID))))
		return
	}
	answer(w, http.StatusOK, api.ResultEnvelope{Success: true, Data: generated.view(scan, position)})
}
