package simulator

import (
	"math"
	"net/http"

	"golang.org/x/time/rate"

	"github.com/aether365/terraform-provider-aether365/api"
)

// newRateLimiters returns one token bucket per key and one shared by every
// unknown or missing key, or nils when perSecond is 0 (no limit).
func newRateLimiters(perSecond float64, apiKeys map[string]string) (map[string]*rate.Limiter, *rate.Limiter) {
	if perSecond <= 0 {
		return nil, nil
	}
	burst := max(1, int(perSecond))
	limiters := make(map[string]*rate.Limiter, len(apiKeys))
	for key := range apiKeys {
		limiters[key] = rate.NewLimiter(rate.Limit(perSecond), burst)
	}
	return limiters, rate.NewLimiter(rate.Limit(perSecond), burst)
}

// withRateLimit answers 429 RATE_LIMITED when the presented key's bucket is
// empty; only the assumed profile has a rate limit. It runs before
// authentication, as a gateway would, so unknown keys share the anonymous
// bucket.
func (s *Server) withRateLimit(next http.Handler) http.Handler {
	if s.limiters == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ex := exchangeOf(r)
		if apiErr := s.takeToken(ex.presentedKey); apiErr != nil {
			s.count(func(stats *Stats) { stats.RateLimited++ })
			writeError(w, ex, apiErr)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// takeToken takes a token from the caller's bucket, or returns the 429 with
// the whole seconds until one is available. Time comes from the injected
// clock, so a fake clock refills buckets only when advanced.
func (s *Server) takeToken(presentedKey string) *apiError {
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
	return &apiError{Status: http.StatusTooManyRequests, Code: api.ErrorCodeRateLimited,
		Message: "too many requests for this API key; retry after the Retry-After delay", RetryAfterSeconds: max(seconds, 1)}
}
