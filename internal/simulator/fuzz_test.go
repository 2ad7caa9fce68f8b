package simulator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

var fuzzMethods = []string{"GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "get", "BREW"}

// FuzzHandler sends arbitrary methods, paths, queries, bodies and headers and
// checks the simulator never panics or answers 500, and always answers a
// valid envelope. `go test` runs the seed corpus only; run
// `go test -fuzz FuzzHandler ./internal/simulator` to explore.
func FuzzHandler(f *testing.F) {
	sim, err := New(Config{APIKeys: multiTenantKeys(), ResultsPerScan: 60})
	if err != nil {
		f.Fatal(err)
	}
	existing := createScan(f, sim, keyA, "compliance").ID

	type seed struct {
		method                    uint8
		path, query, body, header string
		idempotencyKey            string
	}
	for _, s := range []seed{
		{0, "/tenants/me/scans", "", "", "Bearer " + keyA, ""},
		{1, "/tenants/me/scans", "", `{"scan_type":"compliance"}`, "Bearer " + keyA, "k1"},
		{1, "/tenants/me/scans", "", `{"scan_type":"identity"}`, "Bearer " + keyA, "k1"},
		{1, "/tenants/tenant-b/scans", "", `{"scan_type":"email"}`, "Bearer " + keyMSP, ""},
		{1, "/tenants/me/scans", "", `{"scan_type":` + strings.Repeat("[", 10000), "Bearer " + keyA, ""},
		{1, "/tenants/me/scans", "", `{"scan_type":"\u0000\ud800"}`, "Bearer " + keyA, "\x00"},
		{1, "/tenants/me/scans", "", `{"scan_type":"full","scan_type":"nope"}`, "Bearer " + keyA, ""},
		{0, "/scans/" + existing, "", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "result=Failed&severity=Critical&page=1&limit=100", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "page=9223372036854775807&limit=100", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "page=-9223372036854775808", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "limit=1e3&page=0x10", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing, "", "", "Bearer " + keyB, ""},
		{0, "/tenants/me/scans", "status=%ff%fe&scan_type=%00", "", "Bearer " + keyA, ""},
		{0, "/tenants/me/scans", "a=1&a=2&;&&=", "", "Bearer " + keyA, ""},
		{0, "/tenants/%2e%2e/scans", "", "", "Bearer " + keyA, ""},
		{0, "/scans/%", "", "", "Bearer " + keyA, ""},
		{0, "//scans//", "", "", "Bearer " + keyA, ""},
		{0, "", "", "", "Bearer " + keyA, ""},
		{0, "*", "", "", "", ""},
		{2, "/scans/x", "", "garbage", "Bearer " + keyA, ""},
		{3, "/tenants/me/scans", "", "", "Basic Zm9vOmJhcg==", ""},
		{8, "/tenants/me/scans", "", "", "Bearer\t" + keyA, ""},
		{7, "/tenants/me/scans", "", "", "bearer " + keyA, ""},
	} {
		f.Add(s.method, s.path, s.query, s.body, s.header, s.idempotencyKey)
	}

	f.Fuzz(func(t *testing.T, methodIndex uint8, path, rawQuery, body, authorization, idempotencyKey string) {
		method := fuzzMethods[int(methodIndex)%len(fuzzMethods)]
		target := &url.URL{Path: path, RawQuery: rawQuery}
		r := &http.Request{
			Method:        method,
			URL:           target,
			RequestURI:    target.RequestURI(),
			Proto:         "HTTP/1.1",
			ProtoMajor:    1,
			ProtoMinor:    1,
			Header:        http.Header{},
			Host:          "sim.test",
			Body:          io.NopCloser(strings.NewReader(body)),
			ContentLength: int64(len(body)),
		}
		r = r.WithContext(t.Context())
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		if idempotencyKey != "" {
			r.Header.Set("Idempotency-Key", idempotencyKey)
		}
		recorder := httptest.NewRecorder()
		sim.ServeHTTP(recorder, r) // a panic fails the fuzz target by itself

		if recorder.Code >= 500 {
			t.Fatalf("%s %q ?%q: status %d\n%s", method, path, rawQuery, recorder.Code, recorder.Body)
		}
		var env testEnvelope
		if problem := checkEnvelope(recorder.Code, recorder.Header(), recorder.Body.Bytes(), &env); problem != "" {
			t.Fatalf("%s %q ?%q: %s\n%s", method, path, rawQuery, problem, recorder.Body)
		}
	})
}
