package provider

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/terraform-plugin-framework/schema/validator"
	"github.com/hashicorp/terraform-plugin-framework/types"
	"github.com/hashicorp/terraform-plugin-testing/helper/resource"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

// Issue #20: a base_url with the path a new user guessed (/api/v1) is refused
// at plan time, naming the URL to use, instead of every read failing later
// with a 404 that reads like a wrong ID.
func TestAccProvider_baseURLWithAPath(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config:   providerConfigAt(sim.URL+"/api/v1") + `data "aether365_scans" "all" {}`,
			PlanOnly: true,
			ExpectError: diagnosticPattern("Invalid Aether365 Base URL", regexp.QuoteMeta(`must not have a path ("/api/v1")`),
				regexp.QuoteMeta(fmt.Sprintf("use %q", sim.URL))),
		}},
	})
}

// Issue #20: https:// against aether365-sim, which serves plain HTTP, says so
// and names the http:// URL to use.
func TestAccProvider_httpsToPlainHTTPEndpoint(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	https := strings.Replace(sim.URL, "http://", "https://", 1)
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: providerConfigAt(https) + `data "aether365_scans" "all" {}`,
			ExpectError: diagnosticPattern("Aether365 API Not Reachable", "Check base_url",
				regexp.QuoteMeta("base_url "+https+": the server answered in plain HTTP; use "+sim.URL)),
		}},
	})
}

// A base_url that reaches a web server other than the API (its own "404 page
// not found") is reported as the wrong endpoint, not as a missing object.
func TestAccProvider_endpointThatIsNotTheAPI(t *testing.T) {
	other := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(other.Close)
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{{
			Config: providerConfigAt(other.URL) + `data "aether365_scans" "all" {}`,
			ExpectError: diagnosticPattern("Check that base_url points at the API",
				regexp.QuoteMeta("GET /tenants/me/scans: the endpoint at "+other.URL+" did not answer as the Aether365 API (HTTP 404 with no API error body"),
				"check base_url"),
		}},
	})
}

// No request reached Aether365 when https:// met a plain-HTTP server, so the
// diagnostic asks for no request ID, and says to check base_url.
func TestAPIErrorDiagnostic_httpsToPlainHTTPEndpoint(t *testing.T) {
	plain := httptest.NewServer(http.NotFoundHandler())
	t.Cleanup(plain.Close)
	client, err := aether365.New(aether365.Config{
		BaseURL: strings.Replace(plain.URL, "http://", "https://", 1), APIKey: testAPIKey, MaxRetries: new(0),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	_, err = client.GetScan(ctx, "scan_x")
	if !errors.Is(err, aether365.ErrUnreachable) {
		t.Fatalf("want ErrUnreachable, got %v", err)
	}

	summary, detail := apiDiagnostic(t, err)
	if summary != "Aether365 API Not Reachable" {
		t.Errorf("summary = %q", summary)
	}
	assertContains(t, "detail", detail, "Check base_url", "answered in plain HTTP", "use "+plain.URL)
	assertLacks(t, "detail", detail, "request ID", testAPIKey)
}

// The validator checks base_url only when it is known, leaves an empty one to
// Configure (which says it is empty), and refuses a path.
func TestBaseURLValidator(t *testing.T) {
	for value, wantError := range map[types.String]bool{
		types.StringNull():                                false,
		types.StringUnknown():                             false,
		types.StringValue(" "):                            false,
		types.StringValue("https://api.aether365.io/"):    false,
		types.StringValue("http://api.aether365.io"):      false,
		types.StringValue("http://127.0.0.1:8365/api/v1"): true,
		types.StringValue("not a url"):                    true,
	} {
		var resp validator.StringResponse
		baseURLValidator{}.ValidateString(context.Background(), validator.StringRequest{ConfigValue: value}, &resp)
		if resp.Diagnostics.HasError() != wantError {
			t.Errorf("%s: diagnostics %v, want an error: %v", value, resp.Diagnostics, wantError)
		}
	}
}
