// Package aether365 is a client for the Aether365 REST API: bearer auth,
// envelope decoding into typed errors, retries with backoff, a client-side
// rate limit, concurrent pagination and waiting for a scan to finish.
// It knows nothing of Terraform.
package aether365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"

	cleanhttp "github.com/hashicorp/go-cleanhttp"
	retryablehttp "github.com/hashicorp/go-retryablehttp"
	"golang.org/x/time/rate"

	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.aether365.io"

// DefaultTenant is the API key's own tenant.
const DefaultTenant = "me"

const (
	defaultMaxRetries      = 4
	defaultRetryWaitMin    = 500 * time.Millisecond
	defaultRetryWaitMax    = 30 * time.Second
	defaultPageConcurrency = 8
	// defaultAttemptTimeout bounds one HTTP attempt (headers and body) so a
	// hung connection cannot block a caller whose context has no deadline.
	defaultAttemptTimeout = 60 * time.Second
	// maxResponseBytes caps how much of a response body is read.
	maxResponseBytes = 16 << 20
	maxRedirects     = 10
	userAgentProduct = "aether365-go"
)

// Config configures a Client. The zero value of every optional field picks
// a sensible default.
type Config struct {
	// BaseURL defaults to DefaultBaseURL; it must be an absolute http(s) URL
	// without query or fragment. A path prefix is kept.
	BaseURL string
	// APIKey is sent as a bearer token. Required.
	APIKey string
	// UserAgent is prepended to "aether365-go" in the User-Agent header; the
	// provider passes "terraform-provider-aether365/<version> Terraform/<tfversion>".
	UserAgent string
	// AllowInsecureHTTP permits http:// to non-loopback hosts. Loopback
	// (127.0.0.0/8, ::1, localhost) http is always allowed.
	AllowInsecureHTTP bool
	// MaxRetries is how many times a retryable request is retried: default 4
	// when 0; negative means never retry.
	MaxRetries int
	// RetryWaitMin is the first retry's backoff base (default 500ms).
	RetryWaitMin time.Duration
	// RetryWaitMax caps every retry wait, including a server's Retry-After
	// (default 30s).
	RetryWaitMax time.Duration
	// HTTPClient is optional; only its Transport and Timeout are reused
	// (tests, proxies). Redirect policy and cookies are always the client's own.
	HTTPClient *http.Client
	// Logger receives structured log events; optional.
	Logger Logger
	// Clock is used by WaitForScan to sleep between polls; default clock.Real{}.
	// Retries inside a single request use real timers.
	Clock clock.Clock
	// RequestsPerSecond, when positive, rate-limits every request (and
	// retry) made through this Client, shared across goroutines.
	RequestsPerSecond float64
	// PageConcurrency is how many pages are fetched in parallel after page 1
	// (default 8: at most 8 requests in flight, the first value at which
	// 10,000 results read at least 5x faster than page by page; see
	// defaultPaginateConcurrency). RequestsPerSecond still paces them all.
	PageConcurrency int
}

// Client talks to the Aether365 API. It is safe for concurrent use; create
// one per provider instance so that its rate limit is shared.
type Client struct {
	baseURL         *url.URL
	apiKey          string
	userAgent       string
	httpClient      *http.Client
	maxRetries      int
	retryWaitMin    time.Duration
	retryWaitMax    time.Duration
	logger          Logger
	clock           clock.Clock
	limiter         *rate.Limiter
	pageConcurrency int
	maxBodyBytes    int64
}

