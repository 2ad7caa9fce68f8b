package aether365

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// Retry policy
//
// One function, classify, decides what a failed attempt means; the request
// loop below and WaitForScan both ask it, and nothing else does.
//
//   - Temporary (retried up to MaxRetries times): 429 (but for the scan
//     quota), 502, 503, 504; an error envelope whose code is RATE_LIMITED or
//     SERVICE_UNAVAILABLE (whatever the status); a connection reset or a body cut off
//     mid-read; a body that shows the API's answer was lost on the way (an
//     empty or non-JSON body, or JSON cut short, with a 2xx or 5xx status:
//     see decodeEnvelope).
//   - Unlikely to heal (retried once, in case the API was restarting):
//     nothing answered at the base URL (connection refused, no such host, no
//     route), or one attempt ran past the per-attempt timeout.
//   - Permanent (never retried): every other API error (500 and 501
//     included, every other 4xx, and 429 SCAN_PLAN_LIMIT_REACHED: a quota
//     that lasts until the next billing period, not a rate limit); a well-formed envelope of the wrong shape; a
//     non-envelope body with a 4xx status (a wrong base_url); a refused or
//     looping redirect; TLS failures, including TLS spoken to a plain-HTTP
//     server; a body over the size limit; the caller's own context ending.
//   - Only GETs and the requests their caller marks retrySafe are retried at
//     all: a scan's trigger is, because a tenant runs one scan at a time, so
//     a trigger sent again after its answer was lost meets 409
//     SCAN_ALREADY_RUNNING instead of starting a second scan (see StartScan).
//   - The wait before retry n (0-based) is the server's Retry-After (seconds
//     or HTTP-date) when it names a moment in the future, otherwise
//     RetryWaitMin·2ⁿ; either way capped at RetryWaitMax and then jittered
//     (see jitter). A Retry-After of 0 or in the past is treated as no hint,
//     not as "now". Waits are spent on Config.Clock.
//   - If the wait would pass the context deadline the loop stops at once and
//     returns the last attempt's error, saying why.
//
// So one request costs at most MaxRetries+1 attempts, and WaitForScan, which
// polls without retries, gives up after the same number of failed polls in a
// row: a failing stretch costs at most MaxRetries+1 requests either way.
//
// The loop is this package's own rather than go-retryablehttp's: its backoff
// reads the wall clock instead of Config.Clock, honours Retry-After only on
// 429 and 503, and reads a past HTTP-date as a zero wait.

// failureKind is classify's verdict on a failed attempt.
type failureKind int

const (
	failurePermanent failureKind = iota
	failureTemporary
	failureUnlikelyToHeal
)

// retryBudget is how many retries a failure of this kind gets when the
// client allows maxRetries.
func (k failureKind) retryBudget(maxRetries int) int {
	switch k {
	case failureTemporary:
		return maxRetries
	case failureUnlikelyToHeal:
		return min(maxRetries, 1)
	}
	return 0
}

// classify is the one place that decides whether a failed attempt may heal
// by itself. It looks only at err, so it is the same for a request's retries
// and for the polls of WaitForScan.
func classify(err error) failureKind {
	if err == nil {
		return failurePermanent
	}
	var (
		apiErr      *APIError
		malformed   *MalformedResponseError
		timeout     *AttemptTimeoutError
		certVerify  *tls.CertificateVerificationError
		recordErr   tls.RecordHeaderError
		unknownAuth x509.UnknownAuthorityError
		hostname    x509.HostnameError
		invalidCert x509.CertificateInvalidError
		dnsErr      *net.DNSError
		netErr      net.Error
	)
	switch {
	case errors.As(err, &apiErr):
		if apiErr.Code == string(api.ErrorCodeScanPlanLimitReached) {
			return failurePermanent
		}
		if isTemporaryCode(apiErr.Code) {
			return failureTemporary
		}
		switch apiErr.StatusCode {
		case http.StatusTooManyRequests, http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout:
			return failureTemporary
		}
		return failurePermanent
	case errors.As(err, &malformed):
		if malformed.transient {
			return failureTemporary
		}
		return failurePermanent
	case errors.As(err, &timeout):
		return failureUnlikelyToHeal
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded),
		errors.Is(err, errRefusedRedirect), errors.Is(err, errTooManyRedirects),
		errors.Is(err, errRateLimitWaitTooLong), errors.Is(err, http.ErrSchemeMismatch),
		errors.As(err, &recordErr), errors.As(err, &certVerify), errors.As(err, &unknownAuth),
		errors.As(err, &hostname), errors.As(err, &invalidCert):
		return failurePermanent
	case errors.Is(err, ErrUnreachable),
		errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH),
		errors.As(err, &dnsErr) && dnsErr.IsNotFound:
		return failureUnlikelyToHeal
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF), errors.Is(err, syscall.ECONNRESET),
		errors.As(err, &netErr):
		return failureTemporary
	}
	return failurePermanent
}

