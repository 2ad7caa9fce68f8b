package provider

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"

	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// leakCheck fails when the key appears anywhere in the state, or in what
// the plan says about values (planned values, prior state, resource
// changes). The plan's "configuration" section is left out: it echoes the
// configuration as written, so a key typed into the provider block shows
// there by the user's hand; in real use the key comes from
// AETHER365_API_KEY (internal/e2e checks the whole plan file that way).
type leakCheck struct{ secret string }

func (c leakCheck) CheckState(_ context.Context, req statecheck.CheckStateRequest, resp *statecheck.CheckStateResponse) {
	resp.Error = c.find("state", req.State)
}

func (c leakCheck) CheckPlan(_ context.Context, req plancheck.CheckPlanRequest, resp *plancheck.CheckPlanResponse) {
	resp.Error = c.find("plan", map[string]any{
		"planned_values":   req.Plan.PlannedValues,
		"prior_state":      req.Plan.PriorState,
		"resource_changes": req.Plan.ResourceChanges,
		"resource_drift":   req.Plan.ResourceDrift,
		"output_changes":   req.Plan.OutputChanges,
		"relevant_attrs":   req.Plan.RelevantAttributes,
	})
}

func (c leakCheck) find(what string, v any) error {
	encoded, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if strings.Contains(string(encoded), c.secret) {
		return fmt.Errorf("the API key appears in the %s", what)
	}
	return nil
}

// Plain http to a host that is not loopback is refused unless
// allow_insecure_http says otherwise; then the provider works as usual. The
// host is 0.0.0.0: not a loopback address to the provider's check, yet the
// kernel delivers a connection to it on this machine, so nothing is sent
// anywhere else.
func TestAccSecurity_insecureHTTPOnlyWhenExplicitlyAllowed(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	sim.startCompletedScan(t, 88)
	_, port, err := net.SplitHostPort(strings.TrimPrefix(sim.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	unspecified := net.JoinHostPort("0.0.0.0", port)
	if conn, err := net.DialTimeout("tcp", unspecified, 2*time.Second); err != nil {
		t.Skipf("this system does not deliver connections to 0.0.0.0 locally: %v", err)
	} else {
		_ = conn.Close()
	}
	config := func(allow string) string {
		return fmt.Sprintf(`
provider "aether365" {
  base_url = "http://%s"
  api_key  = %q
  %s
}

data "aether365_scans" "all" {}
`, unspecified, testAPIKey, allow)
	}
	noLeak := leakCheck{secret: testAPIKey}
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config:      config(""),
				ExpectError: regexp.MustCompile(`(?s)Insecure Aether365 Base URL.*allow_insecure_http`),
			},
			{
				Config:      config("allow_insecure_http = false"),
				ExpectError: regexp.MustCompile(`(?s)Insecure Aether365 Base URL`),
			},
			{
				Config: config("allow_insecure_http = true"),
				ConfigPlanChecks: resource.ConfigPlanChecks{
					PostApplyPostRefresh: []plancheck.PlanCheck{noLeak},
				},
				ConfigStateChecks: []statecheck.StateCheck{
					statecheck.ExpectKnownValue("data.aether365_scans.all", tfjsonpath.New("scans").AtSliceIndex(0).AtMapKey("status"),
						knownvalue.StringExact("completed")),
					noLeak,
				},
			},
		},
	})
}

// echoingServer answers every request with the caller's own Authorization
// header in it, in a different place per mode, as a misconfigured proxy or a
// careless server might.
type echoingServer struct {
	mode atomic.Int32
}

const (
	echoIn401Message = iota
	echoInHTMLPage
	echoInValidationError
)

func (e *echoingServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	w.Header().Set("X-Request-Id", "req_"+strings.TrimPrefix(auth, "Bearer "))
	switch e.mode.Load() {
	case echoIn401Message:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error": map[string]any{
			"code": "UNAUTHORIZED", "message": "key " + auth + " is revoked", "request_id": auth,
		}})
	case echoInHTMLPage:
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(http.StatusForbidden)
		fmt.Fprintf(w, "<html><body><p>Access denied.</p><!-- %s --></body></html>", auth)
	case echoInValidationError:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_ = json.NewEncoder(w).Encode(map[string]any{"success": false, "error": map[string]any{
			"code": "VALIDATION_ERROR", "message": "bad request from " + auth,
		}})
	}
}

// Whatever a server echoes back, the key never reaches a diagnostic: the
// client masks it in API error messages and in the snippet of a malformed body.
func TestAccSecurity_keyEchoedByTheServerNeverReachesDiagnostics(t *testing.T) {
	echo := &echoingServer{}
	server := httptest.NewServer(echo)
	t.Cleanup(server.Close)
	providerBlock := fmt.Sprintf(`
provider "aether365" {
  base_url    = %q
  api_key     = %q
  max_retries = 0
}
`, server.URL, testAPIKey)

	expected := []*regexp.Regexp{
		diagnosticPattern(`Aether365 Rejected the API Key`, `key Bearer \*\*\* is revoked`),
		diagnosticPattern(`Error Listing Aether365 Scans`, `malformed response \(HTTP 403`, `Access denied`),
		diagnosticPattern(`Aether365 Rejected the Request`, `bad request from Bearer \*\*\*`),
	}
	var seen atomic.Int32
	setMode := func(mode int32) func() { return func() { echo.mode.Store(mode) } }
	parallelAccTest(t, resource.TestCase{
		// ErrorCheck sees each step's error (ExpectError could only match,
		// not rule anything out): it must be the expected diagnostic and
		// must not hold the key.
		ErrorCheck: func(err error) error {
			if strings.Contains(err.Error(), testAPIKey) {
				return fmt.Errorf("a diagnostic holds the API key: %w", err)
			}
			step := seen.Add(1) - 1
			if int(step) >= len(expected) || !expected[step].MatchString(err.Error()) {
				return fmt.Errorf("step %d: unexpected error: %w", step+1, err)
			}
			return nil
		},
		Steps: []resource.TestStep{
			{PreConfig: setMode(echoIn401Message), Config: providerBlock + `data "aether365_scans" "all" {}`},
			{PreConfig: setMode(echoInHTMLPage), Config: providerBlock + `data "aether365_scans" "all" {}`},
			{PreConfig: setMode(echoInValidationError), Config: providerBlock + `resource "aether365_scan" "test" { scan_type = "compliance" }`},
		},
	})
	if got := seen.Load(); got != int32(len(expected)) {
		t.Errorf("%d steps failed as expected, want %d", got, len(expected))
	}
}
