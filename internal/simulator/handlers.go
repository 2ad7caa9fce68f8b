package simulator

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
)

// tenantMe names the key's own (first) tenant in paths, as the seed does.
const tenantMe = "me"

// maxIdempotencyKeyLen bounds the Idempotency-Key header (contract: ≤ 255).
const maxIdempotencyKeyLen = 255

// idempotencyScope keys stored creations by API key, so two callers that
// happen to pick the same Idempotency-Key never see each other's scans.
type idempotencyScope struct {
	apiKey         string
	idempotencyKey string
}

// idempotencyRecord remembers what a key was first used for. The fingerprint
// is the request's meaning (tenant and scan type), not its bytes, so a
// retry that re-serialises the same body with other spacing still replays.
type idempotencyRecord struct {
	fingerprint string
	scanID      string
}

// resolveTenant turns the path's tenant ("me" or an ID) into a tenant ID the
// caller may see.
func resolveTenant(caller principal, pathTenant string) (string, *apiError) {
	if pathTenant == tenantMe {
		return caller.tenants[0], nil
	}
	if !caller.canSee(pathTenant) {
		return "", &apiError{Status: http.StatusForbidden, Code: apicode.Forbidden,
			Message: fmt.Sprintf("this API key has no access to tenant %s", quoteForMessage(pathTenant))}
	}
	return pathTenant, nil
}

type createScanRequest struct {
	ScanType *string `json:"scan_type"`
}

func (s *Server) createScan(w http.ResponseWriter, r *http.Request, caller principal, pathTenant string) *apiError {
	tenant, apiErr := resolveTenant(caller, pathTenant)
	if apiErr != nil {
		return apiErr
	}
	idempotencyKey := r.Header.Get("Idempotency-Key")
	if len(idempotencyKey) > maxIdempotencyKeyLen {
		return validationError(fmt.Sprintf("the Idempotency-Key header must be at most %d characters", maxIdempotencyKeyLen))
	}
	scanType, apiErr := readCreateScanRequest(r)
	if apiErr != nil {
		return apiErr
	}
	scan, replayed, apiErr := s.createOrReplay(caller.apiKey, idempotencyKey, tenant, scanType)
	if apiErr != nil {
		return apiErr
	}
	if replayed {
		w.Header().Set("Idempotent-Replayed", "true")
	}
	w.Header().Set("Location", "/scans/"+scan.id)
	writeData(w, http.StatusCreated, scan.viewAt(s.clock.Now()), nil)
	return nil
}

// createOrReplay creates a scan, or returns the one an earlier request with
// the same Idempotency-Key created. One critical section from look-up to
// insert is what makes concurrent identical requests create exactly one scan.
func (s *Server) createOrReplay(apiKey, idempotencyKey, tenant, scanType string) (*scanRecord, bool, *apiError) {
	fingerprint := tenant + "\x00" + scanType
	scope := idempotencyScope{apiKey: apiKey, idempotencyKey: idempotencyKey}
	s.mu.Lock()
	defer s.mu.Unlock()
	if idempotencyKey != "" {
		if record, seen := s.idempotency[scope]; seen {
			existing, stillHeld := s.scans[record.scanID]
			switch {
			case !stillHeld:
				// The scan was forgotten (ForgetScan): the key is free again.
				delete(s.idempotency, scope)
			case record.fingerprint != fingerprint:
				return nil, false, &apiError{Status: http.StatusUnprocessableEntity, Code: apicode.IdempotencyKeyReused,
					Message: "this Idempotency-Key was already used with a different request; use a new key for a new scan"}
			default:
				return existing, true, nil
			}
		}
	}
	scan := s.newScanLocked(tenant, scanType, s.clock.Now())
	if idempotencyKey != "" {
		s.idempotency[scope] = idempotencyRecord{fingerprint: fingerprint, scanID: scan.id}
	}
	return scan, false, nil
}

// readCreateScanRequest reads the bounded body and returns a valid scan type.
func readCreateScanRequest(r *http.Request) (string, *apiError) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return "", &apiError{Status: http.StatusRequestEntityTooLarge, Code: apicode.PayloadTooLarge,
				Message: fmt.Sprintf("the request body must be at most %d bytes", maxBodyBytes)}
		}
		return "", validationError("the request body could not be read")
	}
	const expected = `the request body must be a JSON object such as {"scan_type": "compliance"}`
	if len(strings.TrimSpace(string(body))) == 0 {
		return "", validationError(expected + "; it is empty")
	}
	var request createScanRequest
	if err := json.Unmarshal(body, &request); err != nil {
		var wrongType *json.UnmarshalTypeError
		if errors.As(err, &wrongType) {
			return "", validationError(fmt.Sprintf("%s; got a JSON %s where %s belongs", expected, wrongType.Value, describeJSONType(wrongType.Type.Kind())))
		}
		return "", validationError(expected + ": " + err.Error())
	}
	if request.ScanType == nil {
		return "", validationError(expected + "; scan_type is missing")
	}
	if !slices.Contains(scanTypes, *request.ScanType) {
		return "", validationError(fmt.Sprintf("scan_type must be one of %s, got %s",
			strings.Join(scanTypes, ", "), quoteForMessage(*request.ScanType)))
	}
	return *request.ScanType, nil
}

