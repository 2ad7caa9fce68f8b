package simulator

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/aether365/terraform-provider-aether365/api"
)

// securityRoutes is every operation, plus the paths a stranger might
// probe, for a scan that belongs to account A.
func securityRoutes(scanOfA string) []request {
	return []request{
		{method: "POST", path: "/tenants/me/scans", body: `{"scan_type":"compliance"}`},
		{method: "POST", path: "/tenants/" + accountA + "/scans", body: `{"scan_type":"compliance"}`},
		{method: "GET", path: "/tenants/me/scans"},
		{method: "GET", path: "/tenants/" + accountA + "/scans?status=completed&page=1&limit=100"},
		{method: "GET", path: "/scans/" + scanOfA},
		{method: "GET", path: "/scans/" + scanOfA + "/results?result=Failed"},
		{method: "GET", path: "/scans/" + scanOfA + "/results/CIS.M365.1.1.1"},
		{method: "GET", path: "/tenants/me"},
		{method: "PATCH", path: "/tenants/me", body: `{"companyName":"Hacked"}`},
		{method: "GET", path: "/tenants/me/connections"},
		{method: "POST", path: "/tenants/me/connections/" + DefaultConnection + "/activate"},
		{method: "GET", path: "/tenants/me/notifications"},
		{method: "PATCH", path: "/tenants/me/notifications", body: `{"emailOnFail":false}`},
		{method: "GET", path: "/tenants/me/scheduled-scans"},
		{method: "POST", path: "/tenants/me/scheduled-scans", body: `{"name":"x","scanType":"compliance","frequency":"daily","hour":1,"minute":0,"timezone":"UTC","enabled":true}`},
		{method: "PATCH", path: "/tenants/me/scheduled-scans/sched_x", body: `{"enabled":false}`},
		{method: "DELETE", path: "/tenants/me/scheduled-scans/sched_x"},
		{method: "GET", path: "/tenants/me/policies"},
		{method: "GET", path: "/tenants/me/threats"},
		{method: "DELETE", path: "/scans/" + scanOfA},
		{method: "PUT", path: "/tenants/" + accountA + "/scans"},
		{method: "GET", path: "/admin"},
		{method: "GET", path: "/tenants/me/scans?limit=" + strings.Repeat("9", 1000)},
	}
}

// Authentication comes before everything else an endpoint does: no route,
// method or query answers anything but 401 without a valid key, and nothing
// is created.
func TestEveryRouteRequiresAuthentication(t *testing.T) {
	sim, _ := newTestServer(t, multiAccountConfig())
	scanOfA := createScan(t, sim, keyA, "compliance").ID
	for _, route := range securityRoutes(scanOfA) {
		for name, header := range map[string]string{
			"no header":     "",
			"basic":         "Basic " + keyA,
			"unknown key":   "Bearer ae_live_not_a_key",
			"key of length": "Bearer " + strings.Repeat("k", 4096),
			"key prefix":    "Bearer " + keyA[:len(keyA)-1],
		} {
			req := route
			req.headers = map[string]string{}
			if header != "" {
				req.headers["Authorization"] = header
			}
			resp := call(t, sim, req)
			if resp.Status != http.StatusUnauthorized || (resp.Env.Error.Code != api.ErrorCodeAuthMissingToken && resp.Env.Error.Code != api.ErrorCodeAuthInvalidToken) {
				t.Errorf("%s %s with %s: %d %s, want 401", route.method, route.path, name, resp.Status, resp.Body)
			}
			if strings.Contains(string(resp.Body), keyA) || strings.Contains(string(resp.Body), "kkkk") {
				t.Errorf("%s %s with %s: the 401 echoes the credential", route.method, route.path, name)
			}
		}
	}
	if got := sim.Stats().ScansCreated; got != 1 {
		t.Errorf("unauthenticated requests created %d scans", got-1)
	}
}

