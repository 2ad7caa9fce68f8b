package simulator

import (
	"strconv"
	"time"

	"github.com/aether365/terraform-provider-aether365/api"
)

// policyDefinition is one tenant setting the policies endpoint reports:
// its key (as the one-click toggle names it), title and secure value.
type policyDefinition struct {
	key    string
	title  string
	secure bool
}

// policyDefinitions are the settings of the policy view, in the order
// served; the summary row of Conditional Access follows them.
var policyDefinitions = []policyDefinition{
	{"security_defaults", "Security defaults", true},
	{"block_legacy_auth", "Block legacy authentication", true},
	{"require_mfa_admins", "Require multifactor authentication for administrators", true},
	{"require_mfa_all_users", "Require multifactor authentication for all users", true},
	{"user_app_consent", "Users can consent to apps accessing company data", false},
	{"guest_invite_everyone", "Anyone in the organisation can invite guest users", false},
	{"self_service_password_reset", "Self-service password reset", true},
	{"external_mail_forwarding", "Automatic forwarding of mail to external domains", false},
	{"smtp_auth", "SMTP AUTH for all mailboxes", false},
	{"unified_audit_log", "Unified audit log search", true},
}

// conditionalAccessSummaryKey is the key of the summary row.
const conditionalAccessSummaryKey = "conditional_access_summary"

// policiesOf is the policy posture of a connection: each setting secure with
// a seeded probability of about 70%, stable for the connection.
func (s *Server) policiesOf(accountID string, target *connection) api.Policies {
	tenant := hashName(accountID + "\x00" + target.id)
	rows := make([]api.PolicyRow, 0, len(policyDefinitions)+1)
	for i, definition := range policyDefinitions {
		current := definition.secure
		if derive(s.seed, streamPolicies, tenant, uint64(i))%10 < 3 {
			current = !current
		}
		rows = append(rows, api.PolicyRow{
			Key:       definition.key,
			Title:     ptrTo(definition.title),
			Current:   ptrTo(current),
			Secure:    ptrTo(definition.secure),
			Compliant: ptrTo(current == definition.secure),
		})
	}
	mix := derive(s.seed, streamPolicies, tenant, uint64(len(policyDefinitions)))
	policies := 2 + int(mix%6)
	enabled := policies - int((mix>>8)%3)
	rows = append(rows, api.PolicyRow{Key: conditionalAccessSummaryKey, Policies: ptrTo(policies), Enabled: ptrTo(enabled)})
	return api.Policies{AiPilotConnected: true, MsTenantID: ptrTo(target.msTenantID), Policies: &rows}
}

// Simulated people and signals of a tenant's identity-risk view.
var (
	riskyUserNames = []string{"adele.vance", "alex.wilber", "diego.siciliani", "isaiah.langer", "lee.gu", "megan.bowen", "nestor.wilke", "patti.fernandez"}
	riskLevels     = []string{"low", "medium", "high"}
	riskEventTypes = []string{"unfamiliarFeatures", "anonymizedIPAddress", "leakedCredentials", "impossibleTravel", "passwordSpray"}
	riskLocations  = []map[string]any{
		{"city": "Amsterdam", "countryOrRegion": "NL"},
		{"city": "Lagos", "countryOrRegion": "NG"},
		{"city": "Sao Paulo", "countryOrRegion": "BR"},
		{"city": "Singapore", "countryOrRegion": "SG"},
	}
	securityAlertTitles = []string{
		"Suspicious inbox forwarding rule",
		"Unusual volume of file deletion",
		"Email messages containing malicious URL removed after delivery",
		"Activity from an anonymous IP address",
	}
)

// threatsOf is a connection's identity-risk signals: a few risky users, a
// detection for each unless the tenant lacks Entra ID P2 (about one tenant
// in three: riskDetections notLicensed), and some security alerts.
func (s *Server) threatsOf(accountID string, target *connection, now time.Time) api.Threats {
	tenant := hashName(accountID + "\x00" + target.id)
	draw := func(i uint64) uint64 { return derive(s.seed, streamThreats, tenant, i) }
	domain := domainOf(accountID)
	if target.label != "" && target.label != "primary" {
		domain = domainOf(target.label)
	}
	users := []api.RiskyUser{}
	detections := []map[string]any{}
	alerts := []map[string]any{}
	licensed := draw(0)%3 != 0
	for i := range int(draw(1) % 5) {
		name := riskyUserNames[(draw(2)+uint64(i))%uint64(len(riskyUserNames))]
		level := riskLevels[draw(10+uint64(i))%uint64(len(riskLevels))]
		user := api.RiskyUser{
			ID:                guid(s.seed, streamThreats, tenant, 100+uint64(i)),
			UserPrincipalName: name + "@" + domain + ".onmicrosoft.com",
			RiskLevel:         level,
		}
		users = append(users, user)
		if licensed {
			detections = append(detections, map[string]any{
				"id":                guid(s.seed, streamThreats, tenant, 200+uint64(i)),
				"userPrincipalName": user.UserPrincipalName,
				"riskEventType":     riskEventTypes[draw(20+uint64(i))%uint64(len(riskEventTypes))],
				"riskLevel":         level,
				"detectedDateTime":  timestamp(now.Add(-time.Duration(1+draw(30+uint64(i))%72) * time.Hour)).Format(time.RFC3339),
				"ipAddress":         "203.0.113." + strconv.Itoa(int(1+draw(40+uint64(i))%254)),
				"location":          riskLocations[draw(50+uint64(i))%uint64(len(riskLocations))],
			})
		}
	}
	for i := range int(draw(3) % 3) {
		alerts = append(alerts, map[string]any{
			"id":              guid(s.seed, streamThreats, tenant, 300+uint64(i)),
			"title":           securityAlertTitles[(draw(4)+uint64(i))%uint64(len(securityAlertTitles))],
			"severity":        riskLevels[draw(60+uint64(i))%uint64(len(riskLevels))],
			"status":          "new",
			"createdDateTime": timestamp(now.Add(-time.Duration(1+draw(70+uint64(i))%48) * time.Hour)).Format(time.RFC3339),
		})
	}
	detectionsStatus := api.ThreatSourceStatusOk
	if !licensed {
		detectionsStatus = api.ThreatSourceStatusNotLicensed
	}
	return api.Threats{
		AiPilotConnected: true,
		MsTenantID:       ptrTo(target.msTenantID),
		RiskyUsers:       &users,
		RiskDetections:   &detections,
		SecurityAlerts:   &alerts,
		Sources: &api.ThreatSources{
			RiskyUsers:     api.ThreatSourceStatusOk,
			RiskDetections: detectionsStatus,
			SecurityAlerts: api.ThreatSourceStatusOk,
		},
	}
}
