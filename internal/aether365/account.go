package aether365

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/aether365/terraform-provider-aether365/api"
)

// The account's declarative objects: scheduled scans, the tenant profile,
// notification settings, and what AI Pilot reads (policies, threats). All of
// them live under /tenants/me: an API key belongs to one account.

type (
	// ScheduledScan is a recurring scan Aether365 starts by itself.
	ScheduledScan = api.ScheduledScan
	// Tenant is the Aether365 account.
	Tenant = api.Tenant
	// NotificationSettings say who hears of finished and failed scans.
	NotificationSettings = api.NotificationSettings
	// Policies is the policy posture of an AI Pilot connection.
	Policies = api.Policies
	// Threats are the identity-risk signals of an AI Pilot connection.
	Threats = api.Threats
)

// PlanScheduleID is the automatic plan schedule's ID; it can be neither
// changed nor deleted.
const PlanScheduleID = "plan"

const scheduledScansPath = "/tenants/me/scheduled-scans"

// ListScheduledScans lists every schedule, the plan schedule first as the
// API lists it: GET /tenants/me/scheduled-scans (not paged, as published).
func (c *Client) ListScheduledScans(ctx context.Context) ([]ScheduledScan, error) {
	schedules := listOf[ScheduledScan]{item: func(s *ScheduledScan) string { return s.ID }}
	if _, err := c.do(ctx, apiRequest{method: http.MethodGet, path: scheduledScansPath}, &schedules); err != nil {
		return nil, err
	}
	return schedules.items, nil
}

// GetScheduledScan reads one schedule. The reference shows no endpoint for
// one schedule, so it is found in the list; a schedule the list lacks is an
// error matching ErrNotFound.
func (c *Client) GetScheduledScan(ctx context.Context, id string) (*ScheduledScan, error) {
	schedules, err := c.ListScheduledScans(ctx)
	if err != nil {
		return nil, err
	}
	for i := range schedules {
		if schedules[i].ID == id {
			return &schedules[i], nil
		}
	}
	return nil, fmt.Errorf("aether365: scheduled scan %q: %w (not in GET %s)", id, ErrNotFound, scheduledScansPath)
}

// CreateScheduledScan creates a custom schedule: POST /tenants/me/scheduled-scans.
func (c *Client) CreateScheduledScan(ctx context.Context, input api.ScheduledScanInput) (*ScheduledScan, error) {
	schedule := oneOf[ScheduledScan]{id: func(s *ScheduledScan) string { return s.ID }}
	if _, err := c.do(ctx, apiRequest{method: http.MethodPost, path: scheduledScansPath, body: input}, &schedule); err != nil {
		return nil, err
	}
	return &schedule.value, nil
}

// UpdateScheduledScan makes a custom schedule what to says, every field of
// it: a change made elsewhere is undone too, and a day the frequency does not
// use is sent as null so that Aether365 drops it. Its path and verb are our
// assumption (PATCH on the schedule's path; the reference's update section is
// not visible), written in the API document and here only.
func (c *Client) UpdateScheduledScan(ctx context.Context, id string, to api.ScheduledScanInput) (*ScheduledScan, error) {
	// api.ScheduledScanPatch leaves nil days out (omitempty), which would
	// keep the old day: the body is written out so that nil is null.
	body := map[string]any{
		"name": to.Name, "scanType": to.ScanType, "frequency": to.Frequency, "hour": to.Hour, "minute": to.Minute,
		"timezone": to.Timezone, "enabled": to.Enabled, "dayOfWeek": to.DayOfWeek, "dayOfMonth": to.DayOfMonth,
	}
	schedule := oneOf[ScheduledScan]{id: func(s *ScheduledScan) string { return s.ID }, wantID: id}
	if _, err := c.do(ctx, apiRequest{method: http.MethodPatch, path: scheduledScanPath(id), body: body}, &schedule); err != nil {
		return nil, err
	}
	return &schedule.value, nil
}

// DeleteScheduledScan deletes a custom schedule (DELETE on its path: our
// assumption, as for UpdateScheduledScan).
func (c *Client) DeleteScheduledScan(ctx context.Context, id string) error {
	_, err := c.do(ctx, apiRequest{method: http.MethodDelete, path: scheduledScanPath(id)}, &nullData{})
	return err
}

func scheduledScanPath(id string) string { return scheduledScansPath + "/" + url.PathEscape(id) }

// GetTenant reads the account: GET /tenants/me.
func (c *Client) GetTenant(ctx context.Context) (*Tenant, error) {
	tenant := oneOf[Tenant]{id: func(t *Tenant) string { return t.ID }}
	if _, err := c.do(ctx, apiRequest{method: http.MethodGet, path: "/tenants/me"}, &tenant); err != nil {
		return nil, err
	}
	return &tenant.value, nil
}

// UpdateTenant changes the account's company name: PATCH /tenants/me.
func (c *Client) UpdateTenant(ctx context.Context, companyName string) (*Tenant, error) {
	if strings.TrimSpace(companyName) == "" {
		return nil, errors.New("aether365: a company name is required")
	}
	tenant := oneOf[Tenant]{id: func(t *Tenant) string { return t.ID }}
	body := api.TenantPatch{CompanyName: &companyName}
	if _, err := c.do(ctx, apiRequest{method: http.MethodPatch, path: "/tenants/me", body: body}, &tenant); err != nil {
		return nil, err
	}
	return &tenant.value, nil
}

