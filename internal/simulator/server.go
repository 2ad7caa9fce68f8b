package simulator

import (
	"fmt"
	"io"
	"maps"
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// maxBodyBytes caps request bodies; a scan request is a few dozen bytes.
const maxBodyBytes = 64 << 10

// Server is the simulated Aether365 API. It is safe for concurrent use.
type Server struct {
	// Fixed at New.
	apiKeys       map[string][]string
	latency       time.Duration
	errorRate     float64
	resetRate     float64
	malformedRate float64
	seed          int64
	clock         clock.Clock
	// limiters holds one token bucket per API key, plus anonymousLimiter
	// shared by requests without a known key, so unknown keys cannot grow
	// memory. nil when rate limiting is off.
	limiters         map[string]*rate.Limiter
	anonymousLimiter *rate.Limiter

	logMu sync.Mutex
	log   io.Writer

	// errorRNG draws each request's fault (ErrorRate, ResetRate, MalformedRate).
	errorRNGMu sync.Mutex
	errorRNG   *rand.Rand

	// mu guards everything below.
	mu             sync.Mutex
	score          *float64
	scanOutcome    string
	scanDuration   time.Duration
	resultsPerScan int
	scans          map[string]*scanRecord
	scansByTenant  map[string][]*scanRecord // creation order
	idempotency    map[idempotencyScope]idempotencyRecord
	stats          Stats
}

// Stats counts what the simulator has seen, for tests and benchmarks.
type Stats struct {
	// Requests counts every request, whatever its answer.
	Requests int
	// ByRoute counts requests by endpoint (the route they were addressed to,
	// even when answered 401, 429 or 503); "other" is unknown paths and
	// wrong methods.
	ByRoute map[string]int
	// ScansCreated counts scans created (idempotent replays excluded).
	ScansCreated int
	// RateLimited counts 429 responses.
	RateLimited int
	// InjectedErrors counts 503 responses caused by ErrorRate.
	InjectedErrors int
	// InjectedResets counts requests processed and then answered by closing
	// the connection (ResetRate).
	InjectedResets int
	// InjectedMalformed counts requests processed and then answered with a
	// broken body (MalformedRate).
	InjectedMalformed int
}

// New validates cfg and returns a simulator with no scans.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	apiKeys := map[string][]string{DemoAPIKey: {DemoTenant}}
	if len(cfg.APIKeys) > 0 {
		apiKeys = make(map[string][]string, len(cfg.APIKeys))
		for key, tenants := range cfg.APIKeys {
			apiKeys[key] = slices.Clone(tenants)
		}
	}
	s := &Server{
		apiKeys:        apiKeys,
		latency:        cfg.Latency,
		errorRate:      cfg.ErrorRate,
		resetRate:      cfg.ResetRate,
		malformedRate:  cfg.MalformedRate,
		seed:           cfg.Seed,
		clock:          cfg.Clock,
		log:            cfg.RequestLog,
		scanOutcome:    cfg.ScanOutcome,
		scanDuration:   cfg.ScanDuration,
		resultsPerScan: cfg.ResultsPerScan,
		scans:          map[string]*scanRecord{},
		scansByTenant:  map[string][]*scanRecord{},
		idempotency:    map[idempotencyScope]idempotencyRecord{},
		stats:          Stats{ByRoute: map[string]int{}},
	}
	if s.clock == nil {
		s.clock = clock.Real{}
	}
	if s.scanOutcome == "" {
		s.scanOutcome = OutcomeCompleted
	}
	if s.resultsPerScan == 0 {
		s.resultsPerScan = DefaultResultsPerScan
	}
	if cfg.Score != nil {
		score := *cfg.Score
		s.score = &score
	}
	errorSeed := derive(cfg.Seed, streamErrorInjection)
	s.errorRNG = rand.New(rand.NewPCG(errorSeed, ^errorSeed))
	if cfg.RateLimit > 0 {
		burst := max(1, int(cfg.RateLimit))
		s.limiters = make(map[string]*rate.Limiter, len(apiKeys))
		for key := range apiKeys {
			s.limiters[key] = rate.NewLimiter(rate.Limit(cfg.RateLimit), burst)
		}
		s.anonymousLimiter = rate.NewLimiter(rate.Limit(cfg.RateLimit), burst)
	}
	return s, nil
}

