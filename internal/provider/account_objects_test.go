package provider

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/hashicorp/terraform-plugin-testing/helper/resource"
	"github.com/hashicorp/terraform-plugin-testing/knownvalue"
	"github.com/hashicorp/terraform-plugin-testing/plancheck"
	"github.com/hashicorp/terraform-plugin-testing/statecheck"
	"github.com/hashicorp/terraform-plugin-testing/terraform"
	"github.com/hashicorp/terraform-plugin-testing/tfjsonpath"
	"github.com/hashicorp/terraform-plugin-testing/tfversion"

	"github.com/aether365/terraform-provider-aether365/internal/aether365"
	"github.com/aether365/terraform-provider-aether365/internal/simulator"
)

const notificationsAddress = "aether365_notification_settings.this"

// The write-only webhook URL reaches Aether365 but never plan or state; it
// is sent again only when its version changes; destroy restores defaults.
func TestAccNotificationSettings_writeOnlyWebhook(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{})
	client := sim.client(t)
	const secret = "https://contoso.webhook.office.com/webhookb2/secret-0123456789"
	settings := func(version int, teamsOnFail bool) string {
		return sim.providerConfig() + fmt.Sprintf(`
resource "aether365_notification_settings" "this" {
  email_on_complete            = false
  teams_on_fail                = %t
  teams_webhook_url_wo         = %q
  teams_webhook_url_wo_version = %d
}
`, teamsOnFail, secret, version)
	}
	webhookIs := func(want bool) func(*terraform.State) error {
		return func(s *terraform.State) error {
			got, err := client.GetNotificationSettings(context.Background())
			if err != nil {
				return err
			}
			if has := got.TeamsWebhookURL != nil && *got.TeamsWebhookURL == secret; has != want {
				return fmt.Errorf("Aether365 holds the webhook: %v, want %v", has, want)
			}
			for _, r := range s.RootModule().Resources {
				for name, value := range r.Primary.Attributes {
					if strings.Contains(value, "secret-0123456789") {
						return fmt.Errorf("state attribute %s holds the webhook URL", name)
					}
				}
			}
			return nil
		}
	}
	accTest(t, resource.TestCase{
		TerraformVersionChecks: []tfversion.TerraformVersionCheck{tfversion.SkipBelow(tfversion.Version1_11_0)},
		Steps: []resource.TestStep{
			{
				Config:      sim.providerConfig() + `resource "aether365_notification_settings" "this" { teams_webhook_url_wo = "http://not-tls.example.com/hook" }`,
				PlanOnly:    true,
				ExpectError: regexp.MustCompile(`(?s)Invalid Teams Webhook URL.*https://`),
			},
			{
				Config: settings(1, true),
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue(notificationsAddress, "email_on_complete", knownvalue.Bool(false)),
					// Unset: as Aether365 has it (a new account e-mails failures).
					expectValue(notificationsAddress, "email_on_fail", knownvalue.Bool(true)),
					expectValue(notificationsAddress, "teams_on_fail", knownvalue.Bool(true)),
					expectValue(notificationsAddress, "teams_webhook_configured", knownvalue.Bool(true)),
					expectValue(notificationsAddress, "teams_webhook_url_wo", knownvalue.Null()),
				},
				Check: webhookIs(true),
			},
			{
				// Someone removes the webhook in Aether365; the same version
				// does not send it again (Terraform cannot see write-only
				// values change), a new version does.
				PreConfig: func() {
					if _, err := client.UpdateNotificationSettings(context.Background(), aether365.NotificationSettingsChange{ClearTeamsWebhook: true}); err != nil {
						t.Fatal(err)
					}
				},
				Config:            settings(1, true),
				ConfigPlanChecks:  resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{plancheck.ExpectEmptyPlan()}},
				ConfigStateChecks: []statecheck.StateCheck{expectValue(notificationsAddress, "teams_webhook_configured", knownvalue.Bool(false))},
				Check:             webhookIs(false),
			},
			{
				Config: settings(2, false),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction(notificationsAddress, plancheck.ResourceActionUpdate),
				}},
				ConfigStateChecks: []statecheck.StateCheck{
					expectValue(notificationsAddress, "teams_on_fail", knownvalue.Bool(false)),
					expectValue(notificationsAddress, "teams_webhook_configured", knownvalue.Bool(true)),
				},
				Check: webhookIs(true),
			},
			{
				ResourceName:                         notificationsAddress,
				ImportState:                          true,
				ImportStateId:                        "notifications",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
				ImportStateVerifyIgnore:              []string{"teams_webhook_url_wo_version"},
			},
		},
		CheckDestroy: func(*terraform.State) error {
			got, err := client.GetNotificationSettings(context.Background())
			if err != nil {
				return err
			}
			if !got.EmailOnComplete || !got.EmailOnFail || got.TeamsOnComplete || got.TeamsOnFail || got.TeamsWebhookURL != nil {
				return fmt.Errorf("after destroy the settings are %+v, want the defaults", got)
			}
			return nil
		},
	})
}

