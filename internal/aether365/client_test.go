package aether365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/api"
)

func TestNewValidatesConfig(t *testing.T) {
	tests := []struct {
		name      string
		cfg       Config
		wantIs    error
		wantField string
	}{
		{name: "missing key", cfg: Config{}, wantIs: ErrMissingAPIKey},
		{name: "blank key", cfg: Config{APIKey: "   "}, wantIs: ErrMissingAPIKey},
		{name: "key with newline", cfg: Config{APIKey: "ae_live_x\nInjected: 1"}, wantField: "APIKey"},
		{name: "unparsable URL", cfg: Config{APIKey: testAPIKey, BaseURL: "http://[::1"}, wantField: "BaseURL"},
		{name: "relative URL", cfg: Config{APIKey: testAPIKey, BaseURL: "api.aether365.io"}, wantField: "BaseURL"},
		{name: "ftp scheme", cfg: Config{APIKey: testAPIKey, BaseURL: "ftp://api.aether365.io"}, wantField: "BaseURL"},
		{name: "no host", cfg: Config{APIKey: testAPIKey, BaseURL: "https://"}, wantField: "BaseURL"},
		{name: "query", cfg: Config{APIKey: testAPIKey, BaseURL: "https://api.aether365.io/?x=1"}, wantField: "BaseURL"},
		{name: "fragment", cfg: Config{APIKey: testAPIKey, BaseURL: "https://api.aether365.io/#x"}, wantField: "BaseURL"},
		{name: "credentials", cfg: Config{APIKey: testAPIKey, BaseURL: "https://u:p@api.aether365.io"}, wantField: "BaseURL"},
		{name: "http to a public host", cfg: Config{APIKey: testAPIKey, BaseURL: "http://api.aether365.io"}, wantIs: ErrInsecureHTTP},
		{name: "http to a private address", cfg: Config{APIKey: testAPIKey, BaseURL: "http://10.0.0.1:8080"}, wantIs: ErrInsecureHTTP},
		{name: "http to a localhost lookalike", cfg: Config{APIKey: testAPIKey, BaseURL: "http://localhost.example.com"}, wantIs: ErrInsecureHTTP},
		{name: "min above max", cfg: Config{APIKey: testAPIKey, RetryWaitMin: 2, RetryWaitMax: 1}, wantField: "RetryWaitMin"},
		{name: "negative rate", cfg: Config{APIKey: testAPIKey, RequestsPerSecond: -1}, wantField: "RequestsPerSecond"},
		{name: "negative concurrency", cfg: Config{APIKey: testAPIKey, PageConcurrency: -1}, wantField: "PageConcurrency"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.cfg)
			if err == nil {
				t.Fatalf("New succeeded (%+v), want an error", c.baseURL)
			}
			if strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("error %q contains the API key", err)
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			if tt.wantField != "" {
				var cfgErr *ConfigError
				if !errors.As(err, &cfgErr) || cfgErr.Field != tt.wantField {
					t.Errorf("err = %#v, want *ConfigError for %s", err, tt.wantField)
				}
			}
		})
	}
}

func TestNewAcceptsLoopbackAndOptIn(t *testing.T) {
	for _, cfg := range []Config{
		{APIKey: testAPIKey},
		{APIKey: testAPIKey, BaseURL: "https://api.aether365.io/"},
		{APIKey: testAPIKey, BaseURL: "http://127.0.0.1:8080"},
		{APIKey: testAPIKey, BaseURL: "http://127.8.9.10"},
		{APIKey: testAPIKey, BaseURL: "http://[::1]:8080/"},
		{APIKey: testAPIKey, BaseURL: "http://localhost:8080"},
		{APIKey: testAPIKey, BaseURL: "HTTP://LOCALHOST"},
		{APIKey: testAPIKey, BaseURL: "http://api.aether365.io", AllowInsecureHTTP: true},
	} {
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%q): %v", cfg.BaseURL, err)
		}
	}
	c, err := New(Config{APIKey: testAPIKey})
	if err != nil {
		t.Fatal(err)
	}
	if got := c.baseURL.String(); got != DefaultBaseURL {
		t.Errorf("default base URL = %q, want %q", got, DefaultBaseURL)
	}
}

func TestRequestHeaders(t *testing.T) {
	for _, tt := range []struct{ configured, want string }{
		{"terraform-provider-aether365/1.2.3 Terraform/1.9.0", "terraform-provider-aether365/1.2.3 Terraform/1.9.0 aether365-go"},
		{"", "aether365-go"},
	} {
		var got http.Header
		c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
			got = r.Header.Clone()
			writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
		}, func(cfg *Config) { cfg.UserAgent = tt.configured })
		if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
			t.Fatal(err)
		}
		if ua := got.Get("User-Agent"); ua != tt.want {
			t.Errorf("User-Agent = %q, want %q", ua, tt.want)
		}
		if auth := got.Get("Authorization"); auth != "Bearer "+testAPIKey {
			t.Errorf("Authorization = %q", auth)
		}
		if accept := got.Get("Accept"); accept != "application/json" {
			t.Errorf("Accept = %q", accept)
		}
	}
}

