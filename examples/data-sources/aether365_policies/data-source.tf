data "aether365_policies" "posture" {}

check "policies_compliant" {
  assert {
    condition     = !data.aether365_policies.posture.ai_pilot_connected || data.aether365_policies.posture.non_compliant_count == 0
    error_message = "${data.aether365_policies.posture.non_compliant_count} security policies are not at their secure value."
  }
}
