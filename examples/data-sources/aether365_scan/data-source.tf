# The newest completed compliance scan of the provider's tenant: the REST API Automation page's
# GET /tenants/me/scans?status=completed&limit=1, read at plan time.
data "aether365_scan" "latest" {
  scan_type = "compliance"
}

# The plan-time gate: `terraform plan` stops with this message when the
# latest score is below 80%, before anything is changed.
resource "terraform_data" "deployment" {
  input = "2026.11.1"

  lifecycle {
    precondition {
      condition     = data.aether365_scan.latest.score >= 80
      error_message = "Security score ${data.aether365_scan.latest.score}% (scan ${data.aether365_scan.latest.id}) is below 80%; fix the failures before deploying."
    }
  }
}

# One scan by ID, for example to report on it.
data "aether365_scan" "audit" {
  id = "scan_abc123"
}

output "audit_scan" {
  value = {
    status       = data.aether365_scan.audit.status
    score        = data.aether365_scan.audit.score
    completed_at = data.aether365_scan.audit.completed_at
    checks       = "${data.aether365_scan.audit.pass_count} passed, ${data.aether365_scan.audit.fail_count} failed, ${data.aether365_scan.audit.skip_count} skipped"
  }
}
