package simulator

import (
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"

	"golang.org/x/time/rate"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/api/apiserver"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// maxBodyBytes caps request bodies; the largest body of the API, a
// schedule, is a few hundred bytes.
const maxBodyBytes = 64 << 10

// Server is the simulated Aether365 API. It is safe for concurrent use.
type Server struct {
	// Fixed at New.
	assumed           bool
	omitTotalPages    bool
	apiKeys           map[string]string
	entitlements      map[string]bool
	aiPilotConnection string
	latency           time.Duration
	errorRate         float64
	resetRate         float64
	malformedRate     float64
	seed              int64
	clock             clock.Clock
	contract          *contract
	// limiters holds one token bucket per API key, plus anonymousLimiter
	// shared by requests without a known key, so unknown keys cannot grow
	// memory. nil when rate limiting is off.
	limiters         map[string]*rate.Limiter
	anonymousLimiter *rate.Limiter
	// requestLog is nil when Config.RequestLog is.
	requestLog *slog.Logger
	// handler is the middleware chain ServeHTTP runs.
	handler http.Handler
	// validateAnswers is always on; a benchmark turns it off to measure
	// what it costs.
	validateAnswers bool
	// breakAnswer, when set, rewrites every answer (its header in place,
	// its body returned) before it is validated: a test's stand-in for a
	// handler bug.
	breakAnswer func(header http.Header, body []byte) []byte

	// errorRNG draws each request's fault (ErrorRate, ResetRate, MalformedRate).
	errorRNGMu sync.Mutex
	errorRNG   *rand.Rand

	// mu guards everything below.
	mu             sync.Mutex
	score          *float64
	scoreSequence  []float64
	scanOutcome    string
	scanDuration   time.Duration
	resultsPerScan int
	scanQuota      int
	accounts       map[string]*account
	scans          map[string]*scanRecord
	idempotency    map[idempotencyScope]idempotencyRecord
	sequence       sequence
	stats          Stats
	nonConforming  []string
}

// sequence is the state that decides what comes next. It is kept apart from
// Stats so the counters only count: resetting or reading them can never
// change an ID or a fault.
type sequence struct {
	// nextScanIndex is the creation index of the next scan, which its ID,
	// results and derived score come from.
	nextScanIndex int
	// completedByAccount counts each account's scans created to complete,
	// so the n-th one gets the n-th score of the score sequence.
	completedByAccount map[string]int
	// nextMalformed is the malformed answer the next faultMalformed gets.
	nextMalformed malformedKind
}

// New validates cfg and returns a simulator with no scans.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	contract, err := loadContract()
	if err != nil {
		return nil, err
	}
	apiKeys := map[string]string{DemoAPIKey: DemoTenant}
	if len(cfg.APIKeys) > 0 {
		apiKeys = make(map[string]string, len(cfg.APIKeys))
		for key, account := range cfg.APIKeys {
			apiKeys[key] = account
		}
	}
	s := &Server{
		assumed:           cfg.Profile == ProfileAssumed,
		omitTotalPages:    cfg.OmitTotalPages,
		apiKeys:           apiKeys,
		entitlements:      map[string]bool{},
		aiPilotConnection: cfg.AIPilotConnection,
		latency:           cfg.Latency,
		errorRate:         cfg.ErrorRate,
		resetRate:         cfg.ResetRate,
		malformedRate:     cfg.MalformedRate,
		seed:              cfg.Seed,
		clock:             cfg.Clock,
		contract:          contract,
		requestLog:        newRequestLogger(cfg.RequestLog, cfg.RequestLogFormat),
		validateAnswers:   true,
		scoreSequence:     slices.Clone(cfg.ScoreSequence),
		scanOutcome:       cfg.ScanOutcome,
		scanDuration:      cfg.ScanDuration,
		resultsPerScan:    cfg.ResultsPerScan,
		scanQuota:         cfg.ScanQuota,
		accounts:          map[string]*account{},
		scans:             map[string]*scanRecord{},
		idempotency:       map[idempotencyScope]idempotencyRecord{},
		sequence:          sequence{completedByAccount: map[string]int{}},
		stats:             Stats{ByRoute: map[string]int{}},
	}
	for _, entitlement := range cfg.Entitlements {
		s.entitlements[entitlement] = true
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
	planTier := cfg.PlanTier
	if planTier == "" {
		planTier = DefaultPlanTier
	}
	start := s.clock.Now()
	for _, accountID := range sortedKeys(invert(apiKeys)) {
		connections, listed := cfg.Connections[accountID]
		if !listed {
			connections = []string{DefaultConnection}
		}
		s.accounts[accountID] = newAccount(cfg.Seed, accountID, connections, planTier, start)
	}
	errorSeed := derive(cfg.Seed, streamErrorInjection)
	s.errorRNG = rand.New(rand.NewPCG(errorSeed, ^errorSeed))
	s.limiters, s.anonymousLimiter = newRateLimiters(cfg.RateLimit, apiKeys)
	s.handler = s.middleware(s.operationsHandler())
	return s, nil
}

func invert(m map[string]string) map[string]bool {
	values := make(map[string]bool, len(m))
	for _, v := range m {
		values[v] = true
	}
	return values
}

// operationsHandler serves the operations of the document, routed and
// bound by the generated apiserver.
func (s *Server) operationsHandler() http.Handler {
	mux := http.NewServeMux()
	// The document routes before the mux does (withRequestValidation), so
	// this only stands between a routing difference and a plain-text 404.
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, exchangeOf(r), notFoundError(api.ErrorCodeNotFound, "no such endpoint; see the API reference for the available endpoints"))
	})
	return apiserver.HandlerWithOptions((*operations)(s), apiserver.StdHTTPServerOptions{
		BaseRouter:       mux,
		ErrorHandlerFunc: bindingError,
	})
}

// bindingError answers a parameter the generated binder could not read;
// request validation has checked them already, so this is a safety net.
func bindingError(w http.ResponseWriter, r *http.Request, err error) {
	name := ""
	var (
		invalid  *apiserver.InvalidParamFormatError
		required *apiserver.RequiredParamError
		tooMany  *apiserver.TooManyValuesForParamError
	)
	switch {
	case errors.As(err, &invalid):
		name = invalid.ParamName
	case errors.As(err, &required):
		name = required.ParamName
	case errors.As(err, &tooMany):
		name = tooMany.ParamName
	}
	details := map[string]any{}
	if name != "" {
		details[detailParameter] = name
	}
	writeError(w, exchangeOf(r), validationError("parameter "+quoteForMessage(name)+" cannot be read: "+firstLine(err.Error()), details))
}

// middleware wraps the API in the layers every request goes through, in a
// fixed order, cheapest and most global first: request ID, routing and
// counting, the request log, the last-resort recover, latency, injected
// faults, answer validation, the rate limit, authentication and request
// validation. A request picked for a reset or a malformed answer is
// processed in full first (a POST creates its scan), and only its answer is
// lost or broken.
func (s *Server) middleware(inner http.Handler) http.Handler {
	return s.withExchange(
		s.withRequestLog(
			withRecover(
				s.withLatency(
					s.withFaults(
						s.withConformance(
							s.withRateLimit(
								s.withAuthentication(
									s.withRequestValidation(inner)))))))))
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}

// Profile is ProfilePublished or ProfileAssumed, as configured.
func (s *Server) Profile() string {
	if s.assumed {
		return ProfileAssumed
	}
	return ProfilePublished
}