// The account's profile: read, its company name managed, drift shown.
func TestAccTenant_dataSourceAndProfile(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{PlanTier: "pro"})
	client := sim.client(t)
	profile := func(name string) string {
		return sim.providerConfig() + fmt.Sprintf(`
resource "aether365_tenant_profile" "this" {
  company_name = %q
}

data "aether365_tenant" "this" {
  depends_on = [aether365_tenant_profile.this]
}
`, name)
	}
	parallelAccTest(t, resource.TestCase{
		Steps: []resource.TestStep{
			{
				Config: profile("Contoso Ltd"),
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("aether365_tenant_profile.this", "id", testTenant),
					expectString("data.aether365_tenant.this", "id", testTenant),
					expectString("data.aether365_tenant.this", "company_name", "Contoso Ltd"),
					expectString("data.aether365_tenant.this", "plan_tier", "pro"),
					expectValue("data.aether365_tenant.this", "created_at", knownvalue.NotNull()),
				},
			},
			{
				PreConfig: func() {
					if _, err := client.UpdateTenant(context.Background(), "Renamed in the app"); err != nil {
						t.Fatal(err)
					}
				},
				Config: profile("Contoso Ltd"),
				ConfigPlanChecks: resource.ConfigPlanChecks{PreApply: []plancheck.PlanCheck{
					plancheck.ExpectResourceAction("aether365_tenant_profile.this", plancheck.ResourceActionUpdate),
				}},
			},
			{
				ResourceName:                         "aether365_tenant_profile.this",
				ImportState:                          true,
				ImportStateId:                        "me",
				ImportStateVerify:                    true,
				ImportStateVerifyIdentifierAttribute: "id",
			},
		},
	})
}

// Connections are listed with the active one marked; the action switches it.
func TestAccConnections_listAndActivate(t *testing.T) {
	sim := newTestSimulator(t, simulator.Config{Connections: map[string][]string{testTenant: {"conn_contoso", "conn_fabrikam"}}})
	client := sim.client(t)
	accTest(t, resource.TestCase{
		TerraformVersionChecks: skipBelowActions,
		Steps: []resource.TestStep{
			{
				Config: sim.providerConfig() + `data "aether365_connections" "all" {}`,
				ConfigStateChecks: []statecheck.StateCheck{
					expectString("data.aether365_connections.all", "active_connection_id", "conn_contoso"),
					statecheck.ExpectKnownValue("data.aether365_connections.all", tfjsonpath.New("connections"), knownvalue.ListExact([]knownvalue.Check{
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact("conn_contoso"), "is_primary": knownvalue.Bool(true),
							"ms_tenant_id": knownvalue.StringRegexp(regexp.MustCompile(`^[0-9a-f-]{36}$`))}),
						knownvalue.ObjectPartial(map[string]knownvalue.Check{"id": knownvalue.StringExact("conn_fabrikam"), "is_primary": knownvalue.Bool(false)}),
					})),
				},
			},
			{
				Config: sim.providerConfig() + `
action "aether365_activate_connection" "fabrikam" {
  config {
    connection_id = "conn_fabrikam"
  }
}

resource "terraform_data" "switch" {
  lifecycle {
    action_trigger {
      events  = [after_create]
      actions = [action.aether365_activate_connection.fabrikam]
    }
  }
}
`,
				Check: func(*terraform.State) error {
					connections, err := client.ListConnections(context.Background())
					if err != nil {
						return err
					}
					for _, c := range connections {
						if c.IsPrimary != (c.ID == "conn_fabrikam") {
							return fmt.Errorf("after the action, %s is_primary = %v", c.ID, c.IsPrimary)
						}
					}
					return nil
				},
			},
			{
				Config: sim.providerConfig() + `
action "aether365_activate_connection" "nowhere" {
  config {
    connection_id = "conn_nowhere"
  }
}

resource "terraform_data" "switch" {
  input = 2
  lifecycle {
    action_trigger {
      events  = [after_update]
      actions = [action.aether365_activate_connection.nowhere]
    }
  }
}
`,
				ExpectError: regexp.MustCompile(`(?s)Aether365 Connection Not Found.*aether365_connections`),
			},
		},
	})
}

