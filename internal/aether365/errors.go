package aether365

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/aether365/terraform-provider-aether365/internal/apicode"
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

	// ErrNotFound matches an *APIError for 404 / NOT_FOUND.
	ErrNotFound = errors.New("not found")
	// ErrUnauthorized matches an *APIError for 401 / UNAUTHORIZED.
	ErrUnauthorized = errors.New("unauthorized")
	// ErrForbidden matches an *APIError for 403 / FORBIDDEN.
	ErrForbidden = errors.New("forbidden")
	// ErrValidation matches an *APIError for 400 / VALIDATION_ERROR (and 413 / PAYLOAD_TOO_LARGE).
	ErrValidation = errors.New("validation error")
	// ErrRateLimited matches an *APIError for 429 / RATE_LIMITED.
	ErrRateLimited = errors.New("rate limited")
	// ErrConflict matches an *APIError for 409 / SCAN_NOT_COMPLETED and 422 / IDEMPOTENCY_KEY_REUSED.
	ErrConflict = errors.New("conflict")
	// ErrServiceUnavailable matches an *APIError for any 5xx.
	ErrServiceUnavailable = errors.New("service unavailable")
	// ErrMalformedResponse matches a *MalformedResponseError.
	ErrMalformedResponse = errors.New("malformed response")
	// ErrUnreachable is wrapped by the error of a request that nothing
	// answered: the connection was refused, the host name does not resolve,
	// or there is no route to it. The message names the base URL; the fix is
	// almost always base_url, so it is retried only once.
	ErrUnreachable = errors.New("the API could not be reached")
	// ErrReadLimit matches a *ReadLimitError.
	ErrReadLimit = errors.New("read limit exceeded")
	// ErrAttemptTimeout matches an *AttemptTimeoutError.
	ErrAttemptTimeout = errors.New("request attempt timed out")
)

// sentinelForCode maps the codes we know. METHOD_NOT_ALLOWED deliberately
// maps to nothing: it means a client bug, not a condition callers handle.
var sentinelForCode = map[string]error{
	apicode.Validation:           ErrValidation,
	apicode.PayloadTooLarge:      ErrValidation,
	apicode.Unauthorized:         ErrUnauthorized,
	apicode.Forbidden:            ErrForbidden,
	apicode.NotFound:             ErrNotFound,
	apicode.ScanNotCompleted:     ErrConflict,
	apicode.IdempotencyKeyReused: ErrConflict,
	apicode.RateLimited:          ErrRateLimited,
	apicode.Internal:             ErrServiceUnavailable,
	apicode.ServiceUnavailable:   ErrServiceUnavailable,
	apicode.MethodNotAllowed:     nil,
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
	RequestID  string
	Method     string
	Path       string
}

// Error reads like
// "aether365: GET /scans/x: 404 NOT_FOUND: Scan not found (request req_abc)".
func (e *APIError) Error() string {
	return fmt.Sprintf("aether365: %s %s: %d %s", e.Method, e.Path, e.StatusCode, e.Code) +
		unlessEmpty(": %s", e.Message) + unlessEmpty(" (request %s)", e.RequestID)
}

// Is maps the error to a sentinel by its code, falling back to the HTTP
// status for codes this client does not know.
func (e *APIError) Is(target error) bool {
	if target == nil {
		return false
	}
	if sentinel, known := sentinelForCode[e.Code]; known {
		return sentinel != nil && sentinel == target
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
	// Field names the envelope field that was wrong ("data.score",
	// "meta.totalPages"), when one field was; "" otherwise.
	Field string
	// Err says what was wrong with the body.
	Err error

	// transient marks a body that says the API's answer was lost on the way
	// (a proxy's page, an empty or cut body) rather than that the API gave a
	// wrong one; the retry policy retries only these. See decodeEnvelope.
	transient bool
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
}

// Error names the bound that was hit.
func (e *AttemptTimeoutError) Error() string {
	return fmt.Sprintf("aether365: %s %s: no complete answer within the per-request timeout of %s "+
		"(the server accepted the request but did not finish answering)", e.Method, e.Path, e.Timeout)
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