// isTemporaryCode reports whether an API error code means "try again
// later", as 429 and 503 do. INTERNAL_ERROR is not: a 500 is never retried.
func isTemporaryCode(code string) bool {
	return code == string(api.ErrorCodeRateLimited) || code == string(api.ErrorCodeServiceUnavailable)
}

// parseRetryAfter reads a Retry-After value: delta-seconds or an HTTP-date.
// ok is false when there is no value or it cannot be read; a date in the
// past reads as 0.
func parseRetryAfter(value string, now time.Time) (wait time.Duration, ok bool) {
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

// jitterFraction is the one jitter formula of the package: a wait is
// shortened by a random amount of up to a tenth of it, never lengthened, so
// that clients started together drift apart while no wait passes the bound
// it was computed for.
const jitterFraction = 10

func jitter(d time.Duration) time.Duration {
	if spread := d / jitterFraction; spread > 0 {
		return d - rand.N(spread+1)
	}
	return d
}

// exponentialBackoff is base·2^retry capped at limit.
func exponentialBackoff(base, limit time.Duration, retry int) time.Duration {
	if retry < 62 && base > 0 {
		if scaled := base << retry; scaled > 0 && scaled>>retry == base && scaled < limit {
			return scaled
		}
	}
	return limit
}

// retryDelay is how long to wait before retry number retry (0-based) after
// an attempt whose response carried the header retryAfter ("" for none).
func (c *Client) retryDelay(retry int, retryAfter string) time.Duration {
	if hint, ok := parseRetryAfter(retryAfter, c.clock.Now()); ok && hint > 0 {
		return jitter(min(hint, c.retryWaitMax))
	}
	return jitter(exponentialBackoff(c.retryWaitMin, c.retryWaitMax, retry))
}

// attempt is the outcome of one HTTP exchange, its body decoded.
type attempt struct {
	status     int
	header     http.Header
	meta       *PageMeta
	err        error
	retryAfter string
	requestID  string
}

// do sends req, retrying as the retry policy allows, reads the envelope and
// decodes its data into out. It never returns a zero value without an error.
func (c *Client) do(ctx context.Context, req apiRequest, out dataTarget) (*apiResponse, error) {
	var payload []byte
	if req.body != nil {
		var err error
		if payload, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("aether365: %s %s: encoding request body: %w", req.method, req.path, err)
		}
	}
	maxRetries := c.maxRetries
	if retryable := req.method == http.MethodGet || req.retrySafe; req.noRetries || !retryable {
		maxRetries = 0
	}
	fields := func(n int, extra map[string]any) map[string]any {
		f := map[string]any{logFieldMethod: req.method, logFieldPath: req.path, logFieldAttempt: n}
		for k, v := range extra {
			f[k] = v
		}
		return f
	}

	answerLost := false
	for n := 1; ; n++ {
		if err := c.waitForRateLimit(ctx); err != nil {
			return &apiResponse{Attempts: n - 1, AnswerLost: answerLost}, c.finalError(n-1, "", fmt.Errorf("aether365: %s %s: %w", req.method, req.path, err))
		}
		c.log(ctx, LogTrace, "aether365: sending request", fields(n, nil))
		started := time.Now()
		a := c.send(ctx, req, payload, out)
		r := &apiResponse{StatusCode: a.status, Header: a.header, Attempts: n, AnswerLost: answerLost}
		if a.meta != nil {
			r.Meta = *a.meta
		}
		if a.err == nil {
			c.log(ctx, LogDebug, "aether365: received response", fields(n, map[string]any{
				logFieldStatus: a.status, logFieldRequestID: a.requestID, logFieldDuration: time.Since(started).String(),
			}))
			return r, nil
		}
		if ctxErr := ctx.Err(); ctxErr != nil {
			return r, c.finalError(n, "", fmt.Errorf("aether365: %s %s: %w", req.method, req.path, ctxErr))
		}
		c.log(ctx, LogDebug, "aether365: request failed", fields(n, map[string]any{
			logFieldStatus: a.status, logFieldRequestID: a.requestID, logFieldError: a.err.Error(),
			logFieldDuration: time.Since(started).String(),
		}))
		if n > classify(a.err).retryBudget(maxRetries) {
			return r, c.finalError(n, "", a.err)
		}
		wait := c.retryDelay(n-1, a.retryAfter)
		if deadline, ok := ctx.Deadline(); ok && wait > time.Until(deadline) {
			c.log(ctx, LogWarn, "aether365: not retrying, the wait would pass the deadline", fields(n, map[string]any{
				logFieldStatus: a.status, logFieldRequestID: a.requestID, logFieldWait: wait.String(),
			}))
			return r, c.finalError(n, fmt.Sprintf("not retrying: waiting %s would pass the context deadline", wait), a.err)
		}
		c.log(ctx, LogWarn, "aether365: retrying request", fields(n, map[string]any{
			logFieldStatus: a.status, logFieldRequestID: a.requestID, logFieldWait: wait.String(),
			logFieldError: a.err.Error(),
		}))
		if err := c.clock.Sleep(ctx, wait); err != nil {
			return r, c.finalError(n, "", fmt.Errorf("aether365: %s %s: %w", req.method, req.path, err))
		}
		answerLost = answerLost || answerMayBeLost(a.err)
	}
}