// GetNotificationSettings reads the notification settings:
// GET /tenants/me/notifications.
func (c *Client) GetNotificationSettings(ctx context.Context) (*NotificationSettings, error) {
	settings := oneOf[NotificationSettings]{}
	if _, err := c.do(ctx, apiRequest{method: http.MethodGet, path: "/tenants/me/notifications"}, &settings); err != nil {
		return nil, err
	}
	return &settings.value, nil
}

// NotificationSettingsChange is a PATCH of the notification settings: only
// the fields set change. ClearTeamsWebhook sends "teamsWebhookUrl": null,
// which a nil TeamsWebhookURL cannot say.
type NotificationSettingsChange struct {
	EmailOnComplete, EmailOnFail, TeamsOnComplete, TeamsOnFail *bool
	TeamsWebhookURL                                            *string
	ClearTeamsWebhook                                          bool
}

// UpdateNotificationSettings changes the notification settings:
// PATCH /tenants/me/notifications. The webhook URL is a secret: it goes
// into the body only, never into an error or log.
func (c *Client) UpdateNotificationSettings(ctx context.Context, change NotificationSettingsChange) (*NotificationSettings, error) {
	body := map[string]any{}
	for name, value := range map[string]*bool{
		"emailOnComplete": change.EmailOnComplete, "emailOnFail": change.EmailOnFail,
		"teamsOnComplete": change.TeamsOnComplete, "teamsOnFail": change.TeamsOnFail,
	} {
		if value != nil {
			body[name] = *value
		}
	}
	switch {
	case change.ClearTeamsWebhook:
		body["teamsWebhookUrl"] = nil
	case change.TeamsWebhookURL != nil:
		body["teamsWebhookUrl"] = *change.TeamsWebhookURL
	}
	settings := oneOf[NotificationSettings]{}
	if _, err := c.do(ctx, apiRequest{method: http.MethodPatch, path: "/tenants/me/notifications", body: body}, &settings); err != nil {
		return nil, err
	}
	return &settings.value, nil
}

// GetPolicies reads the policy posture of an AI Pilot connection
// (connectionID "" for the oldest one): GET /tenants/me/policies. Without an
// AI Pilot connection the answer says AIPilotConnected false; without the
// entitlement it is an error matching ErrInsufficientScope.
func (c *Client) GetPolicies(ctx context.Context, connectionID string) (*Policies, error) {
	policies := oneOf[Policies]{}
	if _, err := c.do(ctx, apiRequest{method: http.MethodGet, path: "/tenants/me/policies", query: connectionQuery(connectionID)}, &policies); err != nil {
		return nil, err
	}
	return &policies.value, nil
}

// GetThreats reads the identity-risk signals of an AI Pilot connection:
// GET /tenants/me/threats, as GetPolicies.
func (c *Client) GetThreats(ctx context.Context, connectionID string) (*Threats, error) {
	threats := oneOf[Threats]{}
	if _, err := c.do(ctx, apiRequest{method: http.MethodGet, path: "/tenants/me/threats", query: connectionQuery(connectionID)}, &threats); err != nil {
		return nil, err
	}
	return &threats.value, nil
}

func connectionQuery(connectionID string) url.Values {
	if connectionID == "" {
		return nil
	}
	return url.Values{"connectionId": {connectionID}}
}

// oneOf is the decoding target of an answer about one object. id, when set,
// names the object: an answer without one is malformed, and with wantID set
// it must be that one.
type oneOf[T any] struct {
	value  T
	id     func(*T) string
	wantID string
	// arrived is set by decoding: "data" was an object.
	arrived bool
}

func (o *oneOf[T]) decodeInto() any { return (*arrival[T])(o) }
func (o *oneOf[T]) present() bool   { return o.arrived }

func (o *oneOf[T]) validate() error {
	if o.id == nil {
		return nil
	}
	switch got := o.id(&o.value); {
	case got == "":
		return badField("data.id", "is missing")
	case o.wantID != "" && got != o.wantID:
		return badField("data.id", "is %q, but %q was asked for: the answer is about another object", got, o.wantID)
	}
	return nil
}

// arrival decodes a oneOf's value and notes that it came.
type arrival[T any] oneOf[T]

func (a *arrival[T]) UnmarshalJSON(data []byte) error {
	if string(data) == "null" {
		return nil
	}
	a.arrived = true
	return json.Unmarshal(data, &a.value)
}

// listOf is the decoding target of a list that is not paged.
type listOf[T any] struct {
	items []T
	item  func(*T) string
}

func (l *listOf[T]) decodeInto() any { return &l.items }
func (l *listOf[T]) present() bool   { return l.items != nil }

func (l *listOf[T]) validate() error {
	for i := range l.items {
		if l.item != nil && l.item(&l.items[i]) == "" {
			return badField(fmt.Sprintf("data[%d].id", i), "is missing")
		}
	}
	return nil
}

// nullData is the decoding target of an action's answer, "data": null.
type nullData struct{}

func (*nullData) present() bool   { return true }
func (*nullData) validate() error { return nil }
