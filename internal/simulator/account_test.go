package simulator

import (
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

func TestTenantProfile(t *testing.T) {
	cfg := multiAccountConfig()
	cfg.PlanTier = api.PlanTierPro
	sim, fake := newTestServer(t, cfg)
	tenant := decode[api.Tenant](t, call(t, sim, request{method: "GET", path: "/tenants/me", key: keyMSP}))
	if tenant.ID != accountMS || tenant.Email != "admin@msp.com" || tenant.CompanyName != "Msp" || tenant.PlanTier != api.PlanTierPro ||
		!tenant.CreatedAt.Before(testStart) || !tenant.UpdatedAt.Equal(tenant.CreatedAt) {
		t.Errorf("tenant = %+v", tenant)
	}
	fake.Advance(time.Hour)
	resp := call(t, sim, request{method: "PATCH", path: "/tenants/me", key: keyMSP, body: `{"companyName":"Contoso Managed Services"}`})
	expectStatus(t, resp, http.StatusOK, "")
	if changed := decode[api.Tenant](t, resp); changed.CompanyName != "Contoso Managed Services" || !changed.UpdatedAt.Equal(testStart.Add(time.Hour)) ||
		!changed.CreatedAt.Equal(tenant.CreatedAt) {
		t.Errorf("after PATCH: %+v", changed)
	}
	// An empty PATCH changes nothing; unknown and blank fields are 400.
	if same := decode[api.Tenant](t, call(t, sim, request{method: "PATCH", path: "/tenants/me", key: keyMSP, body: `{}`})); same.CompanyName != "Contoso Managed Services" {
		t.Errorf("empty PATCH: %+v", same)
	}
	for body, field := range map[string]string{`{"companyName":"  "}`: "companyName", `{"companyName":""}`: "companyName", `{"planTier":"free"}`: "planTier"} {
		resp := call(t, sim, request{method: "PATCH", path: "/tenants/me", key: keyMSP, body: body})
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		if resp.Env.Error.Details[detailField] != field {
			t.Errorf("%s: %s", body, resp.Body)
		}
	}
	if got := decode[api.Tenant](t, call(t, sim, request{method: "GET", path: "/tenants/me", key: keyA})); got.CompanyName != "A" {
		t.Errorf("account A: %+v", got)
	}
}

func TestConnectionsAndActivation(t *testing.T) {
	sim, _ := newTestServer(t, multiAccountConfig())
	guid := regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)
	connections := decode[[]api.Connection](t, call(t, sim, request{method: "GET", path: "/tenants/me/connections", key: keyMSP}))
	if len(connections) != 3 {
		t.Fatalf("connections = %+v", connections)
	}
	seen := map[string]bool{}
	for i, c := range connections {
		want := []string{"conn_contoso", "conn_fabrikam", "conn_adatum"}[i]
		if c.ID != want || c.Label != strings.TrimPrefix(want, "conn_") || !guid.MatchString(c.MsTenantID) || c.IsPrimary != (i == 0) ||
			!c.ConnectedAt.Before(testStart) || seen[c.MsTenantID] {
			t.Errorf("connection %d = %+v", i, c)
		}
		seen[c.MsTenantID] = true
	}
	resp := call(t, sim, request{method: "POST", path: "/tenants/me/connections/conn_adatum/activate", key: keyMSP})
	expectStatus(t, resp, http.StatusOK, "")
	if active := decode[api.Connection](t, resp); active.ID != "conn_adatum" || !active.IsPrimary {
		t.Errorf("activate: %+v", active)
	}
	primaries := 0
	for _, c := range decode[[]api.Connection](t, call(t, sim, request{method: "GET", path: "/tenants/me/connections", key: keyMSP})) {
		if c.IsPrimary {
			primaries++
			if c.ID != "conn_adatum" {
				t.Errorf("primary is %s", c.ID)
			}
		}
	}
	if primaries != 1 {
		t.Errorf("%d primary connections", primaries)
	}
	// Another account's connections are its own.
	if other := decode[[]api.Connection](t, call(t, sim, request{method: "GET", path: "/tenants/me/connections", key: keyA})); len(other) != 1 || other[0].ID != DefaultConnection {
		t.Errorf("account A's connections = %+v", other)
	}
	expectStatus(t, call(t, sim, request{method: "POST", path: "/tenants/me/connections/conn_contoso/activate", key: keyA}), http.StatusNotFound, api.ErrorCodeConnectionNotFound)
}

