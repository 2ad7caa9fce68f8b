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

	"github.com/aether365/terraform-provider-aether365/api"
	"github.com/aether365/terraform-provider-aether365/internal/clock"
)

// Keys and accounts of the multi-account fixture: key A belongs to account
// t_a, key B to t_b. The MSP key's account t_msp has three connections
// (contoso, the primary, fabrikam and adatum).
const (
	keyA      = "ae_live_key_a"
	keyB      = "ae_live_key_b"
	keyMSP    = "ae_live_key_msp"
	accountA  = "t_a"
	accountB  = "t_b"
	accountMS = "t_msp"
)

// testStart is simtest.Epoch, which this package's own tests cannot import
// (simtest imports the simulator).
var testStart = time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)

// profiles are both simulator profiles, for tests that must hold in each.
var profiles = []string{ProfilePublished, ProfileAssumed}

func multiAccountConfig() Config {
	return Config{
		APIKeys:     map[string]string{keyA: accountA, keyB: accountB, keyMSP: accountMS},
		Connections: map[string][]string{accountMS: {"conn_contoso", "conn_fabrikam", "conn_adatum"}},
	}
}

// newTestServer returns a simulator on a fake clock starting at testStart.
// The test fails if any answer did not conform to the document.
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
	t.Cleanup(func() {
		for _, reason := range sim.NonConformingAnswers() {
			t.Errorf("an answer did not conform to the document: %s", reason)
		}
	})
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
	Success *bool            `json:"success"`
	Data    json.RawMessage  `json:"data"`
	Meta    *api.PageMeta    `json:"meta"`
	Error   *api.ErrorDetail `json:"error"`
}

type request struct {
	method  string
	path    string
	key     string // "" sends no Authorization header
	body    string
	headers map[string]string
}

// call sends a request straight to the simulator (no network) and decodes
// the envelope, failing the test if it is not a valid one for the
// simulator's profile.
func call(t testing.TB, sim *Server, req request) response {
	t.Helper()
	var body io.Reader
	if req.body != "" {
		body = strings.NewReader(req.body)
	}
	r := httptest.NewRequest(req.method, req.path, body)
	if req.key != "" {
		r.Header.Set("Authorization", "Bearer "+req.key)
	}
	if req.body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	for name, value := range req.headers {
		r.Header.Set(name, value)
	}
	recorder := httptest.NewRecorder()
	sim.ServeHTTP(recorder, r)
	resp := response{Status: recorder.Code, Header: recorder.Header(), Body: recorder.Body.Bytes()}
	if err := checkEnvelope(sim.Profile(), resp.Status, resp.Header, resp.Body, &resp.Env); err != "" {
		t.Fatalf("%s %s: %s\nbody: %s", req.method, req.path, err, resp.Body)
	}
	return resp
}

// checkEnvelope reports what is wrong with a response, or "" if it is a
// valid envelope of the profile whose success matches the status.
func checkEnvelope(profile string, status int, header http.Header, body []byte, env *testEnvelope) string {
	if ct := header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		return "Content-Type is " + ct
	}
	requestID := header.Get("X-Request-Id")
	switch {
	case profile == ProfileAssumed && !strings.HasPrefix(requestID, "req_"):
		return "X-Request-Id is " + requestID
	case profile == ProfilePublished && requestID != "":
		return "the published profile sends X-Request-Id"
	case profile == ProfilePublished && header.Get("Retry-After") != "":
		return "the published profile sends Retry-After"
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
	if env.Error == nil || env.Error.Code == "" || !env.Error.Code.Valid() || env.Error.Message == "" || env.Error.Details == nil {
		return "an error envelope needs a documented error.code, error.message and error.details"
	}
	if profile == ProfileAssumed && (env.Error.RequestID == nil || *env.Error.RequestID != requestID) {
		return "error.request_id must repeat X-Request-Id"
	}
	if profile == ProfilePublished && env.Error.RequestID != nil {
		return "the published profile sends error.request_id"
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

func expectStatus(t testing.TB, resp response, status int, code api.ErrorCode) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("status = %d, want %d\nbody: %s", resp.Status, status, resp.Body)
	}
	if code != "" && (resp.Env.Error == nil || resp.Env.Error.Code != code) {
		t.Fatalf("error code: want %s\nbody: %s", code, resp.Body)
	}
}

// createScan posts a scan for key's "me" and returns it.
func createScan(t testing.TB, sim *Server, key, scanType string) api.Scan {
	t.Helper()
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/scans", key: key, body: `{"scan_type":"` + scanType + `"}`})
	expectStatus(t, resp, http.StatusCreated, "")
	return decode[api.Scan](t, resp)
}

func getScan(t testing.TB, sim *Server, key, id string) api.Scan {
	t.Helper()
	resp := call(t, sim, request{method: "GET", path: "/scans/" + id, key: key})
	expectStatus(t, resp, http.StatusOK, "")
	return decode[api.Scan](t, resp)
}

// allResults pages through a scan's results, as the demo key, with the
// given extra query.
func allResults(t testing.TB, sim *Server, id, query string) []api.Result {
	t.Helper()
	return allResultsAs(t, sim, DemoAPIKey, id, query)
}

func allResultsAs(t testing.TB, sim *Server, key, id, query string) []api.Result {
	t.Helper()
	var results []api.Result
	for page := 1; ; page++ {
		resp := call(t, sim, request{method: "GET", path: "/scans/" + id + "/results?limit=200&page=" + strconv.Itoa(page) + query, key: key})
		expectStatus(t, resp, http.StatusOK, "")
		results = append(results, decode[[]api.Result](t, resp)...)
		if page*resp.Env.Meta.Limit >= resp.Env.Meta.Total {
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
