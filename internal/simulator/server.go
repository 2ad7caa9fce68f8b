package simulator

import (
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
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
	// requestLog is nil when Config.RequestLog is.
	requestLog *slog.Logger
	// handler is the middleware chain ServeHTTP runs.
	handler http.Handler

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
	scans          map[string]*scanRecord
	scansByTenant  map[string][]*scanRecord // creation order
	idempotency    map[idempotencyScope]idempotencyRecord
	sequence       sequence
	stats          Stats
}

// sequence is the state that decides what comes next. It is kept apart from
// Stats so the counters only count: resetting or reading them can never
// change an ID or a fault.
type sequence struct {
	// nextScanIndex is the creation index of the next scan, which its ID,
	// results and derived score come from.
	nextScanIndex int
	// completedByTenant counts each tenant's scans created to complete, so
	// the n-th one gets the n-th score of the score sequence.
	completedByTenant map[string]int
	// nextMalformed is the malformed answer the next faultMalformed gets.
	nextMalformed malformedKind
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
		requestLog:     newRequestLogger(cfg.RequestLog, cfg.RequestLogFormat),
		scoreSequence:  slices.Clone(cfg.ScoreSequence),
		scanOutcome:    cfg.ScanOutcome,
		scanDuration:   cfg.ScanDuration,
		resultsPerScan: cfg.ResultsPerScan,
		scans:          map[string]*scanRecord{},
		scansByTenant:  map[string][]*scanRecord{},
		idempotency:    map[idempotencyScope]idempotencyRecord{},
		sequence:       sequence{completedByTenant: map[string]int{}},
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
	s.limiters, s.anonymousLimiter = newRateLimiters(cfg.RateLimit, apiKeys)
	s.handler = s.middleware(http.HandlerFunc(s.dispatch))
	return s, nil
}

// middleware wraps the API in the layers every request goes through, in a
// fixed order, cheapest and most global first: request ID and counting, the
// request log, the last-resort recover, latency, injected faults, the rate
// limit and authentication. A request picked for a reset or a malformed
// answer is processed in full first (a POST creates its scan), and only its
// answer is lost or broken.
func (s *Server) middleware(api http.Handler) http.Handler {
	return s.withExchange(
		s.withRequestLog(
			withRecover(
				s.withLatency(
					s.withFaults(
						s.withRateLimit(
							s.withAuthentication(api)))))))
}

// ServeHTTP answers one API request.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handler.ServeHTTP(w, r)
}
