package aether365

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// closedURL is a loopback URL nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return "http://" + addr
}

func TestNothingListeningNamesTheURLAndIsRetriedOnce(t *testing.T) {
	base := closedURL(t)
	logger := &recordingLogger{}
	c, err := New(Config{BaseURL: base, APIKey: testAPIKey, Clock: newRecordingClock(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, ErrUnreachable) {
		t.Fatalf("err = %v, want ErrUnreachable", err)
	}
	for _, want := range []string{base, "nothing answered", "base_url", "after 2 attempts"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("err %q does not say %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "request req_") {
		t.Errorf("err %q mentions a request ID there cannot be", err)
	}
}

func TestTLSToAPlainHTTPServerIsNotRetried(t *testing.T) {
	var hits counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.inc() }))
	defer srv.Close()
	c, err := New(Config{BaseURL: strings.Replace(srv.URL, "http://", "https://", 1), APIKey: testAPIKey, Clock: newRecordingClock()})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetScan(context.Background(), "scn_1")
	if err == nil || strings.Contains(err.Error(), "attempts") {
		t.Errorf("err = %v, want one attempt", err)
	}
}

func TestRedirectLoopIsNotRetried(t *testing.T) {
	var hits counter
	c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		hits.inc()
		http.Redirect(w, r, r.URL.Path, http.StatusFound)
	})
	_, err := c.GetScan(context.Background(), "scn_1")
	if !errors.Is(err, errTooManyRedirects) {
		t.Fatalf("err = %v", err)
	}
	if n := hits.get(); n != maxRedirects {
		t.Errorf("%d requests for a redirect loop, want the %d of one attempt", n, maxRedirects)
	}
}

// A dead API during a wait is reported at the first failed poll and ends the
// wait after two: each poll is one request, not MaxRetries+1.
func TestWaitForScanGivesUpSoonOnADeadAPI(t *testing.T) {
	var polls counter
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		polls.inc()
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusInProgress))
	}))
	clk := newRecordingClock()
	c, err := New(Config{BaseURL: srv.URL, APIKey: testAPIKey, Clock: clk, RetryWaitMin: time.Millisecond, RetryWaitMax: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	var warned []int
	scan, err := c.WaitForScan(context.Background(), "scn_1", WaitOptions{
		OnStatusChange: func(context.Context, string, *Scan) { srv.Close() },
		OnPollError:    func(_ context.Context, _ error, n, _ int) { warned = append(warned, n) },
	})
	if !errors.Is(err, ErrUnreachable) || scan == nil || string(scan.Status) != ScanStatusInProgress {
		t.Fatalf("scan %+v, err %v", scan, err)
	}
	if len(warned) != 1 || warned[0] != 1 {
		t.Errorf("warnings at failed polls %v, want one at the first", warned)
	}
	if !strings.Contains(err.Error(), "2 failed polls in a row") {
		t.Errorf("err = %v", err)
	}
}

func TestUnparseableBaseURLDoesNotShowCredentials(t *testing.T) {
	for _, raw := range []string{"https://admin:pw@[::1", "https://admin:p%zz@host/", "http://u:secret@exa mple.com"} {
		_, err := New(Config{BaseURL: raw, APIKey: testAPIKey})
		var cfgErr *ConfigError
		if !errors.As(err, &cfgErr) || cfgErr.Field != "BaseURL" {
			t.Errorf("%q: err = %v", raw, err)
			continue
		}
		for _, secret := range []string{"pw", "p%zz", "secret", "admin"} {
			if strings.Contains(err.Error(), ":"+secret+"@") || strings.Contains(err.Error(), secret+":") {
				t.Errorf("%q: err %q shows the credentials", raw, err)
			}
		}
	}
}

// A server that echoes the key in any escaped form, in a body, a header or a
// refused redirect's Location, never gets it into an error or a log line.
func TestEchoedKeyInAnyFormIsMasked(t *testing.T) {
	key := `ae_live_K&y<w>i"th\sp€cials`
	forms := map[string]string{
		"raw":              key,
		"JSON":             jsonQuote(key, true),
		"JSON no HTML":     jsonQuote(key, false),
		"all \\u escapes":  allUnicodeEscapes(key),
		"percent":          url.QueryEscape(key),
		"path escape":      url.PathEscape(key),
		"HTML entities":    htmlEscape(key),
		"repeated and cut": strings.Repeat(key, 30)[:len(key)*30-3],
	}
	for name, form := range forms {
		t.Run(name, func(t *testing.T) {
			for _, where := range []string{"body", "location", "request id"} {
				logger := &recordingLogger{}
				other := "http://localhost:1"
				c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
					switch where {
					case "body":
						w.Header().Set("Content-Type", "text/html")
						w.WriteHeader(http.StatusForbidden)
						fmt.Fprintf(w, `<p>denied %s</p>`, form)
					case "location":
						w.Header().Set("Location", other+"/?k="+form)
						w.WriteHeader(http.StatusFound)
					default:
						w.Header().Set("X-Request-Id", form)
						writeAPIError(w, http.StatusNotFound, api.ErrorCodeScanNotFound, "no")
					}
				}, func(cfg *Config) { cfg.APIKey = key; cfg.Logger = logger })
				_, err := c.GetScan(context.Background(), "scn_1")
				if err == nil {
					t.Fatal("no error")
				}
				for _, out := range []string{err.Error(), logger.String()} {
					if leak := keyLeak(out, key); leak != "" {
						t.Errorf("%s: %s leaks %q:\n%s", where, name, leak, out)
					}
				}
			}
		})
	}
}

