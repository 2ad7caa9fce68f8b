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

// FuzzHandler sends arbitrary methods, paths, queries, bodies and headers,
// in either profile, and checks the simulator never panics or answers 500
// (which includes never answering what the document does not allow: such
// an answer becomes a 500), and always answers a valid envelope. `go test`
// runs the seed corpus only; run `go test -fuzz FuzzHandler
// ./internal/simulator` to explore.
func FuzzHandler(f *testing.F) {
	cfg := multiAccountConfig()
	cfg.ResultsPerScan = 60
	cfg.Entitlements = []string{EntitlementPolicyManagement, EntitlementThreatAlerts}
	cfg.AIPilotConnection = "conn_fabrikam"
	sims := map[bool]*Server{}
	var existing string
	for _, assumed := range []bool{false, true} {
		cfg.Profile = ProfilePublished
		if assumed {
			cfg.Profile = ProfileAssumed
		}
		sim, err := New(cfg)
		if err != nil {
			f.Fatal(err)
		}
		sims[assumed] = sim
		existing = createScan(f, sim, keyA, "compliance").ID // the same seed gives the same ID
	}

	type seed struct {
		method                    uint8
		path, query, body, header string
		idempotencyKey            string
	}
	for _, s := range []seed{
		{0, "/tenants/me/scans", "", "", "Bearer " + keyA, ""},
		{1, "/tenants/me/scans", "", `{"scan_type":"compliance"}`, "Bearer " + keyA, "k1"},
		{1, "/tenants/me/scans", "connectionId=conn_fabrikam", `{"scan_type":"exposure"}`, "Bearer " + keyMSP, "k1"},
		{1, "/tenants/t_b/scans", "", `{"scan_type":"exposure"}`, "Bearer " + keyMSP, ""},
		{1, "/tenants/me/scans", "", `{"scan_type":` + strings.Repeat("[", 10000), "Bearer " + keyA, ""},
		{1, "/tenants/me/scans", "", `{"scan_type":"\u0000\ud800"}`, "Bearer " + keyA, "\x00"},
		{1, "/tenants/me/scans", "", `{"scan_type":"compliance","scan_type":"nope"}`, "Bearer " + keyA, ""},
		{0, "/scans/" + existing, "", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "result=Failed&severity=Critical&framework=CIS&page=1&limit=200", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results/CIS.M365.1.1.1", "", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results/%2e%2e", "", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "page=9223372036854775807&limit=200", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "page=-9223372036854775808", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing + "/results", "limit=1e3&page=0x10", "", "Bearer " + keyA, ""},
		{0, "/scans/" + existing, "", "", "Bearer " + keyB, ""},
		{0, "/tenants/me/scans", "status=%ff%fe&scan_type=%00", "", "Bearer " + keyA, ""},
		{0, "/tenants/me/scans", "a=1&a=2&;&&=", "", "Bearer " + keyA, ""},
		{0, "/tenants/%2e%2e/scans", "", "", "Bearer " + keyA, ""},
		{0, "/tenants/me", "", "", "Bearer " + keyA, ""},
		{4, "/tenants/me", "", `{"companyName":"Contoso"}`, "Bearer " + keyA, ""},
		{4, "/tenants/me/notifications", "", `{"teamsWebhookUrl":null,"emailOnFail":false}`, "Bearer " + keyA, ""},
		{1, "/tenants/me/scheduled-scans", "", `{"name":"n","scanType":"compliance","frequency":"weekly","dayOfWeek":1,"hour":1,"minute":0,"timezone":"Asia/Tokyo","enabled":true}`, "Bearer " + keyA, ""},
		{4, "/tenants/me/scheduled-scans/plan", "", `{"hour":1}`, "Bearer " + keyA, ""},
		{3, "/tenants/me/scheduled-scans/sched_1", "", "", "Bearer " + keyA, ""},
		{1, "/tenants/me/connections/conn_fabrikam/activate", "", "", "Bearer " + keyMSP, ""},
		{0, "/tenants/me/policies", "connectionId=conn_fabrikam", "", "Bearer " + keyMSP, ""},
		{0, "/tenants/me/threats", "", "", "Bearer " + keyMSP, ""},
		{0, "/scans/%", "", "", "Bearer " + keyA, ""},
		{0, "//scans//", "", "", "Bearer " + keyA, ""},
		{0, "", "", "", "Bearer " + keyA, ""},
		{0, "*", "", "", "", ""},
		{2, "/scans/x", "", "garbage", "Bearer " + keyA, ""},
		{3, "/tenants/me/scans", "", "", "Basic Zm9vOmJhcg==", ""},
		{8, "/tenants/me/scans", "", "", "Bearer\t" + keyA, ""},
		{7, "/tenants/me/scans", "", "", "bearer " + keyA, ""},
	} {
		f.Add(s.method, s.path, s.query, s.body, s.header, s.idempotencyKey, s.method%2 == 0)
	}

	f.Fuzz(func(t *testing.T, methodIndex uint8, path, rawQuery, body, authorization, idempotencyKey string, assumed bool) {
		sim := sims[assumed]
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
			t.Fatalf("%s %q ?%q: status %d\n%s\nnon-conforming: %q", method, path, rawQuery, recorder.Code, recorder.Body, sim.NonConformingAnswers())
		}
		var env testEnvelope
		if problem := checkEnvelope(sim.Profile(), recorder.Code, recorder.Header(), recorder.Body.Bytes(), &env); problem != "" {
			t.Fatalf("%s %q ?%q: %s\n%s", method, path, rawQuery, problem, recorder.Body)
		}
	})
}
