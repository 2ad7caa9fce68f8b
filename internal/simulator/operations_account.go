package simulator

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
	// Schedules name IANA time zones; the simulator must know them all on
	// any machine, with or without a zoneinfo database.
	_ "time/tzdata"

	"github.com/aether365/terraform-provider-aether365/api"
)

// withAccount runs change on the caller's account under the lock.
func (s *Server) withAccount(r *http.Request, change func(*account) *apiError) *apiError {
	s.mu.Lock()
	defer s.mu.Unlock()
	return change(s.accounts[exchangeOf(r).caller.account])
}

// presentFields decodes a PATCH body into its fields, so a field sent as
// null can be told from one left out.
func presentFields(r *http.Request, typed any) (map[string]json.RawMessage, *apiError) {
	var raw json.RawMessage
	if apiErr := decodeBody(r, &raw); apiErr != nil {
		return nil, apiErr
	}
	fields := map[string]json.RawMessage{}
	if err := json.Unmarshal(raw, &fields); err != nil {
		return nil, validationError("the request body must be a JSON object", nil)
	}
	if err := json.Unmarshal(raw, typed); err != nil {
		return nil, validationError("the request body does not match the API: "+firstLine(err.Error()), nil)
	}
	return fields, nil
}

func isNull(raw json.RawMessage) bool { return strings.TrimSpace(string(raw)) == "null" }

// --- tenant --------------------------------------------------------------

func (o *operations) GetTenant(w http.ResponseWriter, r *http.Request) {
	var view api.Tenant
	_ = o.server().withAccount(r, func(a *account) *apiError {
		view = a.view()
		return nil
	})
	answer(w, http.StatusOK, api.TenantEnvelope{Success: true, Data: view})
}

func (o *operations) UpdateTenant(w http.ResponseWriter, r *http.Request) {
	s := o.server()
	var patch api.TenantPatch
	if _, apiErr := presentFields(r, &patch); apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	if patch.CompanyName != nil && strings.TrimSpace(*patch.CompanyName) == "" {
		fail(w, r, validationError("companyName must not be blank", map[string]any{detailField: "companyName"}))
		return
	}
	now := timestamp(s.clock.Now())
	var view api.Tenant
	_ = s.withAccount(r, func(a *account) *apiError {
		if patch.CompanyName != nil {
			a.companyName = *patch.CompanyName
			a.updatedAt = now
		}
		view = a.view()
		return nil
	})
	answer(w, http.StatusOK, api.TenantEnvelope{Success: true, Data: view})
}

// --- connections ---------------------------------------------------------

func (o *operations) ListConnections(w http.ResponseWriter, r *http.Request) {
	var views []api.Connection
	_ = o.server().withAccount(r, func(a *account) *apiError {
		views = a.connectionViews()
		return nil
	})
	answer(w, http.StatusOK, api.ConnectionListEnvelope{Success: true, Data: views})
}

func (o *operations) ActivateConnection(w http.ResponseWriter, r *http.Request, connectionID string) {
	var view api.Connection
	apiErr := o.server().withAccount(r, func(a *account) *apiError {
		for i, c := range a.connections {
			if c.id == connectionID {
				a.primary = i
				view = c.view(true)
				return nil
			}
		}
		return connectionNotFound(connectionID)
	})
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	answer(w, http.StatusOK, api.ConnectionEnvelope{Success: true, Data: view})
}

// --- notifications -------------------------------------------------------

func (o *operations) GetNotificationSettings(w http.ResponseWriter, r *http.Request) {
	var settings api.NotificationSettings
	_ = o.server().withAccount(r, func(a *account) *apiError {
		settings = a.notificationsView()
		return nil
	})
	answer(w, http.StatusOK, api.NotificationSettingsEnvelope{Success: true, Data: settings})
}

func (a *account) notificationsView() api.NotificationSettings {
	settings := a.notifications
	if settings.TeamsWebhookURL != nil {
		settings.TeamsWebhookURL = ptrTo(*settings.TeamsWebhookURL)
	}
	return settings
}