// answerMayBeLost reports whether a failed attempt may have been carried
// out all the same: no answer came, or one that is not the API's (a proxy's
// page, a cut body, a gateway's 502 or 504). An error envelope of the API
// itself (a 503, a 429) says that nothing was done.
func answerMayBeLost(err error) bool {
	var apiErr *APIError
	if errors.As(err, &apiErr) {
		return apiErr.StatusCode == http.StatusBadGateway || apiErr.StatusCode == http.StatusGatewayTimeout
	}
	return true
}

// send makes one attempt: the HTTP exchange and the decoding of its body,
// both within the per-attempt timeout.
func (c *Client) send(ctx context.Context, req apiRequest, payload []byte, out dataTarget) attempt {
	attemptCtx, cancel := context.WithTimeout(ctx, c.attemptTimeout)
	defer cancel()
	// connected tells a timeout while connecting (nothing answered) from
	// one while waiting for the answer.
	var connected atomic.Bool
	attemptCtx = httptrace.WithClientTrace(attemptCtx, &httptrace.ClientTrace{
		GotConn: func(httptrace.GotConnInfo) { connected.Store(true) },
	})
	var body io.Reader
	if payload != nil {
		body = bytes.NewReader(payload)
	}
	httpReq, err := http.NewRequestWithContext(attemptCtx, req.method, c.endpoint(req.path, req.query), body)
	if err != nil {
		return attempt{err: fmt.Errorf("aether365: %s %s: %s", req.method, req.path, c.mask.apply(err.Error()))}
	}
	httpReq.Header.Set("Authorization", "Bearer "+c.apiKey)
	httpReq.Header.Set("User-Agent", c.userAgent)
	httpReq.Header.Set("Accept", "application/json")
	if payload != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	if req.method != http.MethodGet {
		// net/http would resend a request with a body by itself when a reused
		// connection breaks before the answer. Without GetBody it never does:
		// every attempt is one of do's, counted and logged.
		httpReq.GetBody = nil
	}

	resp, err := c.httpClient.Do(httpReq)
	if err != nil {
		return attempt{err: c.transportError(ctx, attemptCtx, req, err, connected.Load())}
	}
	defer func() { _ = resp.Body.Close() }()
	if err := unfollowedRedirect(httpReq, resp); err != nil {
		return attempt{err: c.transportError(ctx, attemptCtx, req, err, connected.Load())}
	}
	a := attempt{
		status:     resp.StatusCode,
		header:     resp.Header,
		retryAfter: resp.Header.Get("Retry-After"),
		requestID:  c.requestIDOf(resp),
	}
	info := responseInfo{
		method:      req.method,
		path:        req.path,
		status:      resp.StatusCode,
		contentType: resp.Header.Get("Content-Type"),
		requestID:   a.requestID,
		baseURL:     c.baseURL.Redacted(),
	}
	raw, err := c.readCapped(resp, info, req.budget)
	if err != nil {
		var malformed *MalformedResponseError
		var tooLarge *ReadLimitError
		if !errors.As(err, &malformed) && !errors.As(err, &tooLarge) {
			err = c.transportError(ctx, attemptCtx, req, fmt.Errorf("reading response body: %w", err), true)
		}
		a.err = err
		return a
	}
	a.meta, a.err = decodeEnvelope(info, raw, out, req.list, c.mask)
	return a
}