// New validates cfg and returns a Client. A missing key is ErrMissingAPIKey,
// http to a non-loopback host is ErrInsecureHTTP, anything else invalid is a
// *ConfigError.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, ErrMissingAPIKey
	}
	if !isHeaderSafe(cfg.APIKey) {
		return nil, &ConfigError{Field: "APIKey", Message: "contains whitespace or control characters"}
	}
	if !isHeaderSafe(strings.ReplaceAll(cfg.UserAgent, " ", "")) {
		return nil, &ConfigError{Field: "UserAgent", Message: "contains control characters"}
	}
	base, err := parseBaseURL(cfg.BaseURL, cfg.AllowInsecureHTTP)
	if err != nil {
		return nil, err
	}

	c := &Client{
		baseURL:         base,
		apiKey:          cfg.APIKey,
		userAgent:       strings.TrimSpace(strings.TrimSpace(cfg.UserAgent) + " " + userAgentProduct),
		maxRetries:      cfg.MaxRetries,
		retryWaitMin:    cfg.RetryWaitMin,
		retryWaitMax:    cfg.RetryWaitMax,
		logger:          cfg.Logger,
		clock:           cfg.Clock,
		pageConcurrency: cfg.PageConcurrency,
		maxBodyBytes:    maxResponseBytes,
	}
	switch {
	case c.maxRetries == 0:
		c.maxRetries = defaultMaxRetries
	case c.maxRetries < 0:
		c.maxRetries = 0
	}
	if c.retryWaitMin < 0 {
		return nil, &ConfigError{Field: "RetryWaitMin", Message: "must not be negative"}
	}
	if c.retryWaitMax < 0 {
		return nil, &ConfigError{Field: "RetryWaitMax", Message: "must not be negative"}
	}
	if c.retryWaitMin == 0 {
		c.retryWaitMin = defaultRetryWaitMin
	}
	if c.retryWaitMax == 0 {
		c.retryWaitMax = max(defaultRetryWaitMax, c.retryWaitMin)
	}
	if c.retryWaitMin > c.retryWaitMax {
		return nil, &ConfigError{Field: "RetryWaitMin", Message: fmt.Sprintf("%s is more than RetryWaitMax %s", c.retryWaitMin, c.retryWaitMax)}
	}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	if c.pageConcurrency < 0 {
		return nil, &ConfigError{Field: "PageConcurrency", Message: "must not be negative"}
	}
	if c.pageConcurrency == 0 {
		c.pageConcurrency = defaultPageConcurrency
	}
	switch {
	case cfg.RequestsPerSecond < 0:
		return nil, &ConfigError{Field: "RequestsPerSecond", Message: "must not be negative"}
	case cfg.RequestsPerSecond > 0:
		burst := max(1, int(cfg.RequestsPerSecond))
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), burst)
	}

	var transport http.RoundTripper
	timeout := defaultAttemptTimeout
	if cfg.HTTPClient != nil {
		transport = cfg.HTTPClient.Transport
		if cfg.HTTPClient.Timeout > 0 {
			timeout = cfg.HTTPClient.Timeout
		}
	}
	if transport == nil {
		transport = cleanhttp.DefaultPooledTransport()
	}
	c.httpClient = &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: refuseCrossHostRedirect,
	}
	return c, nil
}

func parseBaseURL(raw string, allowInsecureHTTP bool) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, &ConfigError{Field: "BaseURL", Message: fmt.Sprintf("%q is not a valid URL: %v", raw, err)}
	}
	bad := func(why string) error {
		return &ConfigError{Field: "BaseURL", Message: fmt.Sprintf("%q %s", u.Redacted(), why)}
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch {
	case u.Scheme != "http" && u.Scheme != "https":
		return nil, bad("must be an absolute http:// or https:// URL")
	case u.Host == "" || u.Hostname() == "":
		return nil, bad("has no host")
	case u.User != nil:
		return nil, bad("must not contain credentials")
	case u.RawQuery != "" || u.ForceQuery:
		return nil, bad("must not contain a query")
	case u.Fragment != "" || u.RawFragment != "":
		return nil, bad("must not contain a fragment")
	case u.Opaque != "":
		return nil, bad("must be an absolute http:// or https:// URL")
	}
	if u.Scheme == "http" && !allowInsecureHTTP && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("%w: BaseURL %q", ErrInsecureHTTP, u.Redacted())
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = ""
	return u, nil
}

func isLoopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// isHeaderSafe reports whether s can go into a header value unchanged.
func isHeaderSafe(s string) bool {
	for _, r := range s {
		if r <= ' ' || r == 0x7f {
			return false
		}
	}
	return true
}

// errRefusedRedirect is returned when a response redirects to another host
// or scheme: following it could hand the API key to someone else.
var errRefusedRedirect = errors.New("refusing to follow a redirect to another host or scheme")

func refuseCrossHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return fmt.Errorf("stopped after %d redirects", maxRedirects)
	}
	from := via[0].URL
	if req.URL.Scheme != from.Scheme || !strings.EqualFold(req.URL.Host, from.Host) {
		return fmt.Errorf("%w (%s://%s to %s://%s)", errRefusedRedirect, from.Scheme, from.Host, req.URL.Scheme, req.URL.Host)
	}
	return nil
}

// apiRequest is one logical API call, which may take several attempts.
type apiRequest struct {
	method string
	// path is already escaped, relative to the base URL, starting with "/".
	path  string
	query url.Values
	// body, when non-nil, is sent as JSON.
	body any
	// idempotencyKey makes a POST safe to retry; it is sent unchanged on
	// every attempt.
	idempotencyKey string
	// list says that data is an array and meta is required.
	list bool
}

// apiResponse is what the caller learns besides the decoded data. Header is
// set whenever a response arrived, even with an error (WaitForScan reads
// Retry-After from it).
type apiResponse struct {
	StatusCode int
	Header     http.Header
	Meta       PageMeta
	Attempts   int
}

func (c *Client) endpoint(path string, query url.Values) string {
	u := *c.baseURL
	u.RawPath = c.baseURL.EscapedPath() + path
	if unescaped, err := url.PathUnescape(u.RawPath); err == nil {
		u.Path = unescaped
	}
	u.RawQuery = query.Encode()
	return u.String()
}

// do sends req (retrying as the retry policy allows), reads the envelope and
// decodes its data into out. It never returns a zero value without an error.
func (c *Client) do(ctx context.Context, req apiRequest, out any) (*apiResponse, error) {
	var payload []byte
	if req.body != nil {
		var err error
		if payload, err = json.Marshal(req.body); err != nil {
			return nil, fmt.Errorf("aether365: %s %s: encoding request body: %w", req.method, req.path, err)
		}
	}
	var rawBody any
	if payload != nil {
		rawBody = payload
	}
	httpReq, err := retryablehttp.NewRequestWithContext(ctx, req.method, c.endpoint(req.path, req.query), rawBody)
	if err != nil {
		return nil, fmt.Errorf("aether365: %s %s: %w", req.method, req.path, err)
	}
	httpReq.Header.Set("Authorization", "Bearer "+c.apiKey)
	httpReq.Header.Set("User-Agent", c.userAgent)
	httpReq.Header.Set("Accept", "application/json")
	if payload != nil {
		httpReq.Header.Set("Content-Type", "application/json")
	}
	if req.idempotencyKey != "" {
		httpReq.Header.Set("Idempotency-Key", req.idempotencyKey)
	}

	call := c.newCall(ctx, req, out)
	httpReq.SetResponseHandler(call.readBody)
	if err := call.waitForRateLimit(ctx); err != nil {
		return nil, call.annotate(fmt.Errorf("aether365: %s %s: %w", req.method, req.path, err))
	}

	resp, err := call.retryClient().Do(httpReq)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			err = ctxErr
		}
		var malformed *MalformedResponseError
		if !errors.As(err, &malformed) {
			err = fmt.Errorf("aether365: %s %s: %w", req.method, req.path, err)
		}
		return call.response(nil), call.annotate(err)
	}
	defer func() { _ = resp.Body.Close() }()

	meta, err := call.decoded(resp)
	r := call.response(resp)
	if meta != nil {
		r.Meta = *meta
	}
	if err != nil {
		return r, call.annotate(err)
	}
	return r, nil
}
