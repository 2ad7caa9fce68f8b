package aether365

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aether365/terraform-provider-aether365/api"
)

// Sentinel errors. Match them with errors.Is; never compare error strings.
var (
	// ErrMissingAPIKey is returned by New when Config.APIKey is empty.
	ErrMissingAPIKey = errors.New("aether365: an API key is required")
	// ErrInsecureHTTP is returned by New for a plain http:// BaseURL whose host
	// is not loopback, unless Config.AllowInsecureHTTP is set.
	ErrInsecureHTTP = errors.New("aether365: refusing to send the API key over plain http to a non-loopback host (use https, or set AllowInsecureHTTP)")
	// ErrNoScan is returned (wrapped) by LatestScan when no scan matches.
	ErrNoScan = errors.New("no matching scan")

	// ErrNotFound matches an *APIError for 404 (SCAN_NOT_FOUND, RESULT_NOT_FOUND,
	// CONNECTION_NOT_FOUND, TENANT_NOT_FOUND, ...).
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized matches an *APIError for 401 (AUTH_MISSING_TOKEN,
	// AUTH_INVALID_TOKEN, AUTH_EXPIRED_TOKEN).
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden matches an *APIError for 403 (AUTH_INSUFFICIENT_SCOPE,
	// TENANT_ACCESS_DENIED).
	ErrForbidden = errors.New("forbidden")
	// ErrInsufficientScope matches 403 AUTH_INSUFFICIENT_SCOPE: the account
	// lacks the role or the entitlement (AI Pilot, Threat Alerts, Policy
	// Management) for the request. It also matches ErrForbidden.
	ErrInsufficientScope = errors.New("insufficient scope")
	// ErrValidation matches an *APIError for 400 (a request the API refused
	// as invalid) and 413.
	ErrValidation = errors.New("validation error")
	// ErrTenantNotConnected matches 400 TENANT_NOT_CONNECTED: no Microsoft
	// 365 tenant has granted admin consent yet. It does not match
	// ErrValidation: no argument of the request is wrong.
	ErrTenantNotConnected = errors.New("no Microsoft 365 tenant is connected")
	// ErrRateLimited matches an *APIError for a 429 other than the scan quota
	// (the reference documents no request rate limit; a 429 without
	// SCAN_PLAN_LIMIT_REACHED is treated as one, and retried).
	ErrRateLimited = errors.New("rate limited")
	// ErrScanQuotaReached matches 429 SCAN_PLAN_LIMIT_REACHED: the plan's
	// scan quota is used up until the next billing period. Never retried.
	ErrScanQuotaReached = errors.New("scan quota reached")
	// ErrScanAlreadyRunning matches 409 SCAN_ALREADY_RUNNING: the tenant
	// already has a scan in progress (one runs at a time).
	ErrScanAlreadyRunning = errors.New("a scan is already running")
	// ErrConflict matches an *APIError for any other 409 (SCAN_NOT_COMPLETED:
	// the results of a scan that has not completed).
	ErrConflict = errors.New("conflict")
	// ErrServiceUnavailable matches an *APIError for any 5xx.
	ErrServiceUnavailable = errors.New("service unavailable")
	// ErrMalformedResponse matches a *MalformedResponseError.
	ErrMalformedResponse = errors.New("malformed response")
	// ErrUnreachable is wrapped by the error of a request that nothing
	// answered as the API at the base URL: the connection was refused, the
	// host name does not resolve, there is no route to it, no connection
	// opened within the per-attempt timeout, or an https:// base URL met a
	// server that does not speak TLS there (plain HTTP). The message names
	// the base URL and what to check; the fix is almost always base_url, so
	// it is retried at most once (the plain-HTTP case never).
	ErrUnreachable = errors.New("the API could not be reached")
	// ErrReadLimit matches a *ReadLimitError.
	ErrReadLimit = errors.New("read limit exceeded")
	// ErrAttemptTimeout matches an *AttemptTimeoutError.
	ErrAttemptTimeout = errors.New("request attempt timed out")
)

// sentinelsForCode maps the codes whose meaning is more than their status
// to the sentinels they match; every other code, known or not, matches by
// its HTTP status (sentinelForStatus).
var sentinelsForCode = map[api.ErrorCode][]error{
	api.ErrorCodeAuthInsufficientScope: {ErrInsufficientScope, ErrForbidden},
	api.ErrorCodeTenantNotConnected:    {ErrTenantNotConnected},
	api.ErrorCodeScanAlreadyRunning:    {ErrScanAlreadyRunning},
	api.ErrorCodeScanPlanLimitReached:  {ErrScanQuotaReached},
	// METHOD_NOT_ALLOWED means a client bug, not a condition callers handle.
	api.ErrorCodeMethodNotAllowed: {},
}

func sentinelForStatus(status int) error {
	switch {
	case status == http.StatusBadRequest, status == http.StatusRequestEntityTooLarge:
		return ErrValidation
	case status == http.StatusUnauthorized:
		return ErrUnauthorized
	case status == http.StatusForbidden:
		return ErrForbidden
	case status == http.StatusNotFound:
		return ErrNotFound
	case status == http.StatusConflict, status == http.StatusUnprocessableEntity:
		return ErrConflict
	case status == http.StatusTooManyRequests:
		return ErrRateLimited
	case status >= 500 && status <= 599:
		return ErrServiceUnavailable
	}
	return nil
}

// APIError is an error envelope returned by the API.
type APIError struct {
	StatusCode int
	Code       string
	Message    string
	// Details is the envelope's error.details, masked; nil or empty when the
	// API said nothing more.
	Details   map[string]any
	RequestID string
	Method    string
	Path      string
}

// Error reads like
// "aether365: GET /scans/x: 404 SCAN_NOT_FOUND: Scan not found (details: {...})".
func (e *APIError) Error() string {
	return fmt.Sprintf("aether365: %s %s: %d %s", e.Method, e.Path, e.StatusCode, e.Code) +
		unlessEmpty(": %s", e.Message) + unlessEmpty(" (details: %s)", e.DetailsText()) +
		unlessEmpty(" (request %s)", e.RequestID)
}

// DetailsText is Details as compact JSON with sorted keys, "" when empty.
func (e *APIError) DetailsText() string {
	if len(e.Details) == 0 {
		return ""
	}
	text, err := json.Marshal(e.Details)
	if err != nil {
		return ""
	}
	return string(text)
}

// Is maps the error to a sentinel by its code, falling back to the HTTP
// status for codes without a meaning of their own.
func (e *APIError) Is(target error) bool {
	if target == nil {
		return false
	}
	if sentinels, known := sentinelsForCode[api.ErrorCode(e.Code)]; known {
		return slices.Contains(sentinels, target)
	}
	return sentinelForStatus(e.StatusCode) == target
}

// MalformedResponseError is a response that is not the API's envelope: an
// HTML page from a proxy, truncated JSON, an empty body, an envelope that
// contradicts the HTTP status, data of the wrong shape, an oversized body.
type MalformedResponseError struct {
	StatusCode  int
	ContentType string
	// Snippet is the first bytes of the body (at most maxSnippetBytes),
	// with anything unprintable replaced, for the error message.
	Snippet string
	Method  string
	Path    string
	// RequestID is the X-Request-Id response header, when there was one.
	RequestID string
	// BaseURL is the base URL the request went to (without credentials),
	// named by the message when the answer was not the API's at all.
	BaseURL string
	// Field names the envelope field that was wrong ("data.score",
	// "meta.totalPages"), when one field was; "" otherwise.
	Field string
	// Err says what was wrong with the body.
	Err error

	// transient marks a body that says the API's answer was lost on the way
	// (a proxy's page, an empty or cut body) rather than that the API gave a
	// wrong one; the retry policy retries only these. See decodeEnvelope.
	transient bool
	// notEnvelope marks a body that is no JSON envelope at all (empty, not
	// JSON, or JSON without "success"): with a 404, the sign of a base URL
	// that points at something other than the API.
	notEnvelope bool
}

// Error names the status, content type and start of the body.
func (e *MalformedResponseError) Error() string {
	cause := ""
	if e.Err != nil {
		cause = ": " + e.Err.Error()
	}
	// Snippet is already printable; quoting it would bury JSON in escapes.
	body := "; body is empty"
	if e.Snippet != "" {
		body = "; body starts with: " + e.Snippet
	}
	if e.notEnvelope && e.BaseURL != "" && e.StatusCode == http.StatusNotFound {
		// The API answers every 404 with its error envelope; anything else
		// (a web server's "404 page not found") is another endpoint, not a
		// missing object.
		return fmt.Sprintf("aether365: %s %s: the endpoint at %s did not answer as the Aether365 API (HTTP %d with "+
			"no API error body, content type %q%s): check base_url%s",
			e.Method, e.Path, e.BaseURL, e.StatusCode, e.ContentType, unlessEmpty(", request %s", e.RequestID), body)
	}
	return fmt.Sprintf("aether365: %s %s: malformed response (HTTP %d, content type %q%s)%s%s",
		e.Method, e.Path, e.StatusCode, e.ContentType, unlessEmpty(", request %s", e.RequestID), cause, body)
}

// unlessEmpty formats the optional part of a message that shows value, or
// leaves it out when there is no value.
func unlessEmpty(format, value string) string {
	if value == "" {
		return ""
	}
	return fmt.Sprintf(format, value)
}

// Is reports whether target is ErrMalformedResponse.
func (e *MalformedResponseError) Is(target error) bool { return target == ErrMalformedResponse }

// Unwrap returns the underlying decoding problem.
func (e *MalformedResponseError) Unwrap() error { return e.Err }

// ConfigError is an invalid Config field. Message never contains the API key.
type ConfigError struct {
	Field   string
	Message string
}

// Error names the field and what is wrong with it.
func (e *ConfigError) Error() string {
	return fmt.Sprintf("aether365: invalid configuration: %s: %s", e.Field, e.Message)
}

// AttemptTimeoutError is one attempt that got no complete answer within the
// per-attempt timeout (Config.HTTPClient.Timeout, default
// DefaultAttemptTimeout): a server that hangs or drips its body. It does not
// match context.DeadlineExceeded, because raising the caller's timeout does
// not help; it matches ErrAttemptTimeout.
type AttemptTimeoutError struct {
	Method  string
	Path    string
	Timeout time.Duration
	// BaseURL is the base URL the request went to (without credentials);
	// "" leaves it out of the message.
	BaseURL string
}

// Error names the bound that was hit and the server that did not meet it.
func (e *AttemptTimeoutError) Error() string {
	msg := fmt.Sprintf("aether365: %s %s: no complete answer%s within the per-request timeout of %s "+
		"(the server accepted the request but did not finish answering)", e.Method, e.Path,
		unlessEmpty(" from %s", e.BaseURL), e.Timeout)
	if e.BaseURL != "" {
		msg += "; check the API at base_url and any proxy in between"
	}
	return msg
}

// Is reports whether target is ErrAttemptTimeout.
func (e *AttemptTimeoutError) Is(target error) bool { return target == ErrAttemptTimeout }

// ReadLimitError is a read (one listing, over all its pages) whose response
// bodies together passed Config.MaxReadBytes. It matches ErrReadLimit.
type ReadLimitError struct {
	Method string
	Path   string
	// Limit is the cap in bytes; Read is how many had been read when it was
	// passed.
	Limit int64
	Read  int64
}

// Error says how to stay within the cap or raise it.
func (e *ReadLimitError) Error() string {
	return fmt.Sprintf("aether365: %s %s: the answer is larger than the read limit of %s (%.1f MiB read when it "+
		"was passed); narrow the query (filters such as result or severity, or max_results) or raise the limit (max_read_mib)",
		e.Method, e.Path, mib(e.Limit), float64(e.Read)/(1<<20))
}

// Is reports whether target is ErrReadLimit.
func (e *ReadLimitError) Is(target error) bool { return target == ErrReadLimit }

// mib writes a byte count in MiB, exactly when it is whole.
func mib(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%.2f MiB", float64(n)/(1<<20))
}

const maxSnippetBytes = 200

// snippet returns at most maxSnippetBytes of body as printable UTF-8, with
// the API key masked in every form (should a server ever echo it). Masking
// happens before the cut, so that no prefix of the key survives it.
func snippet(body []byte, mask secretMask) string {
	masked := []byte(mask.applyCut(string(body), maxSnippetBytes))
	var b strings.Builder
	for len(masked) > 0 {
		r, size := utf8.DecodeRune(masked)
		masked = masked[size:]
		switch {
		case r == utf8.RuneError && size <= 1:
			b.WriteByte('?')
		case r == '\n' || r == '\r' || r == '\t':
			b.WriteByte(' ')
		case !unicode.IsPrint(r):
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}