// UpdateNotificationSettings changes the sent fields only; teamsWebhookUrl
// null removes the webhook. The webhook URL is a secret of sorts (anyone
// holding it can post into the channel): no message and no log repeats it.
func (o *operations) UpdateNotificationSettings(w http.ResponseWriter, r *http.Request) {
	var patch api.NotificationSettingsPatch
	fields, apiErr := presentFields(r, &patch)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	raw, webhookSent := fields["teamsWebhookUrl"]
	clearWebhook := webhookSent && isNull(raw)
	if webhookSent && !clearWebhook {
		if problem := checkWebhookURL(valueOf(patch.TeamsWebhookURL)); problem != "" {
			fail(w, r, validationError("teamsWebhookUrl "+problem, map[string]any{detailField: "teamsWebhookUrl"}))
			return
		}
	}
	var settings api.NotificationSettings
	_ = o.server().withAccount(r, func(a *account) *apiError {
		n := &a.notifications
		for _, field := range []struct {
			value *bool
			into  *bool
		}{
			{patch.EmailOnComplete, &n.EmailOnComplete},
			{patch.EmailOnFail, &n.EmailOnFail},
			{patch.TeamsOnComplete, &n.TeamsOnComplete},
			{patch.TeamsOnFail, &n.TeamsOnFail},
		} {
			if field.value != nil {
				*field.into = *field.value
			}
		}
		switch {
		case clearWebhook:
			n.TeamsWebhookURL = nil
		case webhookSent:
			n.TeamsWebhookURL = ptrTo(*patch.TeamsWebhookURL)
		}
		settings = a.notificationsView()
		return nil
	})
	answer(w, http.StatusOK, api.NotificationSettingsEnvelope{Success: true, Data: settings})
}

// checkWebhookURL says what is wrong with a Teams webhook URL, "" if
// nothing: Teams posts only to absolute https URLs.
func checkWebhookURL(value string) string {
	if value == "" {
		return "must not be empty; send null to remove the webhook"
	}
	u, err := url.Parse(value)
	if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil {
		return "must be an absolute https URL such as https://contoso.webhook.office.com/webhookb2/...; send null to remove the webhook"
	}
	return ""
}

// --- scheduled scans -----------------------------------------------------

func (o *operations) ListScheduledScans(w http.ResponseWriter, r *http.Request) {
	var views []api.ScheduledScan
	_ = o.server().withAccount(r, func(a *account) *apiError {
		for _, schedule := range a.schedules {
			views = append(views, copySchedule(schedule))
		}
		return nil
	})
	answer(w, http.StatusOK, api.ScheduledScanListEnvelope{Success: true, Data: views})
}

// copySchedule copies a stored schedule, pointers included, so a view
// never shares memory with the state it was read from.
func copySchedule(schedule *api.ScheduledScan) api.ScheduledScan {
	c := *schedule
	if c.DayOfWeek != nil {
		c.DayOfWeek = ptrTo(*c.DayOfWeek)
	}
	if c.DayOfMonth != nil {
		c.DayOfMonth = ptrTo(*c.DayOfMonth)
	}
	if c.LastTriggeredAt != nil {
		c.LastTriggeredAt = ptrTo(*c.LastTriggeredAt)
	}
	return c
}

func (o *operations) CreateScheduledScan(w http.ResponseWriter, r *http.Request) {
	s := o.server()
	var input api.ScheduledScanInput
	if apiErr := decodeBody(r, &input); apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	schedule := &api.ScheduledScan{
		Name:       input.Name,
		ScanType:   input.ScanType,
		Frequency:  input.Frequency,
		Hour:       input.Hour,
		Minute:     input.Minute,
		DayOfWeek:  input.DayOfWeek,
		DayOfMonth: input.DayOfMonth,
		Timezone:   input.Timezone,
		Enabled:    input.Enabled,
	}
	if apiErr := checkSchedule(schedule, ""); apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	_ = s.withAccount(r, func(a *account) *apiError {
		schedule.ID = scheduleID(s.seed, a.id, a.schedulesCreated)
		a.schedulesCreated++
		a.schedules = append(a.schedules, schedule)
		return nil
	})
	answer(w, http.StatusCreated, api.ScheduledScanEnvelope{Success: true, Data: copySchedule(schedule)})
}