// A valid key of another account gets 403 on account A's paths and 404 on
// its scans, exactly as for a scan that does not exist.
func TestEveryRouteIsAccountScoped(t *testing.T) {
	sim, _ := newTestServer(t, multiAccountConfig())
	scanOfA := createScan(t, sim, keyA, "compliance").ID
	for _, tc := range []struct {
		req    request
		status int
		code   api.ErrorCode
	}{
		{request{method: "POST", path: "/tenants/" + accountA + "/scans", body: `{"scan_type":"compliance"}`}, 403, api.ErrorCodeTenantAccessDenied},
		{request{method: "GET", path: "/tenants/" + accountA + "/scans"}, 403, api.ErrorCodeTenantAccessDenied},
		{request{method: "GET", path: "/tenants/" + accountA + "/scans?connectionId=" + DefaultConnection}, 403, api.ErrorCodeTenantAccessDenied},
		{request{method: "GET", path: "/tenants/T_A/scans"}, 403, api.ErrorCodeTenantAccessDenied},
		{request{method: "GET", path: "/tenants/t_a%00/scans"}, 403, api.ErrorCodeTenantAccessDenied},
		{request{method: "GET", path: "/scans/" + scanOfA}, 404, api.ErrorCodeScanNotFound},
		{request{method: "GET", path: "/scans/" + scanOfA + "/results"}, 404, api.ErrorCodeScanNotFound},
		{request{method: "GET", path: "/scans/" + scanOfA + "/results/CIS.M365.1.1.1"}, 404, api.ErrorCodeScanNotFound},
		{request{method: "GET", path: "/scans/" + strings.ToUpper(scanOfA)}, 404, api.ErrorCodeScanNotFound},
	} {
		req := tc.req
		req.key = keyB
		resp := call(t, sim, req)
		if resp.Status != tc.status || resp.Env.Error.Code != tc.code {
			t.Errorf("%s %s with key B: %d %s, want %d %s", req.method, req.path, resp.Status, resp.Body, tc.status, tc.code)
		}
		if strings.Contains(string(resp.Body), `"tenant_id"`) || strings.Contains(string(resp.Body), `"score"`) {
			t.Errorf("%s %s with key B leaks scan data: %s", req.method, req.path, resp.Body)
		}
	}
	// Key B's own lists stay its own, whatever it filters by.
	for _, path := range []string{"/tenants/me/scans", "/tenants/" + accountB + "/scans?scan_type=compliance"} {
		if scans := decode[[]api.Scan](t, call(t, sim, request{method: "GET", path: path, key: keyB})); len(scans) != 0 {
			t.Errorf("key B lists %d scans of another account at %s", len(scans), path)
		}
	}
	// Account-wide state is per account: B's changes never reach A.
	call(t, sim, request{method: "PATCH", path: "/tenants/me", key: keyB, body: `{"companyName":"B Corp"}`})
	if tenant := decode[api.Tenant](t, call(t, sim, request{method: "GET", path: "/tenants/me", key: keyA})); tenant.CompanyName == "B Corp" || tenant.ID != accountA {
		t.Errorf("account A reads %+v", tenant)
	}
	if got := sim.ScanCount(accountA); got != 1 {
		t.Errorf("account A holds %d scans after key B's attempts, want 1", got)
	}
}

// endlessReader is a request body that never ends.
type endlessReader struct{ read int64 }

func (r *endlessReader) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = ' '
	}
	r.read += int64(len(p))
	return len(p), nil
}

// A body without a length (streamed) is cut at the cap, not read forever.
func TestStreamedBodyIsBounded(t *testing.T) {
	sim, _ := newTestServer(t, Config{})
	body := &endlessReader{}
	r := httptest.NewRequest("POST", "/tenants/me/scans", io.MultiReader(strings.NewReader(`{"scan_type":"compliance"}`), body))
	r.ContentLength = -1
	r.Header.Set("Authorization", "Bearer "+DemoAPIKey)
	r.Header.Set("Content-Type", "application/json")
	recorder := httptest.NewRecorder()
	sim.ServeHTTP(recorder, r)
	if recorder.Code != http.StatusRequestEntityTooLarge {
		t.Errorf("status %d, want 413: %s", recorder.Code, recorder.Body)
	}
	if body.read > 2*maxBodyBytes {
		t.Errorf("the handler read %d bytes of an endless body; the cap is %d", body.read, maxBodyBytes)
	}
	if sim.ScanCount(DemoTenant) != 0 {
		t.Error("an oversized body created a scan")
	}
}
