# Run a compliance scan during apply, wait for its score, and fail the apply
# when the score is below 80%. A new scan runs whenever a trigger changes.
resource "aether365_scan" "compliance" {
  scan_type = "compliance"

  triggers = {
    release = "2026.11.1"
  }

  # The default, above the 30 minutes after which Aether365 fails a scan.
  timeouts {
    create = "45m"
  }

  lifecycle {
    postcondition {
      condition     = self.score >= 80
      error_message = "Security score ${self.score}% of scan ${self.id} is below the 80% threshold (${self.fail_count} checks failed)."
    }
  }
}

# Anything that must only be deployed on a good score depends on the scan.
resource "terraform_data" "deployment" {
  input      = "2026.11.1"
  depends_on = [aether365_scan.compliance]
}

# Start an exposure scan of another connected Microsoft 365 tenant without
# waiting for it: apply returns once Aether365 accepts the scan, and a later
# refresh records its score. connection_id is sent as the connectionId query
# parameter, an assumption (the API reference does not show how a scan
# names a connection).
resource "aether365_scan" "fabrikam_exposure" {
  connection_id       = "conn_fabrikam"
  scan_type           = "exposure"
  wait_for_completion = false
}