func TestNotificationSettings(t *testing.T) {
	var log strings.Builder
	sim, _ := newTestServer(t, Config{RequestLog: &log})
	get := func() api.NotificationSettings {
		return decode[api.NotificationSettings](t, call(t, sim, request{method: "GET", path: "/tenants/me/notifications", key: DemoAPIKey}))
	}
	patch := func(body string) response {
		return call(t, sim, request{method: "PATCH", path: "/tenants/me/notifications", key: DemoAPIKey, body: body})
	}
	if jsonOf(t, get()) != `{"emailOnComplete":true,"emailOnFail":true,"teamsOnComplete":false,"teamsOnFail":false,"teamsWebhookUrl":null}` {
		t.Errorf("defaults = %s", jsonOf(t, get()))
	}
	const webhook = "https://contoso.webhook.office.com/webhookb2/0a1b2c3d/IncomingWebhook/secret-part"
	resp := patch(`{"teamsWebhookUrl":"` + webhook + `","teamsOnFail":true}`)
	expectStatus(t, resp, http.StatusOK, "")
	if got := decode[api.NotificationSettings](t, resp); got.TeamsWebhookURL == nil || *got.TeamsWebhookURL != webhook || !got.TeamsOnFail || !got.EmailOnComplete {
		t.Errorf("after PATCH: %s", jsonOf(t, got))
	}
	// Only sent fields change: the webhook stays when not sent.
	patch(`{"emailOnComplete":false}`)
	if got := get(); got.TeamsWebhookURL == nil || got.EmailOnComplete || !got.TeamsOnFail {
		t.Errorf("after a partial PATCH: %s", jsonOf(t, got))
	}
	for body, field := range map[string]string{
		`{"teamsWebhookUrl":"http://contoso.webhook.office.com/x"}`: "teamsWebhookUrl",
		`{"teamsWebhookUrl":""}`:                                    "teamsWebhookUrl",
		`{"teamsWebhookUrl":"not a url"}`:                           "teamsWebhookUrl",
		`{"emailOnFail":null}`:                                      "emailOnFail",
		`{"emailOnFail":"yes"}`:                                     "emailOnFail",
		`{"slackWebhookUrl":"https://hooks.slack.com/x"}`:           "slackWebhookUrl",
	} {
		resp := patch(body)
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		if resp.Env.Error.Details[detailField] != field || strings.Contains(resp.Env.Error.Message, "secret-part") {
			t.Errorf("%s: %s", body, resp.Body)
		}
	}
	// An explicit null removes the webhook.
	resp = patch(`{"teamsWebhookUrl":null}`)
	if got := decode[api.NotificationSettings](t, resp); got.TeamsWebhookURL != nil || !got.TeamsOnFail {
		t.Errorf("after null: %s", jsonOf(t, got))
	}
	if strings.Contains(log.String(), "secret-part") || strings.Contains(log.String(), "webhook.office.com") {
		t.Errorf("the request log holds the webhook URL:\n%s", log.String())
	}
}