func TestBaseURLTrailingSlashAndEscaping(t *testing.T) {
	var gotPath string
	_, srv := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		gotPath = r.URL.EscapedPath()
		writeData(w, http.StatusOK, testScan("a/b c", ScanStatusInProgress))
	})
	c, err := New(Config{APIKey: testAPIKey, BaseURL: srv.URL + "/"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetScan(context.Background(), "a/b c"); err != nil {
		t.Fatal(err)
	}
	if gotPath != "/scans/a%2Fb%20c" {
		t.Errorf("path = %q", gotPath)
	}
}

func TestCrossHostRedirectNeverCarriesKey(t *testing.T) {
	var elsewhere counter
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.inc()
		if r.Header.Get("Authorization") != "" {
			t.Errorf("the other host received an Authorization header")
		}
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
	}))
	defer other.Close()

	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		http.Redirect(w, r, other.URL+r.URL.Path, http.StatusFound)
	})
	_, err := c.GetScan(context.Background(), "scn_1")
	if err == nil {
		t.Fatal("GetScan followed a cross-host redirect")
	}
	if !errors.Is(err, errRefusedRedirect) {
		t.Errorf("err = %v, want the refused-redirect error", err)
	}
	if n := elsewhere.get(); n != 0 {
		t.Errorf("the other host got %d requests", n)
	}
	if n := hits.get(); n != 1 {
		t.Errorf("a refused redirect was retried: %d requests", n)
	}
	if classify(err) != failurePermanent {
		t.Errorf("a refused redirect counts as transient")
	}
}

func TestSameHostRedirectIsFollowed(t *testing.T) {
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/v2/") {
			http.Redirect(w, r, "/v2"+r.URL.Path, http.StatusMovedPermanently)
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+testAPIKey {
			t.Errorf("Authorization lost on a same-host redirect")
		}
		writeData(w, http.StatusOK, testScan("scn_moved", ScanStatusInProgress))
	})
	scan, err := c.GetScan(context.Background(), "scn_moved")
	if err != nil {
		t.Fatal(err)
	}
	if scan.ID != "scn_moved" {
		t.Errorf("scan = %+v", scan)
	}
}

func TestLogsAreStructuredAndNeverCarryTheKey(t *testing.T) {
	logger := &recordingLogger{}
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		switch hits.inc() {
		case 1:
			hangUp(t, w)
		case 2:
			w.Header().Set("Retry-After", "0")
			writeAPIError(w, http.StatusServiceUnavailable, api.ErrorCodeServiceUnavailable, "try later")
		default:
			writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
		}
	}, func(cfg *Config) { cfg.Logger = logger })
	if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetScan(context.Background(), ""); err == nil {
		t.Fatal("empty ID accepted")
	}

	events := logger.all()
	var retries, responses int
	for _, e := range events {
		text := fmt.Sprintf("%s %v", e.msg, e.fields)
		if strings.Contains(text, testAPIKey) || strings.Contains(text, "Bearer") || strings.Contains(strings.ToLower(text), "authorization") {
			t.Errorf("log event leaks the credential: %s", text)
		}
		for _, f := range []string{logFieldMethod, logFieldPath, logFieldAttempt} {
			if _, ok := e.fields[f]; !ok {
				t.Errorf("event %q lacks field %q", e.msg, f)
			}
		}
		switch e.msg {
		case "aether365: retrying request":
			retries++
		case "aether365: received response", "aether365: request failed":
			responses++
			for _, f := range []string{logFieldStatus, logFieldRequestID, logFieldDuration} {
				if _, ok := e.fields[f]; !ok {
					t.Errorf("response event lacks field %q", f)
				}
			}
		}
	}
	if retries != 2 || responses != 3 {
		t.Errorf("got %d retry and %d outcome events, want 2 and 3:\n%s", retries, responses, logger)
	}
}

// The pooled transport keeps a connection for every page in flight: with
// fewer, each wave of pages after the first opens new connections.
func TestPooledTransportKeepsAConnectionPerPageInFlight(t *testing.T) {
	for _, concurrency := range []int{0, 3, 40} {
		c, err := New(Config{APIKey: testAPIKey, PageConcurrency: concurrency})
		if err != nil {
			t.Fatal(err)
		}
		transport, ok := c.httpClient.Transport.(*http.Transport)
		if !ok {
			t.Fatalf("transport is %T", c.httpClient.Transport)
		}
		if transport.MaxIdleConnsPerHost < c.pageConcurrency {
			t.Errorf("PageConcurrency %d: %d idle connections per host kept, want at least %d",
				concurrency, transport.MaxIdleConnsPerHost, c.pageConcurrency)
		}
	}
}

// A key pasted with its "Bearer " prefix, as the header shows it, gets an
// error that says to drop it; it said only "contains whitespace".
func TestNewSaysToDropTheBearerPrefix(t *testing.T) {
	_, err := New(Config{APIKey: "Bearer " + testAPIKey})
	var cfgErr *ConfigError
	if !errors.As(err, &cfgErr) || cfgErr.Field != "APIKey" || !strings.Contains(err.Error(), `starts with "Bearer "`) {
		t.Fatalf("err = %v, want an APIKey error saying to drop the Bearer prefix", err)
	}
	if strings.Contains(err.Error(), testAPIKey) {
		t.Errorf("error %q contains the API key", err)
	}
}
