package simulator

import (
	"strings"
	"time"
	"unicode"

	"github.com/aether365/terraform-provider-aether365/api"
)

// account is one Aether365 account (t_...): what an API key sees. Every
// field is guarded by Server.mu.
type account struct {
	id    string
	email string
	// companyName is what PATCH /tenants/me set; "" derives it from email.
	companyName string
	planTier    api.PlanTier
	createdAt   time.Time
	updatedAt   time.Time

	// connections are the connected Microsoft 365 tenants in connection
	// order; primary is the index of the active one, -1 when there is none.
	connections []*connection
	primary     int

	notifications api.NotificationSettings
	// schedules holds the plan schedule first, then the custom ones in
	// creation order; schedulesCreated numbers the custom ones for their IDs.
	schedules        []*api.ScheduledScan
	schedulesCreated int

	// scans are the account's scans in creation order; scansCreated counts
	// every scan ever created, for the quota (forgetting one gives nothing
	// back); latest is each connection's newest scan, the only one that can
	// still be in progress.
	scans        []*scanRecord
	scansCreated int
	latest       map[string]*scanRecord
}

// connection is a connected Microsoft 365 tenant.
type connection struct {
	id          string
	msTenantID  string
	label       string
	connectedAt time.Time
}

// planScheduleID names the automatic plan schedule, as published.
const planScheduleID = "plan"

// newAccount builds an account as it stands when the simulator starts: its
// connections connected over the weeks before, notifications at their
// defaults, and the plan schedule of its plan.
func newAccount(seed int64, id string, connectionIDs []string, planTier api.PlanTier, start time.Time) *account {
	createdAt := timestamp(start.Add(-90 * 24 * time.Hour))
	a := &account{
		id:        id,
		email:     "admin@" + domainOf(id) + ".com",
		planTier:  planTier,
		createdAt: createdAt,
		updatedAt: createdAt,
		primary:   -1,
		notifications: api.NotificationSettings{
			EmailOnComplete: true,
			EmailOnFail:     true,
		},
		latest: map[string]*scanRecord{},
	}
	for i, connectionID := range connectionIDs {
		a.connections = append(a.connections, &connection{
			id:          connectionID,
			msTenantID:  msTenantID(seed, id, connectionID),
			label:       strings.TrimPrefix(connectionID, "conn_"),
			connectedAt: createdAt.Add(time.Duration(i+1) * 24 * time.Hour),
		})
	}
	if len(a.connections) > 0 {
		a.primary = 0
	}
	a.schedules = []*api.ScheduledScan{planSchedule(planTier)}
	return a
}

// planSchedule is the automatic schedule every plan includes: monthly on the
// 1st for free, weekly on Mondays for pro, daily for enterprise, at 02:00 UTC.
func planSchedule(planTier api.PlanTier) *api.ScheduledScan {
	schedule := &api.ScheduledScan{
		ID:             planScheduleID,
		IsPlanSchedule: true,
		Name:           "Automatic plan scan",
		ScanType:       api.ScanTypeCompliance,
		Hour:           2,
		Minute:         0,
		Timezone:       "UTC",
		Enabled:        true,
	}
	switch planTier {
	case api.PlanTierFree:
		schedule.Frequency = api.FrequencyMonthly
		schedule.DayOfMonth = ptrTo(1)
	case api.PlanTierPro:
		schedule.Frequency = api.FrequencyWeekly
		schedule.DayOfWeek = ptrTo(0) // Monday
	default:
		schedule.Frequency = api.FrequencyDaily
	}
	return schedule
}

// connection returns the account's connection of that ID, or nil.
func (a *account) connection(id string) *connection {
	for _, c := range a.connections {
		if c.id == id {
			return c
		}
	}
	return nil
}

// primaryConnection is the active connection, nil when there is none.
func (a *account) primaryConnection() *connection {
	if a.primary < 0 {
		return nil
	}
	return a.connections[a.primary]
}

func (a *account) view() api.Tenant {
	companyName := a.companyName
	if companyName == "" {
		companyName = companyOf(a.email)
	}
	return api.Tenant{
		ID:          a.id,
		Email:       a.email,
		CompanyName: companyName,
		PlanTier:    a.planTier,
		CreatedAt:   a.createdAt,
		UpdatedAt:   a.updatedAt,
	}
}

func (a *account) connectionViews() []api.Connection {
	views := make([]api.Connection, 0, len(a.connections))
	for i, c := range a.connections {
		views = append(views, c.view(i == a.primary))
	}
	return views
}

func (c *connection) view(primary bool) api.Connection {
	return api.Connection{ID: c.id, MsTenantID: c.msTenantID, Label: c.label, ConnectedAt: c.connectedAt, IsPrimary: primary}
}

// domainOf makes an e-mail domain label of an account ID: t_contoso gives
// contoso, t_Fabrikam_EU gives fabrikam-eu.
func domainOf(accountID string) string {
	name := strings.ToLower(strings.TrimPrefix(accountID, "t_"))
	var b strings.Builder
	for _, r := range name {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case b.Len() > 0 && !strings.HasSuffix(b.String(), "-"):
			b.WriteByte('-')
		}
	}
	domain := strings.TrimSuffix(b.String(), "-")
	if domain == "" {
		return "example"
	}
	return domain
}

// companyOf derives a company name from an e-mail's domain, as the service
// does until the account sets one: admin@contoso.com gives Contoso,
// admin@fabrikam-eu.com gives Fabrikam Eu.
func companyOf(email string) string {
	_, domain, _ := strings.Cut(email, "@")
	label, _, _ := strings.Cut(domain, ".")
	words := strings.FieldsFunc(label, func(r rune) bool { return r == '-' || r == '_' })
	for i, word := range words {
		runes := []rune(word)
		runes[0] = unicode.ToUpper(runes[0])
		words[i] = string(runes)
	}
	if len(words) == 0 {
		return domain
	}
	return strings.Join(words, " ")
}

func ptrTo[T any](v T) *T { return &v }
