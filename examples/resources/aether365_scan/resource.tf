# Run a compliance scan during apply, wait for its score, and fail the apply
# when the score is below 80%. A new scan runs whenever a trigger changes.
resource "aether365_scan" "compliance" {
  scan_type = "compliance"

  triggers = {
    release = "2026.11.1"
  }

  timeouts {
    create = "45m"
  }

  lifecycle {
    postcondition {
      condition     = self.score >= 80
      error_message = "Security score ${self.score}% of scan ${self.id} is below the 80% threshold."
    }
  }
}

# Anything that must only be deployed on a good score depends on the scan.
resource "terraform_data" "deployment" {
  input      = "2026.11.1"
  depends_on = [aether365_scan.compliance]
}

# Start an identity scan of another tenant without waiting for it: apply
# returns once the scan is queued, and a later refresh records its score.
resource "aether365_scan" "contoso_identity" {
  tenant_id           = "contoso"
  scan_type           = "identity"
  wait_for_completion = false
}
