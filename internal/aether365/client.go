// Package aether365 is a client for the Aether365 REST API: bearer auth,
// envelope decoding into typed errors, retries with backoff, a client-side
// rate limit, concurrent pagination and waiting for a scan to finish.
// It knows nothing of Terraform.
package aether365

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	cleanhttp "github.com/hashicorp/go-cleanhttp"
	"golang.org/x/time/rate"

	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// DefaultBaseURL is the production API.
const DefaultBaseURL = "https://api.aether365.io"

// DefaultTenant is the API key's own tenant.
const DefaultTenant = "me"

// DefaultMaxRetries is how many times a temporary failure is retried when
// Config.MaxRetries is nil.
const DefaultMaxRetries = 4

// MaxRetriesLimit is the most retries the provider's max_retries and the
// tools' AETHER365_MAX_RETRIES accept: past it, a failing API only makes a
// run wait longer.
const MaxRetriesLimit = 20

// DefaultAttemptTimeout bounds one HTTP attempt (sending, headers and the
// whole body) so that a hung or dripping connection cannot hold a caller
// whose context has no deadline. Config.HTTPClient.Timeout replaces it.
const DefaultAttemptTimeout = 60 * time.Second

// DefaultMaxReadBytes caps the response bytes one read may take in total:
// one request, or every page of one listing (256 MiB, about 350,000 results
// with their long texts). Config.MaxReadBytes raises it.
const DefaultMaxReadBytes int64 = 256 << 20

const (
	defaultRetryWaitMin = 500 * time.Millisecond
	defaultRetryWaitMax = 30 * time.Second
	// defaultPageConcurrency: reading N pages takes about
	// 1 + ceil((N-1)/concurrency) round trips. For 100 pages (10,000
	// results) 8 gives 14 (7x faster than one page at a time) and 16 gives 8
	// (12x); for 126 pages (12,500 results, where Terraform's own work on the
	// state starts to weigh as much as the reading) 8 gives 17 and 16 gives
	// 9, a second saved at 100 ms a request. Every one of the 16 is paced by
	// RequestsPerSecond when the API plan has a limit, and a 429 is retried
	// after the server's Retry-After. 32 would save four more round trips
	// there, but doubles the burst an API without a published limit sees.
	defaultPageConcurrency = 16
	// maxResponseBytes caps how much of one response body is read.
	maxResponseBytes = 16 << 20
	maxRedirects     = 10
	userAgentProduct = "aether365-go"
)

// Config configures a Client. The zero value of every optional field picks
// a sensible default.
type Config struct {
	// BaseURL defaults to DefaultBaseURL. It must be scheme://host[:port]
	// alone (a trailing "/" is allowed): the API's paths start at the root
	// of its host, so a path such as /api/v1 only leads to 404s (see
	// CheckBaseURL).
	BaseURL string
	// APIKey is sent as a bearer token. Required.
	APIKey string
	// UserAgent is prepended to "aether365-go" in the User-Agent header; the
	// provider passes "terraform-provider-aether365/<version> Terraform/<tfversion>".
	UserAgent string
	// AllowInsecureHTTP permits http:// to non-loopback hosts. Loopback
	// (127.0.0.0/8, ::1, localhost) http is always allowed.
	AllowInsecureHTTP bool
	// MaxRetries is how many times a temporary failure is retried (see
	// "Retry policy" in retry.go); nil means DefaultMaxRetries, a pointer to 0
	// means never. WaitForScan tolerates MaxRetries+1 failed polls in a row.
	MaxRetries *int
	// RetryWaitMin is the first retry's backoff base (default 500ms).
	RetryWaitMin time.Duration
	// RetryWaitMax caps every retry wait, including a server's Retry-After
	// (default 30s).
	RetryWaitMax time.Duration
	// HTTPClient is optional; only its Transport and Timeout are reused
	// (tests, proxies). Its Timeout, when set, replaces DefaultAttemptTimeout
	// as the bound on each attempt. Redirect policy and cookies are always the
	// client's own.
	HTTPClient *http.Client
	// Logger receives structured log events; optional.
	Logger Logger
	// Clock is what every wait reads and spends time through: the waits
	// between a request's retries and between WaitForScan's polls. Default
	// clock.Real{}; tests share a clock.Fake with the simulator so that no
	// test sleeps. (The per-attempt timeout and RequestsPerSecond run on real
	// time: they bound the network, not a wait.)
	Clock clock.Clock
	// RequestsPerSecond, when positive, rate-limits every request (and
	// retry) made through this Client, shared across goroutines.
	RequestsPerSecond float64
	// PageConcurrency is how many pages are fetched in parallel after page 1
	// (default 16: at most 16 requests in flight; see defaultPageConcurrency).
	// RequestsPerSecond still paces them all.
	PageConcurrency int
	// MaxReadBytes caps the response bytes of one read: a single request, or
	// all pages of one listing together (default DefaultMaxReadBytes). A read
	// that passes it fails with a *ReadLimitError instead of holding an
	// unbounded answer in memory.
	MaxReadBytes int64
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
	maxReadBytes    int64
	attemptTimeout  time.Duration
	mask            secretMask
}

