package simulator

import (
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// DemoAPIKey and DemoTenant are the credentials a simulator started without
// any API key accepts, so a newcomer can try the seed's examples at once.
// DemoTenant is an Aether365 account ID, like the reference's t_abc123.
const (
	DemoAPIKey = "ae_live_demo"
	DemoTenant = "t_demo"
)

// DefaultConnection is the one Microsoft 365 connection of an account that
// Config.Connections does not list.
const DefaultConnection = "conn_primary"

// Profiles (Config.Profile): what the simulator serves besides the published
// API. See doc.go for what the assumed profile adds.
const (
	// ProfilePublished serves only what the published reference documents,
	// and the choices api/aether365.openapi.yaml makes where it is silent.
	ProfilePublished = "published"
	// ProfileAssumed adds what the document marks x-aether365-profile:
	// assumed: Retry-After hints, request IDs, Location, Idempotency-Key
	// replays and a request rate limit.
	ProfileAssumed = "assumed"
)

// Entitlements (Config.Entitlements): the add-ons the policies and threats
// endpoints need; without them they answer 403 AUTH_INSUFFICIENT_SCOPE.
const (
	EntitlementPolicyManagement = "policy_management"
	EntitlementThreatAlerts     = "threat_alerts"
)

// Defaults and limits of Config.
const (
	DefaultResultsPerScan = 150
	MaxResultsPerScan     = 100000
	// DefaultScoreMin and DefaultScoreMax bound the scores derived when
	// neither Score nor ScoreSequence is set: healthy scores that pass the
	// thresholds of the guides (75 and 80), so a first try is green.
	DefaultScoreMin = 85.0
	DefaultScoreMax = 96.0
	// ScanTimeout is when the service gives up on a scan: a scan that would
	// take longer fails at this point, as published.
	ScanTimeout = 30 * time.Minute
	// DefaultPlanTier is the plan of every account unless Config.PlanTier
	// says otherwise.
	DefaultPlanTier = api.PlanTierEnterprise
)

// Scan outcomes a simulator can be told to produce.
const (
	OutcomeCompleted = "completed"
	OutcomeFailed    = "failed"
	OutcomeCancelled = "cancelled"
)

// Config describes the simulated API. The zero value is a working simulator
// of the published API with the demo key, one connection, instant scans and
// 150 results per scan.
type Config struct {
	// Profile is ProfilePublished (the default when empty) or ProfileAssumed.
	Profile string
	// APIKeys maps each accepted key to the Aether365 account (t_...) it
	// belongs to; one account per key, as published. nil or empty means
	// {DemoAPIKey: DemoTenant}.
	APIKeys map[string]string
	// Connections maps accounts to the IDs of their connected Microsoft 365
	// tenants (conn_...); the first is the primary (active) one. An account
	// not listed has one connection, DefaultConnection; an account listed
	// with no connection cannot scan (400 TENANT_NOT_CONNECTED).
	Connections map[string][]string
	// PlanTier is every account's plan: api.PlanTierFree, Pro or Enterprise
	// (DefaultPlanTier when empty). It sets the plan schedule's frequency.
	PlanTier api.PlanTier
	// ScanQuota is how many scans (API and scheduled) each account may
	// create; beyond it POST answers 429 SCAN_PLAN_LIMIT_REACHED. 0 means
	// unlimited.
	ScanQuota int
	// AIPilotConnection is the ID of a connection with AI Pilot (write)
	// consent, in every account that has a connection of that ID; "" means
	// none, and the policies and threats endpoints answer
	// {"aiPilotConnected": false}.
	AIPilotConnection string
	// Entitlements lists the add-ons every account has:
	// EntitlementPolicyManagement, EntitlementThreatAlerts.
	Entitlements []string
	// OmitTotalPages serves list meta exactly as the reference's examples,
	// {total, page, limit}, without the seed's totalPages.
	OmitTotalPages bool
	// ScanDuration is how long a scan takes from creation to its end; it is
	// in_progress meanwhile. 0 ends a scan at once, so the POST response
	// already shows its final status. A scan longer than ScanTimeout fails
	// at ScanTimeout.
	ScanDuration time.Duration
	// ResultsPerScan is the number of results of a completed scan; 0 means
	// DefaultResultsPerScan, at most MaxResultsPerScan.
	ResultsPerScan int
	// Score, when set, is the score every completed scan reports; results are
	// generated to match it. nil derives a score per scan from Seed, between
	// DefaultScoreMin and DefaultScoreMax.
	Score *float64
	// ScoreSequence, when not empty, scores each account's scans in turn: the
	// n-th scan of an account created to complete scores ScoreSequence[n-1],
	// the last score repeating. A lower score fails a superset of the
	// results a higher one fails (same seed, connection and scan type; with
	// 150 results or more and scores of 2 and above), so a baseline and a
	// regressed scan differ by new failures. Scans that do not complete do
	// not use up a score. It cannot be combined with Score.
	ScoreSequence []float64
	// ScanOutcome is OutcomeCompleted (the default when empty),
	// OutcomeFailed or OutcomeCancelled.
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
	// outcome.
	ResetRate float64
	// MalformedRate is the fraction (0..1) of requests that are processed as
	// usual and then answered with a broken body, in turn: a proxy's HTML 502
	// page, the real JSON cut in half with 200, an empty 200, and an error
	// envelope (success: false) with 200.
	MalformedRate float64
	// RateLimit is the number of requests per second each API key may make
	// (token bucket, burst max(1, RateLimit)); 0 means unlimited. The
	// published API documents no rate limit, so it needs ProfileAssumed.
	RateLimit float64
	// Seed makes ids, results, derived scores and injected errors repeatable:
	// the same seed and the same requests give the same data. cmd/aether365-sim
	// picks a random one unless --seed is given, so a restarted simulator
	// never hands out the IDs of the previous run again.
	Seed int64
	// Clock is the time source scan progress is derived from; nil means
	// clock.Real{}. Share a clock.Fake with the client to play long scans
	// instantly.
	Clock clock.Clock
	// RequestLog receives one line per request (method, path, status,
	// duration, request_id, the key masked, an injected fault); nil disables
	// it. It never contains the API key, the query string or a body.
	RequestLog io.Writer
	// RequestLogFormat is LogFormatText (logfmt, the default when empty) or
	// LogFormatJSON (one RequestLogEntry object a line), for programs that
	// read the log.
	RequestLogFormat string
}

// ConfigError is an invalid Config: Fields names the fields at fault (a sum
// of rates names all of them) and Problem says what is accepted. Describe
// lets cmd/aether365-sim name its flags instead of the Go fields.
type ConfigError struct {
	Fields  []string
	Problem string
	// joiner joins the names of Fields: " + " for a sum, " and " for
	// fields that exclude each other.
	joiner string
}

func (e *ConfigError) Error() string {
	return "simulator: " + e.Describe(func(field string) string { return field })
}

// Describe is the message with each field named by name(field).
func (e *ConfigError) Describe(name func(field string) string) string {
	names := make([]string, len(e.Fields))
	for i, field := range e.Fields {
		names[i] = name(field)
	}
	joiner := e.joiner
	if joiner == "" {
		joiner = " + "
	}
	return strings.Join(names, joiner) + " " + e.Problem
}

func invalid(field, format string, args ...any) *ConfigError {
	return &ConfigError{Fields: []string{field}, Problem: fmt.Sprintf(format, args...)}
}

// validate reports the first invalid field with what would be accepted.
func (c *Config) validate() error {
	switch c.Profile {
	case "", ProfilePublished, ProfileAssumed:
	default:
		return invalid("Profile", "must be %s or %s, got %q", ProfilePublished, ProfileAssumed, c.Profile)
	}
	if err := validateAccounts(c.APIKeys, c.Connections); err != nil {
		return err
	}
	if c.PlanTier != "" && !c.PlanTier.Valid() {
		return invalid("PlanTier", "must be %s, %s or %s, got %q", api.PlanTierFree, api.PlanTierPro, api.PlanTierEnterprise, c.PlanTier)
	}
	if c.ScanQuota < 0 {
		return invalid("ScanQuota", "must not be negative (0 means unlimited), got %d", c.ScanQuota)
	}
	if err := validateAIPilotConnection(c.AIPilotConnection, c.APIKeys, c.Connections); err != nil {
		return err
	}
	for _, entitlement := range c.Entitlements {
		if entitlement != EntitlementPolicyManagement && entitlement != EntitlementThreatAlerts {
			return invalid("Entitlements", "must hold %s or %s, got %q", EntitlementPolicyManagement, EntitlementThreatAlerts, entitlement)
		}
	}
	if c.ScanDuration < 0 {
		return invalid("ScanDuration", "must not be negative, got %s", c.ScanDuration)
	}
	if c.ResultsPerScan < 0 || c.ResultsPerScan > MaxResultsPerScan {
		return invalid("ResultsPerScan", "must be between 1 and %d (0 means %d), got %d",
			MaxResultsPerScan, DefaultResultsPerScan, c.ResultsPerScan)
	}
	if c.Score != nil {
		if err := validateScore(*c.Score); err != nil {
			return err
		}
	}
	for _, score := range c.ScoreSequence {
		if math.IsNaN(score) || score < 0 || score > 100 {
			return invalid("ScoreSequence", "must hold scores between 0 and 100, got %v", score)
		}
	}
	if c.Score != nil && len(c.ScoreSequence) > 0 {
		return &ConfigError{Fields: []string{"Score", "ScoreSequence"}, Problem: "cannot be combined: set one of them", joiner: " and "}
	}
	if err := validateOutcome(c.ScanOutcome); err != nil {
		return err
	}
	if c.Latency < 0 {
		return invalid("Latency", "must not be negative, got %s", c.Latency)
	}
	for _, rate := range []struct {
		name  string
		value float64
	}{{"ErrorRate", c.ErrorRate}, {"ResetRate", c.ResetRate}, {"MalformedRate", c.MalformedRate}} {
		if math.IsNaN(rate.value) || rate.value < 0 || rate.value > 1 {
			return invalid(rate.name, "must be between 0 and 1, got %v", rate.value)
		}
	}
	if sum := c.ErrorRate + c.ResetRate + c.MalformedRate; sum > 1+1e-9 {
		return &ConfigError{Fields: []string{"ErrorRate", "ResetRate", "MalformedRate"},
			Problem: fmt.Sprintf("must be at most 1 (each request gets at most one fault), got %v", sum)}
	}
	if math.IsNaN(c.RateLimit) || math.IsInf(c.RateLimit, 0) || c.RateLimit < 0 {
		return invalid("RateLimit", "must be a non-negative number of requests per second, got %v", c.RateLimit)
	}
	if c.RateLimit > 0 && c.Profile != ProfileAssumed {
		return &ConfigError{Fields: []string{"RateLimit", "Profile"}, joiner: " needs ",
			Problem: ProfileAssumed + ": the published API documents no request rate limit (its only 429 is the scan quota)"}
	}
	if f := c.RequestLogFormat; f != "" && f != LogFormatText && f != LogFormatJSON {
		return invalid("RequestLogFormat", "must be %s or %s, got %q", LogFormatText, LogFormatJSON, f)
	}
	return nil
}

func validateAccounts(apiKeys map[string]string, connections map[string][]string) error {
	accounts := map[string]bool{}
	for key, account := range apiKeys {
		if key == "" || strings.ContainsAny(key, " \t\r\n") {
			return invalid("APIKeys", "must be non-empty and contain no whitespace")
		}
		if !validID(account) {
			return invalid("APIKeys", "%s: account ID %q must be 1-128 letters, digits, '.', '-' or '_' and not %q",
				maskKey(key), account, tenantMe)
		}
		accounts[account] = true
	}
	if len(apiKeys) == 0 {
		accounts[DemoTenant] = true
	}
	for _, account := range sortedKeys(connections) {
		if !accounts[account] {
			return invalid("Connections", "lists account %q, which no API key belongs to", account)
		}
		seen := map[string]bool{}
		for _, id := range connections[account] {
			if !validID(id) {
				return invalid("Connections", "%s: connection ID %q must be 1-128 letters, digits, '.', '-' or '_' and not %q", account, id, tenantMe)
			}
			if seen[id] {
				return invalid("Connections", "%s: connection %s is listed twice", account, id)
			}
			seen[id] = true
		}
	}
	return nil
}

func validateAIPilotConnection(id string, apiKeys map[string]string, connections map[string][]string) error {
	if id == "" {
		return nil
	}
	if !validID(id) {
		return invalid("AIPilotConnection", "must be a connection ID, got %q", id)
	}
	accounts := map[string]bool{}
	for _, account := range apiKeys {
		accounts[account] = true
	}
	if len(apiKeys) == 0 {
		accounts[DemoTenant] = true
	}
	for account := range accounts {
		ids, listed := connections[account]
		if !listed {
			ids = []string{DefaultConnection}
		}
		if slices.Contains(ids, id) {
			return nil
		}
	}
	return invalid("AIPilotConnection", "names connection %q, which no account has (an account not given connections has %s)", id, DefaultConnection)
}

func validateScore(score float64) error {
	if math.IsNaN(score) || score < 0 || score > 100 {
		return invalid("Score", "must be between 0 and 100, got %v", score)
	}
	return nil
}

func validateOutcome(outcome string) error {
	switch outcome {
	case "", OutcomeCompleted, OutcomeFailed, OutcomeCancelled:
		return nil
	}
	return invalid("ScanOutcome", "must be %q, %q or %q, got %q", OutcomeCompleted, OutcomeFailed, OutcomeCancelled, outcome)
}

// validID keeps account and connection IDs printable and path-safe; "me"
// is reserved because it names the key's own account in paths.
func validID(id string) bool {
	if id == "" || len(id) > 128 || id == tenantMe {
		return false
	}
	for _, r := range id {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
		default:
			return false
		}
	}
	return id != "." && id != ".."
}

// maskKey names a key in messages and logs without giving away any of its
// secret part: the first maskedKeyPrefix characters of a key of at least
// maskedKeyMinLen characters (so at most a quarter of it), nothing of a
// shorter one.
func maskKey(key string) string {
	if len(key) < maskedKeyMinLen {
		return "***"
	}
	return key[:maskedKeyPrefix] + "***"
}

const (
	maskedKeyPrefix = 4
	maskedKeyMinLen = 4 * maskedKeyPrefix
)