// SetScore makes scans created afterwards complete with score. It panics on
// a score outside 0..100: a bad value is a bug in the calling test.
func (s *Server) SetScore(score float64) {
	if err := validateScore(score); err != nil {
		panic(err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.score = &score
}

// SetScanOutcome makes scans created afterwards end "completed" or "failed".
// It panics on any other value.
func (s *Server) SetScanOutcome(outcome string) {
	if err := validateOutcome(outcome); err != nil || outcome == "" {
		panic(fmt.Sprintf("simulator: SetScanOutcome(%q): want %q or %q", outcome, OutcomeCompleted, OutcomeFailed))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanOutcome = outcome
}

// SetScanDuration sets how long scans created afterwards take. It panics on a
// negative duration.
func (s *Server) SetScanDuration(d time.Duration) {
	if d < 0 {
		panic(fmt.Sprintf("simulator: SetScanDuration(%s): must not be negative", d))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scanDuration = d
}

// SetResultsPerScan sets how many results scans created afterwards have
// (0 means the default). It panics outside 0..MaxResultsPerScan.
func (s *Server) SetResultsPerScan(n int) {
	if n < 0 || n > MaxResultsPerScan {
		panic(fmt.Sprintf("simulator: SetResultsPerScan(%d): want 0..%d", n, MaxResultsPerScan))
	}
	if n == 0 {
		n = DefaultResultsPerScan
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.resultsPerScan = n
}

// ScanCount returns how many scans the simulator holds for a tenant ID
// (a real ID such as "demo", not "me").
func (s *Server) ScanCount(tenant string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.scansByTenant[tenant])
}

// ScanIDs returns the IDs of a tenant's scans (a real tenant ID such as
// "demo", not "me") in creation order, so a test can tell a scan it knows
// of from an orphan or a duplicate.
func (s *Server) ScanIDs(tenant string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ids := make([]string, 0, len(s.scansByTenant[tenant]))
	for _, scan := range s.scansByTenant[tenant] {
		ids = append(ids, scan.id)
	}
	return ids
}

// ForgetScan deletes a scan, as data retention would; the next GET of it is
// 404. It reports whether the scan existed.
func (s *Server) ForgetScan(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	scan, ok := s.scans[id]
	if !ok {
		return false
	}
	delete(s.scans, id)
	s.scansByTenant[scan.tenant] = slices.DeleteFunc(s.scansByTenant[scan.tenant], func(other *scanRecord) bool {
		return other == scan
	})
	return true
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	copied := s.stats
	copied.ByRoute = maps.Clone(s.stats.ByRoute)
	return copied
}

// principal is the caller an API key authenticates.
type principal struct {
	apiKey  string
	tenants []string
}

// canSee reports whether the key may see tenant (an ID, not "me").
func (p principal) canSee(tenant string) bool { return slices.Contains(p.tenants, tenant) }

// ServeHTTP answers one API request. The checks run in a fixed order,
// cheapest and most global first: latency, injected faults, rate limit,
// authentication, query guards, routing, then the endpoint. A request picked
// for a reset or a malformed answer is processed in full first (a POST
// creates its scan), and only its answer is lost or broken.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	started := time.Now()
	requestID := newRequestID()
	recorder := &statusRecorder{ResponseWriter: w}
	recorder.Header().Set("X-Request-Id", requestID)
	escapedPath := r.URL.EscapedPath()
	routed := matchRoute(r.Method, escapedPath)

	s.mu.Lock()
	s.stats.Requests++
	s.stats.ByRoute[routed.route.statsKey()]++
	s.mu.Unlock()

	// logged is what the request log reports when a fault replaced the
	// answer; reset is set when the connection is to be dropped, which
	// happens after the log line is written, so that whoever sees the reset
	// also finds it in the log.
	var logged struct {
		status int
		fault  string
		reset  bool
	}
	defer func() {
		status := logged.status
		if status == 0 {
			status = recorder.status
			if !recorder.wroteHeader {
				status = http.StatusOK
			}
		}
		s.logRequest(r.Method, escapedPath, status, started, requestID, logged.fault)
		if logged.reset {
			resetConnection(w)
		}
	}()
	defer func() {
		// A last resort: a handler bug must still produce an envelope.
		if recovered := recover(); recovered != nil {
			if recovered == http.ErrAbortHandler {
				panic(recovered)
			}
			if !recorder.wroteHeader {
				writeError(recorder, requestID, &apiError{Status: http.StatusInternalServerError, Code: codeInternal,
					Message: "the simulator hit an unexpected error; this is a simulator bug"})
			}
		}
	}()

	// Latency is spent on the wall clock even when scans run on a fake one:
	// it stands for the network, which benchmarks measure in real time.
	if s.latency > 0 {
		if err := (clock.Real{}).Sleep(r.Context(), s.latency); err != nil {
			writeError(recorder, requestID, &apiError{Status: http.StatusServiceUnavailable, Code: codeServiceUnavailable,
				Message: "the request was cancelled while the simulator delayed it", RetryAfterSeconds: 1})
			return
		}
	}
	switch s.drawFault() {
	case faultError:
		s.mu.Lock()
		s.stats.InjectedErrors++
		s.mu.Unlock()
		logged.fault = logFaultError
		writeError(recorder, requestID, &apiError{Status: http.StatusServiceUnavailable, Code: codeServiceUnavailable,
			Message: "the service is temporarily unavailable (simulated by --error-rate); retry later", RetryAfterSeconds: 1})
	case faultReset:
		processed := s.serveBuffered(recorder.Header(), r, routed, requestID)
		s.mu.Lock()
		s.stats.InjectedResets++
		s.mu.Unlock()
		logged.status, logged.fault, logged.reset = processed.status, logFaultReset, true
	case faultMalformed:
		processed := s.serveBuffered(recorder.Header(), r, routed, requestID)
		kind := s.nextMalformedKind()
		logged.fault = kind.logName()
		writeMalformed(recorder, kind, processed, requestID)
	default:
		if apiErr := s.serve(recorder, r, routed); apiErr != nil {
			writeError(recorder, requestID, apiErr)
		}
	}
}

// serveBuffered processes a request into a buffer, for a fault to replace
// or drop its answer.
func (s *Server) serveBuffered(header http.Header, r *http.Request, routed match, requestID string) *bufferedResponse {
	processed := newBufferedResponse(header)
	if apiErr := s.serve(processed, r, routed); apiErr != nil {
		writeError(processed, requestID, apiErr)
	}
	return processed
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request, routed match) *apiError {
	presentedKey, authErr := bearerToken(r.Header.Get("Authorization"))
	if apiErr := s.checkRateLimit(presentedKey); apiErr != nil {
		s.mu.Lock()
		s.stats.RateLimited++
		s.mu.Unlock()
		return apiErr
	}
	if authErr != nil {
		return authErr
	}
	tenants, known := s.apiKeys[presentedKey]
	if !known {
		return unauthorized("the API key is not valid; generate one in Settings > API Keys")
	}
	caller := principal{apiKey: presentedKey, tenants: tenants}

	query, apiErr := parseQuery(r.URL.RawQuery)
	if apiErr != nil {
		return apiErr
	}
	if routed.route == routeNone {
		if routed.allow != "" {
			return &apiError{Status: http.StatusMethodNotAllowed, Code: codeMethodNotAllowed,
				Message: fmt.Sprintf("method %s is not allowed here; use %s", quoteForMessage(r.Method), routed.allow), Allow: routed.allow}
		}
		return notFoundError("no such endpoint; see the API reference for the available endpoints")
	}
	if r.Body == nil {
		r.Body = http.NoBody // a handler-level caller may leave it nil; a server never does
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)

	switch routed.route {
	case routeCreateScan:
		return s.createScan(w, r, caller, routed.tenant)
	case routeGetScan:
		return s.getScan(w, caller, routed.scanID)
	case routeListScans:
		return s.listScans(w, query, caller, routed.tenant)
	case routeListResults:
		return s.listResults(w, query, caller, routed.scanID)
	}
	return notFoundError("no such endpoint")
}

// checkRateLimit takes a token from the caller's bucket, or answers 429 with
// the whole seconds until one is available. Time comes from the injected
// clock, so a fake clock refills buckets only when advanced.
func (s *Server) checkRateLimit(presentedKey string) *apiError {
	if s.limiters == nil {
		return nil
	}
	limiter, known := s.limiters[presentedKey]
	if !known {
		limiter = s.anonymousLimiter
	}
	now := s.clock.Now()
	reservation := limiter.ReserveN(now, 1)
	delay := reservation.DelayFrom(now)
	if reservation.OK() && delay == 0 {
		return nil
	}
	reservation.CancelAt(now)
	seconds := int(math.Ceil(delay.Seconds()))
	return &apiError{Status: http.StatusTooManyRequests, Code: codeRateLimited,
		Message: "too many requests for this API key; retry after the Retry-After delay", RetryAfterSeconds: max(seconds, 1)}
}

func unauthorized(message string) *apiError {
	return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: message}
}

// bearerToken extracts the key from "Bearer <key>". The error messages name
// what is wrong but never echo the header, which holds a secret.
func bearerToken(header string) (string, *apiError) {
	if header == "" {
		return "", unauthorized("missing Authorization header; send Authorization: Bearer <API key>")
	}
	scheme, token, found := strings.Cut(header, " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", unauthorized("malformed Authorization header; send Authorization: Bearer <API key>")
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", unauthorized("malformed Authorization header; send Authorization: Bearer <API key>")
	}
	return token, nil
}

// statusRecorder remembers the status for the request log and for the
// recover handler, which must not write a second header.
type statusRecorder struct {
	http.ResponseWriter
	status      int
	wroteHeader bool
}

func (r *statusRecorder) WriteHeader(status int) {
	if r.wroteHeader {
		return
	}
	r.status, r.wroteHeader = status, true
	r.ResponseWriter.WriteHeader(status)
}

func (r *statusRecorder) Write(b []byte) (int, error) {
	if !r.wroteHeader {
		r.WriteHeader(http.StatusOK)
	}
	return r.ResponseWriter.Write(b)
}

// logRequest writes one line per request. It logs the escaped path only:
// never the query string, headers or body, so no key can leak into logs. A
// request whose answer an injected fault replaced ends with " fault=KIND";
// for a reset, the status is the answer that was processed and then dropped.
func (s *Server) logRequest(method, escapedPath string, status int, started time.Time, requestID, fault string) {
	if s.log == nil {
		return
	}
	suffix := ""
	if fault != "" {
		suffix = " fault=" + fault
	}
	line := fmt.Sprintf("%s %s %s %d %s %s%s\n", time.Now().UTC().Format(time.RFC3339), printable(method), escapedPath,
		status, time.Since(started).Round(time.Microsecond), requestID, suffix)
	s.logMu.Lock()
	defer s.logMu.Unlock()
	_, _ = io.WriteString(s.log, line)
}

// printable keeps a log line on one line whatever method a client sends.
func printable(s string) string {
	return strings.Map(func(r rune) rune {
		if r <= ' ' || r == 0x7f {
			return '?'
		}
		return r
	}, s)
}
