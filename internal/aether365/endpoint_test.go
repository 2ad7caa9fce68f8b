package aether365

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Issue #20: a base URL with a path sends every request to <path>/tenants/...,
// which no Aether365 API serves. New and CheckBaseURL refuse it and say
// which URL to use instead.
func TestBaseURLWithAPathIsRefused(t *testing.T) {
	for raw, root := range map[string]string{
		"http://127.0.0.1:8365/api/v1":     "http://127.0.0.1:8365",
		"http://127.0.0.1:8365/api/v1/":    "http://127.0.0.1:8365",
		"https://api.aether365.io/v1":      "https://api.aether365.io",
		"https://api.aether365.io/aether/": "https://api.aether365.io",
		"http://[::1]:8365/api":            "http://[::1]:8365",
	} {
		for name, check := range map[string]func(string) error{
			"New":          func(raw string) error { _, err := New(Config{APIKey: testAPIKey, BaseURL: raw}); return err },
			"CheckBaseURL": CheckBaseURL,
		} {
			err := check(raw)
			var cfgErr *ConfigError
			if !errors.As(err, &cfgErr) || cfgErr.Field != "BaseURL" {
				t.Errorf("%s(%q) = %v, want a *ConfigError for BaseURL", name, raw, err)
				continue
			}
			for _, want := range []string{"must not have a path", `use "` + root + `"`} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("%s(%q) = %q, does not say %q", name, raw, err, want)
				}
			}
		}
	}
	for _, raw := range []string{"", "https://api.aether365.io", "https://api.aether365.io/", "http://127.0.0.1:8365//",
		// Not CheckBaseURL's to refuse: it depends on AllowInsecureHTTP.
		"http://api.aether365.io"} {
		if err := CheckBaseURL(raw); err != nil {
			t.Errorf("CheckBaseURL(%q) = %v, want nil", raw, err)
		}
	}
}

// A 404 that is not the API's error envelope (a web server's "404 page not
// found") means the base URL points elsewhere: the error says so, names the
// base URL and the path actually requested, and is no ErrNotFound, which
// would read as a wrong ID (and make a refresh drop the resource).
func TestNotFoundPageNamesTheEndpointNotTheID(t *testing.T) {
	var requested string
	c, srv := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		requested = r.URL.EscapedPath()
		http.NotFound(w, r)
	})
	_, err := c.GetScan(context.Background(), "scn_1")
	if err == nil {
		t.Fatal("GetScan succeeded against a 404 page")
	}
	if errors.Is(err, ErrNotFound) {
		t.Errorf("err %q matches ErrNotFound", err)
	}
	if !errors.Is(err, ErrMalformedResponse) {
		t.Errorf("err %q does not match ErrMalformedResponse", err)
	}
	for _, want := range []string{
		"GET " + requested + ":",
		"the endpoint at " + srv.URL + " did not answer as the Aether365 API (HTTP 404 with no API error body",
		"check base_url",
		"404 page not found",
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "attempts") {
		t.Errorf("err %q: a 404 page was retried", err)
	}
}

// An API error envelope with 404 stays ErrNotFound and names the path the
// server was asked for.
func TestNotFoundEnvelopeNamesTheRequestedPath(t *testing.T) {
	var requested string
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		requested = r.URL.EscapedPath()
		writeJSON(w, http.StatusNotFound, map[string]any{"success": false,
			"error": map[string]any{"code": "SCAN_NOT_FOUND", "message": "Scan not found"}})
	})
	_, err := c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("err = %v, want ErrNotFound", err)
	}
	if !strings.Contains(err.Error(), "GET "+requested+": 404 SCAN_NOT_FOUND") {
		t.Errorf("err %q does not name the requested path %s", err, requested)
	}
}

// Issue #20: https:// against a plain-HTTP server (aether365-sim) says that
// the server answered in plain HTTP and which URL to use, once, with no
// request ID to report.
func TestHTTPSToAPlainHTTPServerSaysUseHTTP(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	base := strings.Replace(srv.URL, "http://", "https://", 1)
	c, err := New(Config{BaseURL: base, APIKey: testAPIKey, Clock: newRecordingClock()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	for _, want := range []string{"base_url " + base, "answered in plain HTTP", "use " + srv.URL + " "} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
	for _, unwanted := range []string{"attempts", "request req_", testAPIKey} {
		if strings.Contains(err.Error(), unwanted) {
			t.Errorf("err %q says %q", err, unwanted)
		}
	}
	if !errors.Is(err, http.ErrSchemeMismatch) || classify(err) != failurePermanent {
		t.Errorf("err %q lost its cause: classify = %v", err, classify(err))
	}
}

// A connection that does not open within the per-attempt timeout (a host that
// drops packets) is not "the server accepted the request": nothing answered
// at the base URL.
func TestNoConnectionWithinTheTimeoutNamesTheBaseURL(t *testing.T) {
	blackHole := &net.Dialer{ControlContext: func(ctx context.Context, _, _ string, _ syscall.RawConn) error {
		<-ctx.Done()
		return ctx.Err()
	}}
	_, srv := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {})
	c, err := New(Config{BaseURL: srv.URL, APIKey: testAPIKey, Clock: newRecordingClock(), HTTPClient: &http.Client{
		Transport: &http.Transport{DialContext: blackHole.DialContext},
		Timeout:   50 * time.Millisecond,
	}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	for _, want := range []string{"nothing answered at " + srv.URL, "no connection within the per-request timeout of 50ms", "check base_url"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "accepted the request") {
		t.Errorf("err %q says the server accepted the request", err)
	}
}

// A server that accepts the request and then hangs: the timeout names the
// base URL and what to check.
func TestAttemptTimeoutNamesTheBaseURL(t *testing.T) {
	c, srv := newTestClient(t, func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() },
		func(cfg *Config) {
			cfg.HTTPClient = &http.Client{Timeout: 50 * time.Millisecond}
			cfg.MaxRetries = new(0)
		})
	_, err := c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrAttemptTimeout) {
		t.Fatalf("err = %v, want ErrAttemptTimeout", err)
	}
	for _, want := range []string{"no complete answer from " + srv.URL, "check the API at base_url"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
}