// The mask knows every character reference a browser decodes, not only the
// ones html.EscapeString writes: legacy names without their semicolon
// ("&amp" where a proxy cut "&amp;"), numeric references without one, any
// case, leading zeros, Windows-1252 numbers (&#128; is €) and other names.
// Before, "Ǩ§00&amp" followed by the error's own closing quote read back as
// six characters of the key "Ǩ§00&\"0" (found by FuzzKeyNeverLeaks).
func TestMaskKnowsEveryHTMLReferenceABrowserDecodes(t *testing.T) {
	// Every run of six characters holds references, so none can be masked
	// by the characters around them alone.
	key := `a&<>"€©'b`
	references := []map[rune]string{
		{'&': "&amp", '<': "&lt", '>': "&gt", '"': "&quot", '€': "&euro;", '©': "&copy", '\'': "&#39"},
		{'&': "&AMP;", '<': "&LT;", '>': "&GT", '"': "&QUOT;", '€': "&#128;", '©': "&COPY;", '\'': "&apos;"},
		{'&': "&#38", '<': "&#x3c", '>': "&#X0003E;", '"': "&#0034", '€': "&#x20AC", '©': "&#169", '\'': "&#x27;"},
	}
	for i, refs := range references {
		var echo strings.Builder
		for _, r := range key {
			if ref, ok := refs[r]; ok {
				echo.WriteString(ref)
				continue
			}
			echo.WriteRune(r)
		}
		for _, out := range []string{echo.String(), "<b>" + echo.String() + "</b>", echo.String()[:len(echo.String())-2] + `"`} {
			masked := newSecretMask(key).apply(out)
			if leak := keyPrefixLeak(masked, key); leak != "" {
				t.Errorf("references %d: %q survives in %q (from %q)", i, leak, masked, out)
			}
		}
	}
}

// A server or proxy that echoes the Authorization header back, in any part
// of any answer, never gets the key into an error or a log line.
func TestEchoedKeyNeverReachesErrorsOrLogs(t *testing.T) {
	for name, answer := range map[string]func(w http.ResponseWriter, auth string){
		"401 message": func(w http.ResponseWriter, auth string) {
			writeAPIError(w, http.StatusUnauthorized, api.ErrorCodeAuthInvalidToken, "the key in '"+auth+"' is revoked")
		},
		"400 message and request id": func(w http.ResponseWriter, auth string) {
			writeJSON(w, http.StatusBadRequest, map[string]any{"success": false, "error": map[string]any{
				"code": api.ErrorCodeValidationError, "message": auth, "request_id": strings.TrimPrefix(auth, "Bearer "),
			}})
		},
		"error details": func(w http.ResponseWriter, auth string) {
			writeAPIErrorDetails(w, http.StatusForbidden, api.ErrorCodeAuthInsufficientScope, "no entitlement", map[string]any{
				"authorization": auth, auth: true, "headers": []any{map[string]any{"name": "Authorization", "value": auth}},
				"escaped": allUnicodeEscapes(auth), "percent": url.QueryEscape(auth),
			})
		},
		"error code with 200": func(w http.ResponseWriter, auth string) {
			writeJSON(w, http.StatusOK, map[string]any{"success": false, "error": map[string]any{"code": auth, "message": auth}})
		},
		"HTML page": func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "text/html")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, "<html><body>Access denied for %s</body></html>", auth)
		},
		"truncated JSON": func(w http.ResponseWriter, auth string) {
			w.Header().Set("Content-Type", "application/json")
			fmt.Fprintf(w, `{"success":true,"data":{"id":"%s`, auth)
		},
	} {
		t.Run(name, func(t *testing.T) {
			logger := &recordingLogger{}
			c, _ := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
				answer(w, r.Header.Get("Authorization"))
			}, func(cfg *Config) { cfg.Logger = logger; cfg.MaxRetries = new(1) })
			_, err := c.GetScan(context.Background(), "scn_1")
			if err == nil {
				t.Fatal("no error")
			}
			if strings.Contains(err.Error(), testAPIKey) {
				t.Errorf("error leaks the key: %v", err)
			}
			var apiErr *APIError
			if errors.As(err, &apiErr) {
				for _, field := range []string{apiErr.Message, apiErr.RequestID, apiErr.Code, apiErr.DetailsText(), fmt.Sprint(apiErr.Details)} {
					if leak := keyPrefixLeak(field, testAPIKey); leak != "" {
						t.Errorf("APIError fields leak %q of the key: %+v", leak, apiErr)
					}
				}
			}
			if leak := keyPrefixLeak(err.Error(), testAPIKey); leak != "" {
				t.Errorf("error leaks %q of the key: %v", leak, err)
			}
			if strings.Contains(logger.String(), testAPIKey) {
				t.Errorf("logs leak the key:\n%s", logger)
			}
		})
	}
}

