package simulator

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// Keys and tenants of the multi-tenant fixture: key A sees tenant-a only,
// key B sees tenant-b, and the MSP key sees both (tenant-a is its "me").
const (
	keyA   = "ae_live_key_a"
	keyB   = "ae_live_key_b"
	keyMSP = "ae_live_key_msp"
)

// testStart is simtest.Epoch, which this package's own tests cannot import
// (simtest imports the simulator).
var testStart = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

func multiTenantKeys() map[string][]string {
	return map[string][]string{
		keyA:   {"tenant-a"},
		keyB:   {"tenant-b"},
		keyMSP: {"tenant-a", "tenant-b"},
	}
}

// newTestServer returns a simulator on a fake clock starting at testStart.
func newTestServer(t testing.TB, cfg Config) (*Server, *clock.Fake) {
	t.Helper()
	fake := clock.NewFake(testStart)
	if cfg.Clock == nil {
		cfg.Clock = fake
	}
	sim, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return sim, fake
}

// serveHTTP serves h on a loopback port until the test ends, for tests that
// need real connections (resets, scripts).
func serveHTTP(t testing.TB, h http.Handler) *httptest.Server {
	t.Helper()
	server := httptest.NewServer(h)
	t.Cleanup(server.Close)
	return server
}

// response is a decoded answer; every field of the envelope is checked by
// checkEnvelope before a test looks at it.
type response struct {
	Status int
	Header http.Header
	Body   []byte
	Env    testEnvelope
}

type testEnvelope struct {
	Success *bool           `json:"success"`
	Data    json.RawMessage `json:"data"`
	Meta    *pageMeta       `json:"meta"`
	Error   *errorBody      `json:"error"`
}

type request struct {
	method  string
	path    string
	key     string // "" sends no Authorization header
	body    string
	headers map[string]string
}

// call sends a request straight to the handler (no network) and decodes the
// envelope, failing the test if it is not a valid one.
func call(t testing.TB, h http.Handler, req request) response {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, req.path, body)
	if req.key != "" {
		r.Header.Set("Authorization", "Bearer "+req.key)
	}
	for name, value := range req.headers {
		r.Header.Set(name, value)
	}
	recorder := httptest.NewRecorder()
	h.ServeHTTP(recorder, r)
	resp := response{Status: recorder.Code, Header: recorder.Header(), Body: recorder.Body.Bytes()}
	if err := checkEnvelope(resp.Status, resp.Header, resp.Body, &resp.Env); err != "" {
		t.Fatalf("%s %s: %s\nbody: %s", req.method, req.path, err, resp.Body)
	}
	return resp
}

// checkEnvelope reports what is wrong with a response, or "" if it is a
// valid envelope whose success matches the status.
func checkEnvelope(status int, header http.Header, body []byte, env *testEnvelope) string {
	if ct := header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		return "Content-Type is " + ct
	}
	if id := header.Get("X-Request-Id"); !strings.HasPrefix(id, "req_") {
		return "X-Request-Id is " + id
	}
	if err := json.Unmarshal(body, env); err != nil {
		return "body is not JSON: " + err.Error()
	}
	if env.Success == nil {
		return "success is missing"
	}
	if *env.Success != (status < 300) {
		return "success does not match the status"
	}
	if *env.Success {
		if len(env.Data) == 0 || env.Error != nil {
			return "a success envelope needs data and no error"
		}
		return ""
	}
	if env.Error == nil || env.Error.Code == "" || env.Error.Message == "" || env.Error.RequestID != header.Get("X-Request-Id") {
		return "an error envelope needs error.code, error.message and error.request_id = X-Request-Id"
	}
	if env.Data != nil {
		return "an error envelope must not carry data"
	}
	return ""
}

func decode[T any](t testing.TB, resp response) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(resp.Env.Data, &v); err != nil {
		t.Fatalf("decoding data: %v\nbody: %s", err, resp.Body)
	}
	return v
}

func expectStatus(t testing.TB, resp response, status int, code string) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status = %d, want %d\nbody: %s", resp.Status, status, resp.Body)
	}
	if code != "" && (resp.Env.Error == nil || resp.Env.Error.Code != code) {
		t.Fatalf("error code: want %s\nbody: %s", code, resp.Body)
	}
}

// createScan posts a scan for key's "me" and returns it.
func createScan(t testing.TB, h http.Handler, key, scanType string) scanView {
	t.Helper()
	resp := call(t, h, request{method: "POST", path: "/tenants/me/scans", key: key, body: `{"scan_type":"` + scanType + `"}`})
	expectStatus(t, resp, http.StatusCreated, "")
	return decode[scanView](t, resp)
}

func getScan(t testing.TB, h http.Handler, key, id string) scanView {
	t.Helper()
	resp := call(t, h, request{method: "GET", path: "/scans/" + id, key: key})
	expectStatus(t, resp, http.StatusOK, "")
	return decode[scanView](t, resp)
}

// allResults pages through a scan's results, as the demo key, with the
// given extra query.
func allResults(t testing.TB, h http.Handler, id, query string) []resultView {
	t.Helper()
	var results []resultView
	for page := 1; ; page++ {
		resp := call(t, h, request{method: "GET", path: "/scans/" + id + "/results?limit=100&page=" + strconv.Itoa(page) + query, key: DemoAPIKey})
		expectStatus(t, resp, http.StatusOK, "")
		results = append(results, decode[[]resultView](t, resp)...)
		if page >= resp.Env.Meta.TotalPages {
			return results
		}
	}
}

func ptr[T any](v T) *T { return &v }

func jsonOf(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
