package simulator

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/api"
)

// A handler bug that breaks an answer is caught before the answer leaves:
// the client gets 500 INTERNAL_ERROR naming the mismatch, Stats counts it
// and NonConformingAnswers keeps why.
func TestNonConformingAnswerBecomesInternalError(t *testing.T) {
	for _, profile := range profiles {
		t.Run(profile, func(t *testing.T) {
			sim, err := New(Config{Profile: profile})
			if err != nil {
				t.Fatal(err)
			}
			scan := createScan(t, sim, DemoAPIKey, "compliance")
			sim.breakAnswer = func(_ http.Header, body []byte) []byte {
				// A scan whose status is not one of the document's.
				return bytes.Replace(body, []byte(`"status":"completed"`), []byte(`"status":"done"`), 1)
			}
			resp := call(t, sim, request{method: "GET", path: "/scans/" + scan.ID, key: DemoAPIKey})
			expectStatus(t, resp, http.StatusInternalServerError, api.ErrorCodeInternalError)
			const prefix = "the simulator's answer does not conform to api/aether365.openapi.yaml: "
			if !strings.HasPrefix(resp.Env.Error.Message, prefix) || !strings.Contains(resp.Env.Error.Message, "/data/status") ||
				strings.Contains(resp.Env.Error.Message, "\n") {
				t.Errorf("message %q: want the prefix and one line naming /data/status", resp.Env.Error.Message)
			}
			if got := sim.Stats().NonConformingAnswers; got != 1 {
				t.Errorf("Stats.NonConformingAnswers = %d, want 1", got)
			}
			reasons := sim.NonConformingAnswers()
			if len(reasons) != 1 || !strings.HasPrefix(reasons[0], "GET /scans/"+scan.ID+" 200: ") {
				t.Errorf("NonConformingAnswers = %q", reasons)
			}
			// An error answer is checked too.
			resp = call(t, sim, request{method: "GET", path: "/scans/nope", key: DemoAPIKey})
			if resp.Status != http.StatusNotFound {
				t.Errorf("an untouched 404 became %d", resp.Status)
			}
			sim.breakAnswer = func(_ http.Header, body []byte) []byte {
				return bytes.Replace(body, []byte(`"SCAN_NOT_FOUND"`), []byte(`"NO_SUCH_SCAN"`), 1)
			}
			expectStatus(t, call(t, sim, request{method: "GET", path: "/scans/nope", key: DemoAPIKey}), http.StatusInternalServerError, api.ErrorCodeInternalError)
			// And the answers to requests that reached no operation.
			sim.breakAnswer = func(_ http.Header, body []byte) []byte { return []byte("not found\n") }
			expectStatus(t, call(t, sim, request{method: "GET", path: "/nowhere", key: DemoAPIKey}), http.StatusInternalServerError, api.ErrorCodeInternalError)
			if got := sim.Stats().NonConformingAnswers; got != 3 {
				t.Errorf("Stats.NonConformingAnswers = %d, want 3", got)
			}
		})
	}
}

// The published profile refuses, as non-conforming, anything the document
// marks x-aether365-profile: assumed; the assumed profile serves it.
func TestPublishedProfileServesNothingAssumed(t *testing.T) {
	for _, tc := range []struct {
		name  string
		mess  func(http.Header, []byte) []byte
		proof string
	}{
		{"request id in the body", func(_ http.Header, body []byte) []byte {
			return bytes.Replace(body, []byte(`"details":{}`), []byte(`"details":{},"request_id":"req_0123456789abcdef"`), 1)
		}, "field error.request_id is only served by the assumed profile"},
		{"Retry-After", func(header http.Header, body []byte) []byte { header.Set("Retry-After", "5"); return body },
			"header Retry-After is only served by the assumed profile"},
		{"X-Request-Id", func(header http.Header, body []byte) []byte {
			header.Set("X-Request-Id", "req_0123456789abcdef")
			return body
		},
			"header X-Request-Id is only served by the assumed profile"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sim, err := New(Config{})
			if err != nil {
				t.Fatal(err)
			}
			sim.breakAnswer = tc.mess
			expectStatus(t, call(t, sim, request{method: "GET", path: "/scans/nope", key: DemoAPIKey}), http.StatusInternalServerError, api.ErrorCodeInternalError)
			if reasons := sim.NonConformingAnswers(); len(reasons) != 1 || !strings.Contains(reasons[0], tc.proof) {
				t.Errorf("reasons %q, want %q", reasons, tc.proof)
			}
		})
	}
	assumed, _ := newTestServer(t, Config{Profile: ProfileAssumed})
	resp := call(t, assumed, request{method: "GET", path: "/scans/nope", key: DemoAPIKey})
	expectStatus(t, resp, http.StatusNotFound, api.ErrorCodeScanNotFound)
}

// BenchmarkResultsPage measures a page of 200 results (the largest page)
// with and without the answer's validation against the document.
func BenchmarkResultsPage(b *testing.B) {
	for _, validated := range []bool{true, false} {
		b.Run(fmt.Sprintf("validated=%v", validated), func(b *testing.B) {
			sim, _ := newTestServer(b, Config{ResultsPerScan: 1000})
			scan := createScan(b, sim, DemoAPIKey, "compliance")
			sim.validateAnswers = validated
			r := httptest.NewRequest("GET", "/scans/"+scan.ID+"/results?limit=200&page=2", nil)
			r.Header.Set("Authorization", "Bearer "+DemoAPIKey)
			b.ReportAllocs()
			for b.Loop() {
				recorder := httptest.NewRecorder()
				sim.ServeHTTP(recorder, r.Clone(r.Context()))
				if recorder.Code != http.StatusOK {
					b.Fatalf("%d %s", recorder.Code, recorder.Body)
				}
			}
		})
	}
}