// New validates cfg and returns a Client. A missing key is ErrMissingAPIKey,
// http to a non-loopback host is ErrInsecureHTTP, anything else invalid is a
// *ConfigError.
func New(cfg Config) (*Client, error) {
	if strings.TrimSpace(cfg.APIKey) == "" {
		return nil, ErrMissingAPIKey
	}
	if !isHeaderSafe(cfg.APIKey) {
		// The key itself is never quoted: only what to change.
		message := "contains whitespace or control characters"
		if prefix, _, found := strings.Cut(strings.TrimSpace(cfg.APIKey), " "); found && strings.EqualFold(prefix, "Bearer") {
			message = `starts with "Bearer ": give the key alone (ae_live_...), the client sends it as a Bearer token`
		}
		return nil, &ConfigError{Field: "APIKey", Message: message}
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
		maxRetries:      DefaultMaxRetries,
		retryWaitMin:    cfg.RetryWaitMin,
		retryWaitMax:    cfg.RetryWaitMax,
		logger:          cfg.Logger,
		clock:           cfg.Clock,
		pageConcurrency: cfg.PageConcurrency,
		maxBodyBytes:    maxResponseBytes,
		maxReadBytes:    DefaultMaxReadBytes,
		attemptTimeout:  DefaultAttemptTimeout,
		mask:            newSecretMask(cfg.APIKey),
	}
	if err := c.setLimits(cfg); err != nil {
		return nil, err
	}
	c.setTransport(cfg.HTTPClient)
	return c, nil
}

// setLimits applies the Config's retry, read, paging and rate limits and
// their defaults.
func (c *Client) setLimits(cfg Config) error {
	if cfg.MaxRetries != nil {
		if *cfg.MaxRetries < 0 {
			return &ConfigError{Field: "MaxRetries", Message: "must not be negative"}
		}
		c.maxRetries = *cfg.MaxRetries
	}
	switch {
	case cfg.MaxReadBytes < 0:
		return &ConfigError{Field: "MaxReadBytes", Message: "must not be negative"}
	case cfg.MaxReadBytes > 0:
		c.maxReadBytes = cfg.MaxReadBytes
	}
	if c.retryWaitMin < 0 {
		return &ConfigError{Field: "RetryWaitMin", Message: "must not be negative"}
	}
	if c.retryWaitMax < 0 {
		return &ConfigError{Field: "RetryWaitMax", Message: "must not be negative"}
	}
	if c.retryWaitMin == 0 {
		c.retryWaitMin = defaultRetryWaitMin
	}
	if c.retryWaitMax == 0 {
		c.retryWaitMax = max(defaultRetryWaitMax, c.retryWaitMin)
	}
	if c.retryWaitMin > c.retryWaitMax {
		return &ConfigError{Field: "RetryWaitMin", Message: fmt.Sprintf("%s is more than RetryWaitMax %s", c.retryWaitMin, c.retryWaitMax)}
	}
	if c.clock == nil {
		c.clock = clock.Real{}
	}
	if c.pageConcurrency < 0 {
		return &ConfigError{Field: "PageConcurrency", Message: "must not be negative"}
	}
	if c.pageConcurrency == 0 {
		c.pageConcurrency = defaultPageConcurrency
	}
	switch {
	case cfg.RequestsPerSecond < 0:
		return &ConfigError{Field: "RequestsPerSecond", Message: "must not be negative"}
	case cfg.RequestsPerSecond > 0:
		burst := max(1, int(cfg.RequestsPerSecond))
		c.limiter = rate.NewLimiter(rate.Limit(cfg.RequestsPerSecond), burst)
	}

	return nil
}