// describeJSONType names the JSON type a Go kind decodes from, so messages
// speak JSON rather than Go.
func describeJSONType(kind reflect.Kind) string {
	switch kind {
	case reflect.String:
		return "a string"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return "a value of another type"
}

// newScanLocked creates and stores a scan from the current knobs; s.mu must
// be held. The creation index, not the time, drives every generated value,
// so two simulators with the same seed create the same scans.
func (s *Server) newScanLocked(tenant, scanType string, now time.Time) *scanRecord {
	index := s.sequence.nextScanIndex
	s.sequence.nextScanIndex++
	s.stats.ScansCreated++
	scan := &scanRecord{
		id:            scanID(s.seed, index),
		creationIndex: index,
		tenant:        tenant,
		scanType:      scanType,
		createdAt:     now,
		duration:      s.scanDuration,
		outcome:       s.scanOutcome,
		resultCount:   s.resultsPerScan,
		targetScore:   s.nextTargetScoreLocked(tenant, index),
		failureReason: failureReasonFor(s.seed, index),
		seed:          s.seed,
	}
	s.scans[scan.id] = scan
	s.scansByTenant[tenant] = append(s.scansByTenant[tenant], scan)
	return scan
}

// nextTargetScoreLocked is the score of a scan about to be created: the
// fixed score, else the tenant's next score of the sequence (its n-th scan
// created to complete gets the n-th score, the last one repeating), else
// one derived from the seed. s.mu must be held.
func (s *Server) nextTargetScoreLocked(tenant string, index int) float64 {
	if s.scanOutcome != OutcomeCompleted {
		return derivedScore(s.seed, index) // never reported: the scan fails
	}
	completedBefore := s.sequence.completedByTenant[tenant]
	s.sequence.completedByTenant[tenant]++
	switch {
	case s.score != nil:
		return *s.score
	case len(s.scoreSequence) > 0:
		return s.scoreSequence[min(completedBefore, len(s.scoreSequence)-1)]
	}
	return derivedScore(s.seed, index)
}

func (s *Server) getScan(w http.ResponseWriter, caller principal, id string) *apiError {
	scan, apiErr := s.visibleScan(caller, id)
	if apiErr != nil {
		return apiErr
	}
	now := s.clock.Now()
	view := scan.viewAt(now)
	if view.Status == statusQueued || view.Status == statusRunning {
		w.Header().Set("Retry-After", strconv.Itoa(scan.retryAfterSeconds(now)))
	}
	writeData(w, http.StatusOK, view, nil)
	return nil
}

// visibleScan returns the scan if it exists and belongs to a tenant the
// caller may see; otherwise 404 alike, so ids of other tenants' scans do
// not leak.
func (s *Server) visibleScan(caller principal, id string) (*scanRecord, *apiError) {
	s.mu.Lock()
	scan, ok := s.scans[id]
	s.mu.Unlock() // nothing between Lock and Unlock can panic
	if !ok || !caller.canSee(scan.tenant) {
		return nil, notFoundError(fmt.Sprintf("scan %s not found", quoteForMessage(id)))
	}
	return scan, nil
}

func (s *Server) listScans(w http.ResponseWriter, query url.Values, caller principal, pathTenant string) *apiError {
	tenant, apiErr := resolveTenant(caller, pathTenant)
	if apiErr != nil {
		return apiErr
	}
	statusFilter, apiErr := parseEnum(query, "status", scanStatuses)
	if apiErr != nil {
		return apiErr
	}
	typeFilter, apiErr := parseEnum(query, "scan_type", scanTypes)
	if apiErr != nil {
		return apiErr
	}
	page, apiErr := parsePagination(query)
	if apiErr != nil {
		return apiErr
	}

	now := s.clock.Now()
	tenantScans := s.tenantScans(tenant)

	// Newest first: reverse creation order, which is created_at descending
	// with ties broken by id descending (ids count up in creation order).
	views := []scanView{}
	total := 0
	first := page.offset()
	for _, scan := range slices.Backward(tenantScans) {
		if typeFilter >= 0 && scan.scanType != scanTypes[typeFilter] {
			continue
		}
		if statusFilter >= 0 && scan.statusAt(now) != scanStatuses[statusFilter] {
			continue
		}
		if total >= first && len(views) < page.limit {
			views = append(views, scan.viewAt(now))
		}
		total++
	}
	writeData(w, http.StatusOK, views, page.meta(total))
	return nil
}

// tenantScans returns a snapshot of a tenant's scans in creation order.
func (s *Server) tenantScans(tenant string) []*scanRecord {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.scansByTenant[tenant])
}

func (s *Server) listResults(w http.ResponseWriter, query url.Values, caller principal, id string) *apiError {
	scan, apiErr := s.visibleScan(caller, id)
	if apiErr != nil {
		return apiErr
	}
	filter := resultFilter{}
	if filter.outcome, apiErr = parseEnum(query, "result", resultValues); apiErr != nil {
		return apiErr
	}
	if filter.severity, apiErr = parseEnum(query, "severity", severityValues); apiErr != nil {
		return apiErr
	}
	page, apiErr := parsePagination(query)
	if apiErr != nil {
		return apiErr
	}
	switch status := scan.statusAt(s.clock.Now()); status {
	case statusCompleted:
	case statusFailed:
		return &apiError{Status: http.StatusConflict, Code: apicode.ScanNotCompleted,
			Message: fmt.Sprintf("scan %s failed and has no results", scan.id)}
	default:
		return &apiError{Status: http.StatusConflict, Code: apicode.ScanNotCompleted,
			Message: fmt.Sprintf("scan %s is %s; results are available once it is completed", scan.id, status)}
	}
	views, total := scan.results().page(s.seed, scan.creationIndex, filter, page)
	writeData(w, http.StatusOK, views, page.meta(total))
	return nil
}