// transportError turns an error from sending a request or reading its body
// into the error callers see: with the API key masked in every form, a
// per-attempt timeout once connected as an *AttemptTimeoutError, and nothing
// answering as the API at all as ErrUnreachable naming the base URL and what
// to check. No answer came, so none of these has a request ID to report.
func (c *Client) transportError(ctx, attemptCtx context.Context, req apiRequest, err error, connected bool) error {
	base := c.baseURL.Redacted()
	timedOut := ctx.Err() == nil && errors.Is(attemptCtx.Err(), context.DeadlineExceeded)
	switch {
	case timedOut && !connected:
		return fmt.Errorf("aether365: %s %s: %w: nothing answered at %s: no connection within the per-request "+
			"timeout of %s; check base_url, and any firewall or proxy in between",
			req.method, req.path, ErrUnreachable, base, c.attemptTimeout)
	case timedOut:
		return &AttemptTimeoutError{Method: req.method, Path: req.path, Timeout: c.attemptTimeout, BaseURL: base}
	}
	var urlErr *url.Error
	if errors.As(err, &urlErr) {
		// A refused redirect's URL is the server's Location, which may echo the key.
		urlErr.URL = c.mask.apply(urlErr.URL)
	}
	masked := &maskedError{text: c.mask.apply(err.Error()), err: err}
	if advice := c.notTLSAdvice(err); advice != "" {
		// masked is wrapped, not only shown, so that classify still sees a
		// TLS failure, which no retry heals.
		return fmt.Errorf("aether365: %s %s: %w: base_url %s: %s (%w)",
			req.method, req.path, ErrUnreachable, base, advice, masked)
	}
	if classify(err) == failureUnlikelyToHeal {
		return fmt.Errorf("aether365: %s %s: %w: nothing answered at %s (%v); check base_url",
			req.method, req.path, ErrUnreachable, base, masked)
	}
	return fmt.Errorf("aether365: %s %s: %w", req.method, req.path, masked)
}

// notTLSAdvice says what to do when an https:// base URL met a server that
// does not speak TLS, or "" for any other error. net/http reports a server
// that answered the TLS handshake in plain HTTP as ErrSchemeMismatch, and any
// other answer that is not TLS as a tls.RecordHeaderError.
func (c *Client) notTLSAdvice(err error) string {
	var recordErr tls.RecordHeaderError
	if c.baseURL.Scheme != "https" {
		return ""
	}
	plain := url.URL{Scheme: "http", Host: c.baseURL.Host}
	switch {
	case errors.Is(err, http.ErrSchemeMismatch) && isLoopbackHost(c.baseURL.Hostname()):
		return fmt.Sprintf("the server answered in plain HTTP; use %s (aether365-sim serves plain HTTP only)", plain.String())
	case errors.Is(err, http.ErrSchemeMismatch):
		return fmt.Sprintf("the server answered in plain HTTP; check the port, or use %s if the API really is "+
			"served there without TLS (plain http to a host that is not loopback also needs allow_insecure_http, "+
			"and sends the API key unencrypted)", plain.String())
	case errors.As(err, &recordErr):
		return "the server there does not speak TLS; check the scheme and the port"
	}
	return ""
}

// unfollowedRedirect applies the redirect policy to a redirect net/http did
// not follow (a POST without GetBody, see send), so that it is refused for
// the same reason as a followed one.
func unfollowedRedirect(req *http.Request, resp *http.Response) error {
	if resp.StatusCode < 300 || resp.StatusCode >= 400 {
		return nil
	}
	// A redirect without a usable Location is left to decoding, which reports
	// the unexpected status.
	if location, err := resp.Location(); err == nil {
		return refuseCrossHostRedirect(&http.Request{URL: location}, []*http.Request{req})
	}
	return nil
}

// finalError adds how many attempts were made, and why retrying stopped
// early, keeping err matchable with errors.Is / errors.As.
func (c *Client) finalError(attempts int, stopReason string, err error) error {
	switch {
	case stopReason != "":
		return fmt.Errorf("%w (after %d attempt(s); %s)", err, attempts, stopReason)
	case attempts > 1:
		return fmt.Errorf("%w (after %d attempts)", err, attempts)
	}
	return err
}

// errRateLimitWaitTooLong: the client-side limiter's next slot is past the
// context deadline, so waiting for it is pointless.
var errRateLimitWaitTooLong = fmt.Errorf("waiting for the client-side rate limit would pass the context deadline: %w", context.DeadlineExceeded)

// waitForRateLimit takes a slot from the Client's shared limiter, if any.
func (c *Client) waitForRateLimit(ctx context.Context) error {
	if c.limiter == nil {
		return nil
	}
	if err := c.limiter.Wait(ctx); err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return ctxErr
		}
		return errRateLimitWaitTooLong
	}
	return nil
}

// requestIDOf returns the response's X-Request-Id, with the API key masked
// should a server ever echo it there.
func (c *Client) requestIDOf(resp *http.Response) string {
	return c.mask.apply(resp.Header.Get("X-Request-Id"))
}