// setTransport builds the http.Client: the caller's transport (or a pooled
// one) with this package's redirect policy. The per-attempt timeout is a
// context deadline set by send, not http.Client.Timeout, so that it can be
// told from the caller's own.
func (c *Client) setTransport(httpClient *http.Client) {
	var transport http.RoundTripper
	if httpClient != nil {
		transport = httpClient.Transport
		if httpClient.Timeout > 0 {
			c.attemptTimeout = httpClient.Timeout
		}
	}
	if transport == nil {
		pooled := cleanhttp.DefaultPooledTransport()
		// cleanhttp keeps GOMAXPROCS+1 idle connections per host; the pager
		// has pageConcurrency requests in flight, and every connection closed
		// after one wave is a new TCP and TLS handshake in the next.
		pooled.MaxIdleConnsPerHost = max(pooled.MaxIdleConnsPerHost, c.pageConcurrency)
		transport = pooled
	}
	c.httpClient = &http.Client{
		Transport:     transport,
		CheckRedirect: refuseCrossHostRedirect,
	}
}

// CheckBaseURL reports what is wrong with raw as Config.BaseURL, as New
// would, but for the plain-http check, which depends on AllowInsecureHTTP:
// nil, or a *ConfigError for field BaseURL. An empty raw means
// DefaultBaseURL. The provider runs it when base_url is known at plan time.
func CheckBaseURL(raw string) error {
	_, err := baseURLFrom(raw)
	return err
}

func parseBaseURL(raw string, allowInsecureHTTP bool) (*url.URL, error) {
	u, err := baseURLFrom(raw)
	if err != nil {
		return nil, err
	}
	if u.Scheme == "http" && !allowInsecureHTTP && !isLoopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("%w: BaseURL %q", ErrInsecureHTTP, u.Redacted())
	}
	return u, nil
}

// baseURLFrom parses raw and checks that it is scheme://host[:port] alone.
func baseURLFrom(raw string) (*url.URL, error) {
	if strings.TrimSpace(raw) == "" {
		raw = DefaultBaseURL
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		// The parse error quotes the input, which may carry credentials.
		why := "it could not be parsed"
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			why = urlErr.Err.Error()
		}
		return nil, &ConfigError{Field: "BaseURL", Message: fmt.Sprintf("%q is not a valid URL: %s", redactUnparsedURL(raw), why)}
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
	case strings.Trim(u.Path, "/") != "":
		// Requests would go to <path>/tenants/..., which no Aether365 API
		// serves: every call would be a 404 that reads like a wrong ID.
		root := url.URL{Scheme: u.Scheme, Host: u.Host}
		return nil, bad(fmt.Sprintf("must not have a path (%q): the API's paths, such as /tenants/me/scans, "+
			"start at the root of its host; use %q", u.EscapedPath(), root.String()))
	}
	u.Path, u.RawPath = "", ""
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