// loopbackDialer sends every connection to one local address whatever host
// it was meant for, so a test can use a non-loopback host name without a
// single packet leaving the machine. It counts the dials.
type loopbackDialer struct {
	target string
	dials  atomic.Int32
}

func (d *loopbackDialer) DialContext(ctx context.Context, network, _ string) (net.Conn, error) {
	d.dials.Add(1)
	var dialer net.Dialer
	return dialer.DialContext(ctx, network, d.target)
}

// Plain http to a host that is not loopback is refused before anything is
// sent, unless the caller opts in; then it works like any other URL.
func TestInsecureHTTPToARemoteHostOnlyWhenAllowed(t *testing.T) {
	var seen atomic.Value
	server := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Store(r.Host + " " + r.Header.Get("Authorization"))
		writeData(w, http.StatusOK, testScan("scn_1", ScanStatusCompleted))
	}))
	defer server.Close()
	dialer := &loopbackDialer{target: server.Listener.Addr().String()}
	httpClient := &http.Client{Transport: &http.Transport{DialContext: dialer.DialContext}}
	const remote = "http://api.aether365.test:8080"

	if _, err := New(Config{BaseURL: remote, APIKey: testAPIKey, HTTPClient: httpClient}); !errors.Is(err, ErrInsecureHTTP) {
		t.Fatalf("New without opting in: err = %v, want ErrInsecureHTTP", err)
	}
	if n := dialer.dials.Load(); n != 0 {
		t.Fatalf("the refused client dialled %d times", n)
	}

	c, err := New(Config{BaseURL: remote, APIKey: testAPIKey, HTTPClient: httpClient, AllowInsecureHTTP: true})
	if err != nil {
		t.Fatalf("New with AllowInsecureHTTP: %v", err)
	}
	if _, err := c.GetScan(context.Background(), "scn_1"); err != nil {
		t.Fatal(err)
	}
	if got := seen.Load(); got != "api.aether365.test:8080 Bearer "+testAPIKey {
		t.Errorf("the server saw %q", got)
	}
}

// Redirects that change the host (another port or another spelling of the
// same address count) or the scheme are refused for GET and for the POST
// that starts a scan; the other end never hears from us.
func TestRedirectsToAnotherOriginAreRefused(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		writeData(w, http.StatusCreated, testScan("scn_evil", ScanStatusInProgress))
	}))
	defer other.Close()
	_, otherPort, _ := net.SplitHostPort(other.Listener.Addr().String())

	var target atomic.Pointer[string]
	c, srv := newTestClient(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, *target.Load()+r.URL.Path, http.StatusTemporaryRedirect)
	})
	_, ownPort, _ := net.SplitHostPort(srv.Listener.Addr().String())
	for name, to := range map[string]string{
		"another port":                   other.URL,
		"same port, other host spelling": "http://localhost:" + ownPort,
		"same host, https":               "https://127.0.0.1:" + ownPort,
		"another host name, same port":   "http://localhost:" + otherPort,
	} {
		target.Store(&to)
		if _, err := c.GetScan(context.Background(), "scn_1"); !errors.Is(err, errRefusedRedirect) {
			t.Errorf("GET redirected to %s (%s): err = %v", to, name, err)
		}
		if _, err := c.StartScan(context.Background(), StartScanRequest{ScanType: "compliance"}); !errors.Is(err, errRefusedRedirect) {
			t.Errorf("POST redirected to %s (%s): err = %v", to, name, err)
		}
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other origin got %d requests", n)
	}
}
