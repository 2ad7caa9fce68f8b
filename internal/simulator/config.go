package simulator

import (
	"errors"
	"fmt"
	"io"
	"math"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// DemoAPIKey and DemoTenant are the credentials a simulator started without
// any API key accepts, so a newcomer can try the seed's examples at once.
const (
	DemoAPIKey = "ae_live_demo"
	DemoTenant = "demo"
)

// Defaults and limits of Config.
const (
	DefaultResultsPerScan = 150
	MaxResultsPerScan     = 100000
)

// Scan outcomes a simulator can be told to produce.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed"
)

// Config describes the simulated API. The zero value is a working simulator
// with the demo key, instant scans and 150 results per scan.
type Config struct {
	// APIKeys maps each accepted key to the tenant IDs it may see; the first
	// tenant is the key's "me". nil or empty means {DemoAPIKey: {DemoTenant}}.
	APIKeys map[string][]string
	// ScanDuration is how long a scan takes from creation to completion
	// (queued for its first tenth, running for the rest). 0 completes a scan
	// at once, so the POST response already says completed.
	ScanDuration time.Duration
	// ResultsPerScan is the number of results of a completed scan; 0 means
	// DefaultResultsPerScan, at most MaxResultsPerScan.
	ResultsPerScan int
	// Score, when set, is the score every completed scan reports; results are
	// generated to match it. nil derives a score per scan from Seed.
	Score *float64
	// ScanOutcome is OutcomeCompleted (the default when empty) or OutcomeFailed.
	ScanOutcome string
	// Latency is added to every response, in real time (a client deadline
	// shorter than it sees a timeout).
	Latency time.Duration
	// ErrorRate is the fraction (0..1) of requests answered 503
	// SERVICE_UNAVAILABLE before anything else is checked.
	ErrorRate float64
	// ResetRate is the fraction (0..1) of requests that are processed as
	// usual (a POST creates its scan) and then answered by closing the
	// connection: the client sees a connection reset and never learns the
	// outcome. This is what makes the Idempotency-Key matter.
	ResetRate float64
	// MalformedRate is the fraction (0..1) of requests that are processed as
	// usual and then answered with a broken body, in turn: a proxy's HTML 502
	// page, the real JSON cut in half with 200, an empty 200, and an error
	// envelope (success: false) with 200.
	MalformedRate float64
	// RateLimit is the number of requests per second each API key may make
	// (token bucket, burst max(1, RateLimit)); 0 means unlimited.
	RateLimit float64
	// Seed makes ids, results, derived scores and injected errors repeatable.
	Seed int64
	// Clock is the time source scan progress is derived from; nil means
	// clock.Real{}. Share a clock.Fake with the client to play long scans
	// instantly.
	Clock clock.Clock
	// RequestLog receives one line per request (method, path, status,
	// duration, request id); nil disables it. It never contains the API key.
	RequestLog io.Writer
}

// validate reports the first invalid field with what would be accepted, so
// cmd/aether365-sim can pass the message straight to the user.
func (c *Config) validate() error {
	for key, tenants := range c.APIKeys {
		if key == "" || strings.ContainsAny(key, " \t\r\n") {
			return errors.New("simulator: API keys must be non-empty and contain no whitespace")
		}
		if len(tenants) == 0 {
			return fmt.Errorf("simulator: API key %s has no tenant", maskKey(key))
		}
		for _, tenant := range tenants {
			if !validTenantID(tenant) {
				return fmt.Errorf("simulator: tenant ID %q of API key %s must be 1-128 letters, digits, '.', '-' or '_' and not %q",
					tenant, maskKey(key), tenantMe)
			}
		}
	}
	if c.ScanDuration < 0 {
		return fmt.Errorf("simulator: ScanDuration must not be negative, got %s", c.ScanDuration)
	}
	if c.ResultsPerScan < 0 || c.ResultsPerScan > MaxResultsPerScan {
		return fmt.Errorf("simulator: ResultsPerScan must be between 1 and %d (0 means %d), got %d",
			MaxResultsPerScan, DefaultResultsPerScan, c.ResultsPerScan)
	}
	if c.Score != nil {
		if err := validateScore(*c.Score); err != nil {
			return err
		}
	}
	if err := validateOutcome(c.ScanOutcome); err != nil {
		return err
	}
	if c.Latency < 0 {
		return fmt.Errorf("simulator: Latency must not be negative, got %s", c.Latency)
	}
	for _, rate := range []struct {
		name  string
		value float64
	}{{"ErrorRate", c.ErrorRate}, {"ResetRate", c.ResetRate}, {"MalformedRate", c.MalformedRate}} {
		if math.IsNaN(rate.value) || rate.value < 0 || rate.value > 1 {
			return fmt.Errorf("simulator: %s must be between 0 and 1, got %v", rate.name, rate.value)
		}
	}
	if sum := c.ErrorRate + c.ResetRate + c.MalformedRate; sum > 1+1e-9 {
		return fmt.Errorf("simulator: ErrorRate + ResetRate + MalformedRate must be at most 1 (each request gets at most one fault), got %v", sum)
	}
	if math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) || c.RateLimit < 0 {
		return fmt.Errorf("simulator: RateLimit must be a non-negative number of requests per second, got %v", c.RateLimit)
	}
	return nil
}

func validateScore(score float64) error {
	if math.IsNaN(score) || score < 0 || score > 100 {
		return fmt.Errorf("simulator: Score must be between 0 and 100, got %v", score)
	}
	return nil
}

func validateOutcome(outcome string) error {
	switch outcome {
	case "", OutcomeCompleted, OutcomeFailed:
		return nil
	}
	return fmt.Errorf("simulator: ScanOutcome must be %q or %q, got %q", OutcomeCompleted, OutcomeFailed, outcome)
}

// validTenantID keeps tenant IDs printable and path-safe; "me" is reserved
// because it names the key's own tenant in paths.
func validTenantID(tenant string) bool {
	if tenant == "" || len(tenant) > 128 || tenant == tenantMe {
		return false
	}
	for _, r := range tenant {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return true
}

// maskKey names a key in an error message by its non-secret prefix only
// ("ae_live_***"); which key is meant follows from the tenant named with it.
func maskKey(key string) string {
	if len(key) <= 8 {
		return "***"
	}
	return key[:8] + "***"
}