// redactUnparsedURL hides the userinfo of a URL that url.Parse rejected:
// everything between "://" and the last "@" before the path.
func redactUnparsedURL(raw string) string {
	raw = strings.TrimSpace(raw)
	rest, scheme := raw, ""
	if i := strings.Index(raw, "://"); i >= 0 {
		scheme, rest = raw[:i+3], raw[i+3:]
	}
	authority := rest
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		authority = rest[:i]
	}
	if at := strings.LastIndex(authority, "@"); at >= 0 {
		return scheme + "xxxxx:xxxxx" + rest[at:]
	}
	return raw
}

// errTooManyRedirects: a redirect loop, which no retry ends.
var errTooManyRedirects = fmt.Errorf("stopped after %d redirects", maxRedirects)

// errRefusedRedirect is returned when a response redirects to another host
// or scheme: following it could hand the API key to someone else.
var errRefusedRedirect = errors.New("refusing to follow a redirect to another host or scheme")

func refuseCrossHostRedirect(req *http.Request, via []*http.Request) error {
	if len(via) >= maxRedirects {
		return errTooManyRedirects
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
	// retrySafe makes a POST retryable: the caller knows that sending it
	// again cannot do it twice (see StartScan).
	retrySafe bool
	// list says that data is an array and meta is required.
	list bool
	// noRetries: one attempt only (WaitForScan counts failed polls itself).
	noRetries bool
	// budget is the read's byte allowance, shared by the pages of a listing;
	// nil means a budget for this request alone.
	budget *readBudget
}

// apiResponse is what the caller learns besides the decoded data. Header is
// set whenever a response arrived, even with an error (WaitForScan reads
// Retry-After from it).
type apiResponse struct {
	StatusCode int
	Header     http.Header
	Meta       PageMeta
	Attempts   int
	// AnswerLost is set when an earlier attempt may have been carried out
	// without its answer reaching us (see answerMayBeLost).
	AnswerLost bool
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

// readBudget is what is left of one read's byte allowance (Config.MaxReadBytes),
// shared by every page of a listing and safe for concurrent use.
type readBudget struct {
	limit int64
	used  atomic.Int64
}

func (c *Client) newReadBudget() *readBudget { return &readBudget{limit: c.maxReadBytes} }

// readCapped reads one body: at most c.maxBodyBytes (a larger body is a
// MalformedResponseError rather than a silent truncation), and no more than
// is left of the read's budget (a *ReadLimitError).
func (c *Client) readCapped(resp *http.Response, info responseInfo, budget *readBudget) ([]byte, error) {
	if budget == nil {
		budget = c.newReadBudget()
	}
	limit := min(c.maxBodyBytes, max(budget.limit-budget.used.Load(), 0))
	var body []byte
	var err error
	if size := resp.ContentLength; size >= 0 && size <= limit {
		// One buffer of the announced size (and a byte to see a longer body)
		// instead of io.ReadAll's doublings, for every page of a listing.
		body, err = readAllInto(make([]byte, 0, size+1), io.LimitReader(resp.Body, limit+1))
	} else {
		body, err = io.ReadAll(io.LimitReader(resp.Body, limit+1))
	}
	used := budget.used.Add(int64(len(body)))
	if err != nil {
		return nil, err
	}
	if int64(len(body)) <= limit {
		return body, nil
	}
	if used > budget.limit {
		return nil, &ReadLimitError{Method: info.method, Path: info.path, Limit: budget.limit, Read: used}
	}
	return nil, &MalformedResponseError{
		StatusCode:  info.status,
		ContentType: info.contentType,
		Snippet:     snippet(body, c.mask),
		Method:      info.method,
		Path:        info.path,
		RequestID:   info.requestID,
		BaseURL:     info.baseURL,
		Err:         fmt.Errorf("body is larger than the %d-byte limit for one response", c.maxBodyBytes),
	}
}

// readAllInto is io.ReadAll into buf's spare capacity.
func readAllInto(buf []byte, r io.Reader) ([]byte, error) {
	for {
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
	}
}

// Now is the time on the client's clock (Config.Clock), for
// WaitOptions.SeenAt.
func (c *Client) Now() time.Time { return c.clock.Now() }
