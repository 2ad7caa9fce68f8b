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

# Start an exposure scan of a connected Microsoft 365 tenant without waiting
# for it: apply returns once Aether365 accepts the scan, and a later refresh
# records its score. connection_id names one of the account's connections
# (here the active one, as listed by the aether365_connections data source);
# without it, the scan runs on the active connection.
data "aether365_connections" "all" {}

resource "aether365_scan" "exposure" {
  connection_id       = data.aether365_connections.all.active_connection_id
  scan_type           = "exposure"
  wait_for_completion = false
}