func TestScheduledScans(t *testing.T) {
	sim, fake := newTestServer(t, Config{})
	list := func() []api.ScheduledScan {
		return decode[[]api.ScheduledScan](t, call(t, sim, request{method: "GET", path: "/tenants/me/scheduled-scans", key: DemoAPIKey}))
	}
	plan := list()
	if len(plan) != 1 || jsonOf(t, plan[0]) != `{"dayOfMonth":null,"dayOfWeek":null,"enabled":true,"frequency":"daily","hour":2,"id":"plan",`+
		`"isPlanSchedule":true,"lastTriggeredAt":null,"minute":0,"name":"Automatic plan scan","scanType":"compliance","timezone":"UTC"}` {
		t.Fatalf("an enterprise account's schedules = %s", jsonOf(t, plan))
	}
	create := func(body string) response {
		return call(t, sim, request{method: "POST", path: "/tenants/me/scheduled-scans", key: DemoAPIKey, body: body})
	}
	resp := create(`{"name":"Weekly exposure scan","scanType":"exposure","frequency":"weekly","dayOfWeek":0,"hour":6,"minute":30,"timezone":"Europe/London","enabled":true}`)
	expectStatus(t, resp, http.StatusCreated, "")
	weekly := decode[api.ScheduledScan](t, resp)
	if !regexp.MustCompile(`^sched_[0-9a-f]{16}$`).MatchString(weekly.ID) || weekly.IsPlanSchedule || weekly.DayOfWeek == nil || *weekly.DayOfWeek != 0 ||
		weekly.DayOfMonth != nil || weekly.LastTriggeredAt != nil || weekly.Timezone != "Europe/London" {
		t.Errorf("created %s", jsonOf(t, weekly))
	}
	monthly := decode[api.ScheduledScan](t, create(`{"name":"Monthly","scanType":"compliance","frequency":"monthly","dayOfMonth":31,"dayOfWeek":null,"hour":23,"minute":59,"timezone":"America/New_York","enabled":false}`))
	if ids := []string{list()[0].ID, list()[1].ID, list()[2].ID}; ids[0] != "plan" || ids[1] != weekly.ID || ids[2] != monthly.ID {
		t.Errorf("order %v: want plan, then creation order", ids)
	}

	for _, tc := range []struct{ body, field, says string }{
		{`{"name":"x","scanType":"compliance","frequency":"weekly","hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "dayOfWeek", "is required for a weekly schedule"},
		{`{"name":"x","scanType":"compliance","frequency":"weekly","dayOfWeek":1,"dayOfMonth":1,"hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "dayOfMonth", "only for monthly"},
		{`{"name":"x","scanType":"compliance","frequency":"monthly","hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "dayOfMonth", "is required for a monthly schedule"},
		{`{"name":"x","scanType":"compliance","frequency":"monthly","dayOfMonth":1,"dayOfWeek":2,"hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "dayOfWeek", "only for weekly"},
		{`{"name":"x","scanType":"compliance","frequency":"daily","dayOfWeek":2,"hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "dayOfWeek", "not for daily"},
		{`{"name":"x","scanType":"compliance","frequency":"daily","hour":1,"minute":0,"timezone":"Mars/Olympus","enabled":true}`, "timezone", "IANA time zone"},
		{`{"name":"x","scanType":"compliance","frequency":"daily","hour":1,"minute":0,"timezone":"Local","enabled":true}`, "timezone", "IANA time zone"},
		{`{"name":"x","scanType":"compliance","frequency":"daily","hour":24,"minute":0,"timezone":"UTC","enabled":true}`, "hour", "must be an integer from 0 to 23, got 24"},
		{`{"name":"x","scanType":"compliance","frequency":"cron","hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "frequency", "must be one of daily, weekly, monthly"},
		{`{"name":"x","scanType":"compliance","frequency":"weekly","dayOfWeek":7,"hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "dayOfWeek", "from 0 to 6, or null"},
		{`{"name":"x","frequency":"daily","hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "scanType", "is required"},
		{`{"name":" ","scanType":"compliance","frequency":"daily","hour":1,"minute":0,"timezone":"UTC","enabled":true}`, "name", "must not be blank"},
		{`{"name":"x","scanType":"compliance","frequency":"daily","hour":1,"minute":0,"timezone":"UTC","enabled":true,"cron":"* * * * *"}`, "cron", "unknown field"},
	} {
		resp := create(tc.body)
		expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
		if resp.Env.Error.Details[detailField] != tc.field || !strings.Contains(resp.Env.Error.Message, tc.says) {
			t.Errorf("%s: %s, want field %s and %q", tc.body, resp.Body, tc.field, tc.says)
		}
	}
	if got := len(list()); got != 3 {
		t.Errorf("%d schedules after refused creations, want 3", got)
	}

	// PATCH changes the sent fields; the result must follow the rules.
	patch := func(id, body string) response {
		return call(t, sim, request{method: "PATCH", path: "/tenants/me/scheduled-scans/" + id, key: DemoAPIKey, body: body})
	}
	resp = patch(weekly.ID, `{"hour":7,"enabled":false}`)
	expectStatus(t, resp, http.StatusOK, "")
	if got := decode[api.ScheduledScan](t, resp); got.Hour != 7 || got.Enabled || got.Minute != 30 || *got.DayOfWeek != 0 || got.Name != weekly.Name {
		t.Errorf("after PATCH: %s", jsonOf(t, got))
	}
	resp = patch(weekly.ID, `{"frequency":"daily"}`)
	expectStatus(t, resp, http.StatusBadRequest, api.ErrorCodeValidationError)
	if !strings.Contains(resp.Env.Error.Message, "send the other day field as null") {
		t.Errorf("frequency change without null: %q", resp.Env.Error.Message)
	}
	resp = patch(weekly.ID, `{"frequency":"monthly","dayOfWeek":null,"dayOfMonth":15}`)
	expectStatus(t, resp, http.StatusOK, "")
	if got := decode[api.ScheduledScan](t, resp); got.Frequency != api.FrequencyMonthly || got.DayOfWeek != nil || *got.DayOfMonth != 15 {
		t.Errorf("after the frequency change: %s", jsonOf(t, got))
	}
	expectStatus(t, patch(weekly.ID, `{"timezone":"Nowhere/Atlantis"}`), http.StatusBadRequest, api.ErrorCodeValidationError)
	expectStatus(t, patch(weekly.ID, `{"isPlanSchedule":true}`), http.StatusBadRequest, api.ErrorCodeValidationError)

	// The plan schedule is read-only; unknown IDs are 404.
	for _, req := range []request{
		{method: "PATCH", path: "/tenants/me/scheduled-scans/plan", body: `{"hour":5}`},
		{method: "DELETE", path: "/tenants/me/scheduled-scans/plan"},
	} {
		req.key = DemoAPIKey
		expectStatus(t, call(t, sim, req), http.StatusForbidden, api.ErrorCodePlanScheduleReadOnly)
	}
	for _, req := range []request{
		{method: "PATCH", path: "/tenants/me/scheduled-scans/sched_0000000000000000", body: `{"hour":5}`},
		{method: "DELETE", path: "/tenants/me/scheduled-scans/sched_0000000000000000"},
	} {
		req.key = DemoAPIKey
		expectStatus(t, call(t, sim, req), http.StatusNotFound, api.ErrorCodeScheduledScanNotFound)
	}

	// DELETE answers data null; the ID is gone and never handed out again.
	resp = call(t, sim, request{method: "DELETE", path: "/tenants/me/scheduled-scans/" + weekly.ID, key: DemoAPIKey})
	expectStatus(t, resp, http.StatusOK, "")
	if string(resp.Env.Data) != "null" {
		t.Errorf("DELETE data = %s", resp.Env.Data)
	}
	expectStatus(t, call(t, sim, request{method: "DELETE", path: "/tenants/me/scheduled-scans/" + weekly.ID, key: DemoAPIKey}), http.StatusNotFound, api.ErrorCodeScheduledScanNotFound)
	again := decode[api.ScheduledScan](t, create(`{"name":"Again","scanType":"compliance","frequency":"daily","hour":1,"minute":0,"timezone":"UTC","enabled":true}`))
	if again.ID == weekly.ID || again.ID == monthly.ID {
		t.Errorf("a new schedule reused ID %s", again.ID)
	}

	// lastTriggeredAt is set by StartScheduledScan (plan) or the setter.
	fake.Advance(time.Hour)
	if !sim.SetScheduledScanLastTriggered(DemoTenant, monthly.ID, fake.Now()) || sim.SetScheduledScanLastTriggered(DemoTenant, "sched_x", fake.Now()) {
		t.Error("SetScheduledScanLastTriggered")
	}
	for _, s := range list() {
		if s.ID == monthly.ID && (s.LastTriggeredAt == nil || !s.LastTriggeredAt.Equal(testStart.Add(time.Hour))) {
			t.Errorf("lastTriggeredAt = %v", s.LastTriggeredAt)
		}
	}
}

// The plan schedule's frequency follows the plan: free monthly on the 1st,
// pro weekly on Mondays, enterprise daily, at 02:00 UTC.
func TestPlanScheduleFollowsThePlan(t *testing.T) {
	for tier, want := range map[api.PlanTier]string{
		api.PlanTierFree:       `"dayOfMonth":1,"dayOfWeek":null,"enabled":true,"frequency":"monthly","hour":2`,
		api.PlanTierPro:        `"dayOfMonth":null,"dayOfWeek":0,"enabled":true,"frequency":"weekly","hour":2`,
		api.PlanTierEnterprise: `"dayOfMonth":null,"dayOfWeek":null,"enabled":true,"frequency":"daily","hour":2`,
	} {
		sim, _ := newTestServer(t, Config{PlanTier: tier})
		schedules := call(t, sim, request{method: "GET", path: "/tenants/me/scheduled-scans", key: DemoAPIKey})
		if !strings.Contains(string(schedules.Body), want) {
			t.Errorf("%s: %s", tier, schedules.Body)
		}
		if tenant := decode[api.Tenant](t, call(t, sim, request{method: "GET", path: "/tenants/me", key: DemoAPIKey})); tenant.PlanTier != tier {
			t.Errorf("%s: planTier %s", tier, tenant.PlanTier)
		}
	}
}

// Policies and threats need their entitlement (403 AUTH_INSUFFICIENT_SCOPE)
// and an AI Pilot connection ({"aiPilotConnected": false} without one).
func TestPoliciesAndThreats(t *testing.T) {
	cfg := multiAccountConfig()
	none, _ := newTestServer(t, cfg)
	for _, path := range []string{"/tenants/me/policies", "/tenants/me/threats"} {
		expectStatus(t, call(t, none, request{method: "GET", path: path, key: keyMSP}), http.StatusForbidden, api.ErrorCodeAuthInsufficientScope)
	}

	cfg.Entitlements = []string{EntitlementPolicyManagement, EntitlementThreatAlerts}
	noPilot, _ := newTestServer(t, cfg)
	for _, path := range []string{"/tenants/me/policies", "/tenants/me/threats"} {
		resp := call(t, noPilot, request{method: "GET", path: path, key: keyMSP})
		expectStatus(t, resp, http.StatusOK, "")
		if string(resp.Env.Data) != `{"aiPilotConnected":false}` {
			t.Errorf("%s without AI Pilot: %s", path, resp.Env.Data)
		}
	}

	cfg.AIPilotConnection = "conn_fabrikam"
	sim, _ := newTestServer(t, cfg)
	connections := decode[[]api.Connection](t, call(t, sim, request{method: "GET", path: "/tenants/me/connections", key: keyMSP}))
	fabrikam := connections[1]
	policies := decode[api.Policies](t, call(t, sim, request{method: "GET", path: "/tenants/me/policies", key: keyMSP}))
	if !policies.AiPilotConnected || *policies.MsTenantID != fabrikam.MsTenantID || policies.Policies == nil || len(*policies.Policies) < 5 {
		t.Fatalf("policies = %s", jsonOf(t, policies))
	}
	rows := *policies.Policies
	if rows[0].Key != "security_defaults" {
		t.Errorf("first row %s", jsonOf(t, rows[0]))
	}
	for _, row := range rows[:len(rows)-1] {
		if row.Title == nil || row.Current == nil || row.Secure == nil || row.Compliant == nil || *row.Compliant != (*row.Current == *row.Secure) {
			t.Errorf("row %s", jsonOf(t, row))
		}
	}
	if summary := rows[len(rows)-1]; summary.Key != "conditional_access_summary" || summary.Policies == nil || summary.Enabled == nil ||
		*summary.Enabled > *summary.Policies || summary.Title != nil {
		t.Errorf("summary row %s", jsonOf(t, summary))
	}
	// Naming the AI Pilot connection works; another one has no AI Pilot
	// consent; an unknown one is 404.
	named := decode[api.Policies](t, call(t, sim, request{method: "GET", path: "/tenants/me/policies?connectionId=conn_fabrikam", key: keyMSP}))
	if jsonOf(t, named) != jsonOf(t, policies) {
		t.Errorf("named connection: %s", jsonOf(t, named))
	}
	if other := call(t, sim, request{method: "GET", path: "/tenants/me/threats?connectionId=conn_contoso", key: keyMSP}); string(other.Env.Data) != `{"aiPilotConnected":false}` {
		t.Errorf("a read-only connection: %s", other.Env.Data)
	}
	expectStatus(t, call(t, sim, request{method: "GET", path: "/tenants/me/policies?connectionId=conn_nowhere", key: keyMSP}), http.StatusNotFound, api.ErrorCodeConnectionNotFound)
	// Account A has no connection of that ID.
	if other := call(t, sim, request{method: "GET", path: "/tenants/me/policies", key: keyA}); string(other.Env.Data) != `{"aiPilotConnected":false}` {
		t.Errorf("account A: %s", other.Env.Data)
	}

	// Threats of a few seeds: risky users with levels, sources' statuses.
	sawUsers, sawUnlicensed := false, false
	for seed := range int64(8) {
		cfg.Seed = seed
		sim, _ := newTestServer(t, cfg)
		threats := decode[api.Threats](t, call(t, sim, request{method: "GET", path: "/tenants/me/threats", key: keyMSP}))
		if !threats.AiPilotConnected || *threats.MsTenantID == "" || threats.Sources == nil || threats.RiskyUsers == nil ||
			threats.RiskDetections == nil || threats.SecurityAlerts == nil {
			t.Fatalf("threats = %s", jsonOf(t, threats))
		}
		for _, user := range *threats.RiskyUsers {
			sawUsers = true
			if !strings.HasSuffix(user.UserPrincipalName, "@fabrikam.onmicrosoft.com") || (user.RiskLevel != "low" && user.RiskLevel != "medium" && user.RiskLevel != "high") {
				t.Errorf("risky user %+v", user)
			}
		}
		if threats.Sources.RiskDetections == api.ThreatSourceStatusNotLicensed {
			sawUnlicensed = true
			if len(*threats.RiskDetections) != 0 {
				t.Errorf("detections without a licence: %s", jsonOf(t, threats))
			}
		} else if len(*threats.RiskDetections) != len(*threats.RiskyUsers) {
			t.Errorf("%d detections for %d risky users", len(*threats.RiskDetections), len(*threats.RiskyUsers))
		}
	}
	if !sawUsers || !sawUnlicensed {
		t.Errorf("8 seeds showed risky users %v, an unlicensed detections source %v", sawUsers, sawUnlicensed)
	}
}