// checkSchedule applies the cross-field rules the schema cannot say: the
// day fields belong to their frequency, and the time zone exists. change
// names what the caller changed, for a hint on a PATCH.
func checkSchedule(schedule *api.ScheduledScan, change string) *apiError {
	field := func(name, message string) *apiError {
		return validationError(name+" "+message, map[string]any{detailField: name})
	}
	hint := ""
	if change == "frequency" {
		hint = " (changing the frequency, send the other day field as null)"
	}
	if strings.TrimSpace(schedule.Name) == "" {
		return field("name", "must not be blank")
	}
	switch schedule.Frequency {
	case api.FrequencyWeekly:
		if schedule.DayOfWeek == nil {
			return field("dayOfWeek", "is required for a weekly schedule: 0 = Monday ... 6 = Sunday")
		}
		if schedule.DayOfMonth != nil {
			return field("dayOfMonth", "is only for monthly schedules; leave it out or send null"+hint)
		}
	case api.FrequencyMonthly:
		if schedule.DayOfMonth == nil {
			return field("dayOfMonth", "is required for a monthly schedule: 1 to 31")
		}
		if schedule.DayOfWeek != nil {
			return field("dayOfWeek", "is only for weekly schedules; leave it out or send null"+hint)
		}
	default:
		for name, value := range map[string]*int{"dayOfWeek": schedule.DayOfWeek, "dayOfMonth": schedule.DayOfMonth} {
			if value != nil {
				return field(name, "is not for daily schedules; leave it out or send null"+hint)
			}
		}
	}
	if _, err := time.LoadLocation(schedule.Timezone); err != nil || schedule.Timezone == "Local" {
		return field("timezone", "must be an IANA time zone name such as UTC or Europe/London, got "+quoteForMessage(schedule.Timezone))
	}
	return nil
}

func (o *operations) UpdateScheduledScan(w http.ResponseWriter, r *http.Request, scheduleID string) {
	var patch api.ScheduledScanPatch
	fields, apiErr := presentFields(r, &patch)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	var view api.ScheduledScan
	apiErr = o.server().withAccount(r, func(a *account) *apiError {
		stored, apiErr := a.customSchedule(scheduleID, "changed")
		if apiErr != nil {
			return apiErr
		}
		changed := copySchedule(stored)
		if patch.Name != nil {
			changed.Name = *patch.Name
		}
		if patch.ScanType != nil {
			changed.ScanType = *patch.ScanType
		}
		if patch.Frequency != nil {
			changed.Frequency = *patch.Frequency
		}
		if patch.Hour != nil {
			changed.Hour = *patch.Hour
		}
		if patch.Minute != nil {
			changed.Minute = *patch.Minute
		}
		if patch.Timezone != nil {
			changed.Timezone = *patch.Timezone
		}
		if patch.Enabled != nil {
			changed.Enabled = *patch.Enabled
		}
		if _, sent := fields["dayOfWeek"]; sent {
			changed.DayOfWeek = patch.DayOfWeek // nil when sent as null
		}
		if _, sent := fields["dayOfMonth"]; sent {
			changed.DayOfMonth = patch.DayOfMonth
		}
		change := ""
		if _, sent := fields["frequency"]; sent {
			change = "frequency"
		}
		if apiErr := checkSchedule(&changed, change); apiErr != nil {
			return apiErr
		}
		*stored = changed
		view = copySchedule(stored)
		return nil
	})
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	answer(w, http.StatusOK, api.ScheduledScanEnvelope{Success: true, Data: view})
}