// Policies and threats say plainly what is missing: the entitlement (an
// error naming it) or an AI Pilot connection (ai_pilot_connected = false).
func TestAccPoliciesAndThreats_sayWhatIsMissing(t *testing.T) {
	both := `
data "aether365_policies" "p" {}
data "aether365_threats" "t" {}
`
	t.Run("no entitlement", func(t *testing.T) {
		sim := newTestSimulator(t, simulator.Config{})
		parallelAccTest(t, resource.TestCase{Steps: []resource.TestStep{
			{Config: sim.providerConfig() + `data "aether365_policies" "p" {}`, ExpectError: regexp.MustCompile(`(?s)Policy Management Not Enabled.*AUTH_INSUFFICIENT_SCOPE`)},
			{Config: sim.providerConfig() + `data "aether365_threats" "t" {}`, ExpectError: regexp.MustCompile(`(?s)Threat Alerts Not Enabled.*AUTH_INSUFFICIENT_SCOPE`)},
		}})
	})
	t.Run("no AI Pilot connection", func(t *testing.T) {
		sim := newTestSimulator(t, simulator.Config{Entitlements: []string{simulator.EntitlementPolicyManagement, simulator.EntitlementThreatAlerts}})
		parallelAccTest(t, resource.TestCase{Steps: []resource.TestStep{{
			Config: sim.providerConfig() + both,
			ConfigStateChecks: []statecheck.StateCheck{
				expectValue("data.aether365_policies.p", "ai_pilot_connected", knownvalue.Bool(false)),
				expectValue("data.aether365_policies.p", "policies", knownvalue.ListSizeExact(0)),
				expectValue("data.aether365_threats.t", "ai_pilot_connected", knownvalue.Bool(false)),
				expectValue("data.aether365_threats.t", "risky_users", knownvalue.ListSizeExact(0)),
			},
		}}})
	})
	t.Run("AI Pilot connected", func(t *testing.T) {
		sim := newTestSimulator(t, simulator.Config{AIPilotConnection: simulator.DefaultConnection,
			Entitlements: []string{simulator.EntitlementPolicyManagement, simulator.EntitlementThreatAlerts}})
		parallelAccTest(t, resource.TestCase{Steps: []resource.TestStep{{
			Config: sim.providerConfig() + both,
			ConfigStateChecks: []statecheck.StateCheck{
				expectValue("data.aether365_policies.p", "ai_pilot_connected", knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.aether365_policies.p", tfjsonpath.New("policies"), knownvalue.ListPartial(map[int]knownvalue.Check{
					0: knownvalue.ObjectPartial(map[string]knownvalue.Check{"key": knownvalue.NotNull(), "compliant": knownvalue.NotNull()}),
				})),
				statecheck.ExpectKnownValue("data.aether365_policies.p", tfjsonpath.New("conditional_access_summary").AtMapKey("policies"), knownvalue.NotNull()),
				expectValue("data.aether365_threats.t", "ai_pilot_connected", knownvalue.Bool(true)),
				statecheck.ExpectKnownValue("data.aether365_threats.t", tfjsonpath.New("sources").AtMapKey("risky_users"), knownvalue.NotNull()),
			},
		}}})
	})
}
