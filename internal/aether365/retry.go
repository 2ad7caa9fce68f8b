package aether365

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	retryablehttp "github.com/hashicorp/go-retryablehttp"
)

// Retry policy
//
//   - Only GETs and requests carrying an Idempotency-Key are retried, so a
//     retry can never start a second scan. A POST whose connection was reset
//     after the server created the scan is sent again with the same key, and
//     the server answers with that scan (a replay), not a new one.
//   - Retried: 429, 502, 503, 504 and connection errors (including a reset
//     and a body cut off mid-read), and bodies that show the API's answer was
//     lost on the way: with a 2xx or 5xx status, an empty body, a non-JSON
//     body (a proxy's HTML page), JSON cut short or garbled, or an error
//     envelope whose code is RATE_LIMITED or SERVICE_UNAVAILABLE sent with a
//     2xx status (decodeEnvelope marks these MalformedResponseErrors
//     transient). The body is decoded inside the retry loop so that these are
//     seen before the attempt counts as done.
//   - Never retried: 500 and 501 with the API's envelope, any other status,
//     a complete envelope of the wrong shape, a non-envelope body with a 4xx
//     status (a wrong base_url), a refused redirect, TLS verification
//     failures, an oversized body. The same request would fail the same way.
//   - The wait is the server's Retry-After (seconds or HTTP-date) when present,
//     otherwise RetryWaitMin·2ⁿ with equal jitter; either way capped at
//     RetryWaitMax. If the wait would pass the context deadline we stop at once
//     and return the last response's error.
//   - After the last attempt the caller gets the typed error of the last
//     response, annotated with the number of attempts.

// isRetryableStatus lists the statuses that mean "try again later".
func isRetryableStatus(status int) bool {
	switch status {
	case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
		return true
	}
	return false
}

// isRetryableTransportError reports whether err (from sending the request or
// reading its body) is worth another attempt.
func isRetryableTransportError(err error) bool {
	var (
		malformed   *MalformedResponseError
		certVerify  *tls.CertificateVerificationError
		unknownAuth x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalidCert x509.CertificateInvalidError
	)
	switch {
	case errors.Is(err, errRefusedRedirect),
		errors.Is(err, errRateLimitWaitTooLong),
		errors.Is(err, context.Canceled),
		errors.As(err, &certVerify),
		errors.As(err, &unknownAuth),
		errors.As(err, &hostname),
		errors.As(err, &invalidCert):
		return false
	case errors.As(err, &malformed):
		return malformed.transient
	}
	return true
}

// parseRetryAfter reads a Retry-After value: delta-seconds or an HTTP-date.
// A date in the past is a zero wait.
func parseRetryAfter(value string, now time.Time) (time.Duration, bool) {
	value = strings.TrimSpace(value)
	if value == "" {
		return 0, false
	}
	if secs, err := strconv.ParseInt(value, 10, 64); err == nil {
		if secs < 0 {
			return 0, false
		}
		const maxSecs = int64(1 << 32) // far beyond any cap, far below overflow
		return time.Duration(min(secs, maxSecs)) * time.Second, true
	}
	at, err := http.ParseTime(value)
	if err != nil {
		return 0, false
	}
	return max(at.Sub(now), 0), true
}

// exponentialBackoff is base·2^retry capped at limit, with equal jitter: half
// the delay is fixed and the other half random, so concurrent clients spread
// out but none retries at once.
func exponentialBackoff(base, limit time.Duration, retry int) time.Duration {
	d := limit
	if retry < 62 && base > 0 {
		if scaled := base << retry; scaled > 0 && scaled>>retry == base && scaled < limit {
			d = scaled
		}
	}
	half := d / 2
	return half + rand.N(d-half+1)
}

// retryDelay is how long to wait before retry number retry (0-based) after
// resp (nil after a connection error).
func retryDelay(base, limit time.Duration, retry int, resp *http.Response, now time.Time) time.Duration {
	if resp != nil {
		if d, ok := parseRetryAfter(resp.Header.Get("Retry-After"), now); ok {
			return min(d, limit)
		}
	}
	return exponentialBackoff(base, limit, retry)
}

// apiCall is the state of one logical request across its attempts. Each
// request gets its own retryablehttp.Client whose callbacks close over it,
// so Backoff can use the wait that CheckRetry already checked against the
// deadline, and hooks can log with the request's context.
type apiCall struct {
	client     *Client
	ctx        context.Context
	method     string
	path       string
	retryable  bool
	maxRetries int

	attempts     int
	attemptStart time.Time
	nextWait     time.Duration
	stopReason   string

	// decidedFor and decision cache CheckRetry's verdict on an attempt, which
	// retryablehttp asks twice when a response handler is set.
	decidedFor int
	decision   bool

	// out and list say how to decode the data; decodedFrom is the response
	// the handler decoded, with its outcome in meta and decodeErr.
	out         any
	list        bool
	decodedFrom *http.Response
	meta        *PageMeta
	decodeErr   error
}