func (o *operations) DeleteScheduledScan(w http.ResponseWriter, r *http.Request, scheduleID string) {
	apiErr := o.server().withAccount(r, func(a *account) *apiError {
		if _, apiErr := a.customSchedule(scheduleID, "deleted"); apiErr != nil {
			return apiErr
		}
		a.schedules = slices.DeleteFunc(a.schedules, func(s *api.ScheduledScan) bool { return s.ID == scheduleID })
		return nil
	})
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	answer(w, http.StatusOK, api.NullEnvelope{Success: true})
}

// customSchedule returns a schedule the account may change: 403
// PLAN_SCHEDULE_READ_ONLY for the plan schedule, 404 SCHEDULED_SCAN_NOT_FOUND
// for an unknown ID.
func (a *account) customSchedule(id, verb string) (*api.ScheduledScan, *apiError) {
	if id == planScheduleID {
		return nil, &apiError{Status: http.StatusForbidden, Code: api.ErrorCodePlanScheduleReadOnly,
			Message: "the plan schedule comes with the plan and cannot be " + verb + "; create a custom schedule instead"}
	}
	for _, schedule := range a.schedules {
		if schedule.ID == id {
			return schedule, nil
		}
	}
	return nil, notFoundError(api.ErrorCodeScheduledScanNotFound,
		fmt.Sprintf("scheduled scan %s not found; GET /tenants/me/scheduled-scans lists them", quoteForMessage(id)))
}

// --- policies and threats ------------------------------------------------

// aiPilotTarget resolves the connection a policies or threats read is
// about: the entitlement first (403 AUTH_INSUFFICIENT_SCOPE), then the
// named connection (404 CONNECTION_NOT_FOUND) or the account's AI Pilot
// one. A nil connection means no AI Pilot connection is there to read.
func (s *Server) aiPilotTarget(r *http.Request, entitlement, feature string, connectionID *string) (string, *connection, *apiError) {
	if !s.entitlements[entitlement] {
		return "", nil, &apiError{Status: http.StatusForbidden, Code: api.ErrorCodeAuthInsufficientScope,
			Message: "this account's plan does not include " + feature + "; ask the account owner to add it"}
	}
	var target *connection
	var accountID string
	apiErr := s.withAccount(r, func(a *account) *apiError {
		accountID = a.id
		if connectionID != nil {
			target = a.connection(*connectionID)
			if target == nil {
				return connectionNotFound(*connectionID)
			}
		} else if s.aiPilotConnection != "" {
			target = a.connection(s.aiPilotConnection)
		}
		return nil
	})
	if apiErr != nil {
		return "", nil, apiErr
	}
	if target == nil || target.id != s.aiPilotConnection {
		return accountID, nil, nil
	}
	copied := *target
	return accountID, &copied, nil
}

func (o *operations) GetPolicies(w http.ResponseWriter, r *http.Request, params api.GetPoliciesParams) {
	s := o.server()
	accountID, target, apiErr := s.aiPilotTarget(r, EntitlementPolicyManagement, "Policy Management", params.ConnectionID)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	data := api.Policies{AiPilotConnected: false}
	if target != nil {
		data = s.policiesOf(accountID, target)
	}
	answer(w, http.StatusOK, api.PoliciesEnvelope{Success: true, Data: data})
}

func (o *operations) GetThreats(w http.ResponseWriter, r *http.Request, params api.GetThreatsParams) {
	s := o.server()
	accountID, target, apiErr := s.aiPilotTarget(r, EntitlementThreatAlerts, "Threat Alerts", params.ConnectionID)
	if apiErr != nil {
		fail(w, r, apiErr)
		return
	}
	data := api.Threats{AiPilotConnected: false}
	if target != nil {
		data = s.threatsOf(accountID, target, s.clock.Now())
	}
	answer(w, http.StatusOK, api.ThreatsEnvelope{Success: true, Data: data})
}
