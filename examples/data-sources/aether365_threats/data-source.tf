data "aether365_threats" "identity" {}

check "no_high_risk_users" {
  assert {
    condition     = length([for u in data.aether365_threats.identity.risky_users : u if u.risk_level == "high"]) == 0
    error_message = "Entra ID Protection reports high-risk users: ${join(", ", [for u in data.aether365_threats.identity.risky_users : u.user_principal_name if u.risk_level == "high"])}."
  }
}