func (c *Client) newCall(ctx context.Context, req apiRequest, out any) *apiCall {
	return &apiCall{
		client:     c,
		ctx:        ctx,
		method:     req.method,
		path:       req.path,
		retryable:  req.method == http.MethodGet || req.method == http.MethodHead || req.idempotencyKey != "",
		maxRetries: c.maxRetries,
		out:        out,
		list:       req.list,
	}
}

func (a *apiCall) retryClient() *retryablehttp.Client {
	return &retryablehttp.Client{
		HTTPClient:      a.client.httpClient,
		Logger:          nil, // we log through Config.Logger in the hooks
		RetryWaitMin:    a.client.retryWaitMin,
		RetryWaitMax:    a.client.retryWaitMax,
		RetryMax:        a.maxRetries,
		CheckRetry:      a.checkRetry,
		Backoff:         a.backoff,
		RequestLogHook:  a.beforeAttempt,
		ResponseLogHook: a.afterResponse,
		ErrorHandler:    a.giveUp,
		PrepareRetry:    a.prepareRetry,
	}
}

func (a *apiCall) fields(extra map[string]any) map[string]any {
	f := map[string]any{
		logFieldMethod:  a.method,
		logFieldPath:    a.path,
		logFieldAttempt: a.attempts,
	}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (a *apiCall) beforeAttempt(_ retryablehttp.Logger, _ *http.Request, retry int) {
	a.attempts = retry + 1
	a.attemptStart = time.Now()
	a.client.log(a.ctx, LogTrace, "aether365: sending request", a.fields(nil))
}

func (a *apiCall) afterResponse(_ retryablehttp.Logger, resp *http.Response) {
	a.client.log(a.ctx, LogDebug, "aether365: received response", a.fields(map[string]any{
		logFieldStatus:    resp.StatusCode,
		logFieldRequestID: a.client.requestIDOf(resp),
		logFieldDuration:  time.Since(a.attemptStart).String(),
	}))
}

// checkRetry is the whole retry policy; retryablehttp only executes it.
func (a *apiCall) checkRetry(ctx context.Context, resp *http.Response, err error) (bool, error) {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return false, ctxErr
	}
	if err == nil && a.decidedFor == a.attempts {
		return a.decision, nil
	}
	retry := a.shouldRetry(ctx, resp, err)
	if err == nil {
		a.decidedFor, a.decision = a.attempts, retry
	}
	return retry, nil
}

func (a *apiCall) shouldRetry(ctx context.Context, resp *http.Response, err error) bool {
	status := 0
	var requestID string
	if err != nil {
		a.client.log(a.ctx, LogDebug, "aether365: request failed", a.fields(map[string]any{
			logFieldError:    err.Error(),
			logFieldDuration: time.Since(a.attemptStart).String(),
		}))
		if !isRetryableTransportError(err) {
			return false
		}
		resp = nil // a failed attempt's response (refused redirect) has nothing to offer
	} else {
		status = resp.StatusCode
		requestID = a.client.requestIDOf(resp)
		if !isRetryableStatus(status) {
			return false
		}
	}
	if !a.retryable || a.attempts > a.maxRetries {
		return false
	}
	wait := retryDelay(a.client.retryWaitMin, a.client.retryWaitMax, a.attempts-1, resp, time.Now())
	if deadline, ok := ctx.Deadline(); ok && time.Now().Add(wait).After(deadline) {
		a.stopReason = fmt.Sprintf("not retrying: waiting %s would pass the context deadline", wait)
		a.client.log(a.ctx, LogWarn, "aether365: not retrying, the wait would pass the deadline", a.fields(map[string]any{
			logFieldStatus:    status,
			logFieldRequestID: requestID,
			logFieldWait:      wait.String(),
		}))
		return false
	}
	a.nextWait = wait
	a.client.log(a.ctx, LogWarn, "aether365: retrying request", a.fields(map[string]any{
		logFieldStatus:    status,
		logFieldRequestID: requestID,
		logFieldWait:      wait.String(),
	}))
	return true
}

// backoff returns the wait that checkRetry computed (and checked against the
// deadline) for this retry.
func (a *apiCall) backoff(_, _ time.Duration, _ int, _ *http.Response) time.Duration {
	return a.nextWait
}

