# One check of the newest completed scan, by its test ID: multifactor
# authentication for administrative roles (CIS Microsoft 365 1.1.1).
data "aether365_scan_result" "admin_mfa" {
  test_id = "CIS.M365.1.1.1"
}

# Block the deployment while that one control fails, whatever the score.
resource "terraform_data" "deployment" {
  input = "app v2.4.0"

  lifecycle {
    precondition {
      condition     = data.aether365_scan_result.admin_mfa.result != "failed"
      error_message = "${data.aether365_scan_result.admin_mfa.title} (${data.aether365_scan_result.admin_mfa.test_id}) failed in scan ${data.aether365_scan_result.admin_mfa.scan_id}:\n${data.aether365_scan_result.admin_mfa.remediation_steps}"
    }
  }
}

# The same check in one given scan.
data "aether365_scan_result" "audit" {
  scan_id = "scan_abc123"
  test_id = "AE.1068"
}

output "audit_check" {
  value = "${data.aether365_scan_result.audit.test_id} (${data.aether365_scan_result.audit.severity}, ${data.aether365_scan_result.audit.framework}): ${data.aether365_scan_result.audit.result}; see ${data.aether365_scan_result.audit.help_url}"
}
