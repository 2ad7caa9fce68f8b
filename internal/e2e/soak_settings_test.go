package e2e

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// soakSettings are the soak's knobs, from SOAK_* environment variables.
type soakSettings struct {
	cycles, seconds, resources, results, maxRetries int
	seed                                            int64
	errorRate, resetRate, malformedRate, rateLimit  float64
	latency, scanDuration                           string // as given, for the summary
	keepLogs                                        bool
}

// soakSettingsFromEnv reads SOAK_CYCLES=50 SOAK_SECONDS=600 SOAK_RESOURCES=3
// SOAK_SEED=365 SOAK_ERROR_RATE=0.3 SOAK_RESET_RATE=0.1 SOAK_MALFORMED_RATE=0.1
// SOAK_RATE_LIMIT=20 SOAK_LATENCY=20ms SOAK_SCAN_DURATION=2s SOAK_RESULTS=250
// SOAK_MAX_RETRIES=20 SOAK_KEEP_LOGS=0 (1 keeps every trace log).
func soakSettingsFromEnv() (soakSettings, error) {
	r := envReader{}
	s := soakSettings{
		cycles:        r.int("SOAK_CYCLES", 50, 0),
		seconds:       r.int("SOAK_SECONDS", 600, 0),
		resources:     r.int("SOAK_RESOURCES", 3, 1),
		results:       r.int("SOAK_RESULTS", 250, 1),
		maxRetries:    r.int("SOAK_MAX_RETRIES", 20, 0),
		seed:          int64(r.int("SOAK_SEED", 365, 0)),
		errorRate:     r.float("SOAK_ERROR_RATE", 0.3),
		resetRate:     r.float("SOAK_RESET_RATE", 0.1),
		malformedRate: r.float("SOAK_MALFORMED_RATE", 0.1),
		rateLimit:     r.float("SOAK_RATE_LIMIT", 20),
		latency:       r.duration("SOAK_LATENCY", "20ms"),
		scanDuration:  r.duration("SOAK_SCAN_DURATION", "2s"),
		keepLogs:      r.int("SOAK_KEEP_LOGS", 0, 0) == 1,
	}
	return s, r.err
}

// envReader reads typed environment variables, keeping the first error.
type envReader struct{ err error }

func (r *envReader) get(name, fallback string) string {
	if v, ok := os.LookupEnv(name); ok && v != "" {
		return v
	}
	return fallback
}

func (r *envReader) fail(name, value, want string) {
	if r.err == nil {
		r.err = fmt.Errorf("%s=%q: want %s", name, value, want)
	}
}

func (r *envReader) int(name string, fallback, least int) int {
	raw := r.get(name, strconv.Itoa(fallback))
	n, err := strconv.Atoi(raw)
	if err != nil || n < least {
		r.fail(name, raw, fmt.Sprintf("a whole number of at least %d", least))
	}
	return n
}

func (r *envReader) float(name string, fallback float64) float64 {
	raw := r.get(name, strconv.FormatFloat(fallback, 'f', -1, 64))
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil || f < 0 {
		r.fail(name, raw, "a number of at least 0")
	}
	return f
}

func (r *envReader) duration(name, fallback string) string {
	raw := r.get(name, fallback)
	if d, err := time.ParseDuration(raw); err != nil || d < 0 {
		r.fail(name, raw, "a duration such as 20ms or 2s")
	}
	return raw
}

func mustDuration(s string) time.Duration {
	d, _ := time.ParseDuration(s) // checked by envReader.duration
	return d
}