func (a *apiCall) prepareRetry(req *http.Request) error {
	return a.waitForRateLimit(req.Context())
}

// giveUp runs when retryablehttp stops with an error. A final response with a
// retryable status is handed back so that its envelope becomes the error the
// caller sees; anything else is returned as the error it is.
func (a *apiCall) giveUp(resp *http.Response, err error, attempts int) (*http.Response, error) {
	a.attempts = max(a.attempts, attempts)
	if err == nil && resp != nil {
		return resp, nil
	}
	if resp != nil && resp.Body != nil {
		_ = resp.Body.Close()
	}
	if err == nil {
		err = errors.New("no response")
	}
	return nil, err
}

// readBody is the response handler: reading and decoding the body inside
// the retry loop lets a connection cut mid-body, and a body that shows the
// answer was lost on the way (a transient MalformedResponseError), be retried
// like any other connection error. Any other outcome, an APIError included,
// is kept for decoded and ends the loop.
func (a *apiCall) readBody(resp *http.Response) error {
	body, err := a.client.readCapped(resp, a.method, a.path)
	if err != nil {
		return err
	}
	meta, err := decodeEnvelope(a.info(resp), body, a.out, a.list, a.client.apiKey)
	var malformed *MalformedResponseError
	if err != nil && a.retryable && errors.As(err, &malformed) && malformed.transient {
		return err
	}
	a.decodedFrom, a.meta, a.decodeErr = resp, meta, err
	return nil
}

// decoded returns the outcome of decoding resp, decoded by the response
// handler or now.
func (a *apiCall) decoded(resp *http.Response) (*PageMeta, error) {
	if a.decodedFrom == resp {
		return a.meta, a.decodeErr
	}
	body, err := a.client.readCapped(resp, a.method, a.path)
	if err != nil {
		var malformed *MalformedResponseError
		if !errors.As(err, &malformed) {
			err = fmt.Errorf("aether365: %s %s: %w", a.method, a.path, err)
		}
		return nil, err
	}
	return decodeEnvelope(a.info(resp), body, a.out, a.list, a.client.apiKey)
}

func (a *apiCall) info(resp *http.Response) responseInfo {
	return responseInfo{
		method:      a.method,
		path:        a.path,
		status:      resp.StatusCode,
		contentType: resp.Header.Get("Content-Type"),
		requestID:   a.client.requestIDOf(resp),
	}
}

// requestIDOf returns the response's X-Request-Id, with the API key masked
// should a server ever echo it there.
func (c *Client) requestIDOf(resp *http.Response) string {
	return maskSecret(resp.Header.Get("X-Request-Id"), c.apiKey)
}

// readCapped reads at most c.maxBodyBytes; a larger body is a
// MalformedResponseError rather than a silent truncation.
func (c *Client) readCapped(resp *http.Response, method, path string) ([]byte, error) {
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.maxBodyBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading response body: %w", err)
	}
	if int64(len(body)) > c.maxBodyBytes {
		return nil, &MalformedResponseError{
			StatusCode:  resp.StatusCode,
			ContentType: resp.Header.Get("Content-Type"),
			Snippet:     snippet(body, c.apiKey),
			Method:      method,
			Path:        path,
			RequestID:   c.requestIDOf(resp),
			Err:         fmt.Errorf("body is larger than the %d-byte limit", c.maxBodyBytes),
		}
	}
	return body, nil
}

func (a *apiCall) response(resp *http.Response) *apiResponse {
	r := &apiResponse{Attempts: a.attempts}
	if resp != nil {
		r.StatusCode = resp.StatusCode
		r.Header = resp.Header
	}
	return r
}

// annotate adds how many attempts were made, and why retrying stopped early,
// keeping err matchable with errors.Is / errors.As.
func (a *apiCall) annotate(err error) error {
	switch {
	case a.stopReason != "":
		return fmt.Errorf("%w (after %d attempt(s); %s)", err, a.attempts, a.stopReason)
	case a.attempts > 1:
		return fmt.Errorf("%w (after %d attempts)", err, a.attempts)
	}
	return err
}

// errRateLimitWaitTooLong: the client-side limiter's next slot is past the
// context deadline, so waiting for it is pointless.
var errRateLimitWaitTooLong = fmt.Errorf("waiting for the client-side rate limit would pass the context deadline: %w", context.DeadlineExceeded)

// waitForRateLimit takes a slot from the Client's shared limiter, if any.
func (a *apiCall) waitForRateLimit(ctx context.Context) error {
	limiter := a.client.limiter
	if limiter == nil {
		return nil
	}
	if err := limiter.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return errRateLimitWaitTooLong
	}
	return nil
}
