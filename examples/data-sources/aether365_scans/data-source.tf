# The two most recent completed compliance scans, newest first.
data "aether365_scans" "recent" {
  status    = "completed"
  scan_type = "compliance"
  limit     = 2
}

locals {
  scores = [for scan in data.aether365_scans.recent.scans : scan.score]

  # Positive when the posture improved since the previous scan.
  score_change = length(local.scores) == 2 ? local.scores[0] - local.scores[1] : 0
}

output "score_trend" {
  value = {
    latest = try(local.scores[0], null)
    change = local.score_change
  }
}

# Every scan that failed, with when it started. The API gives no reason;
# Aether365 shows it on the scan's page.
data "aether365_scans" "failed" {
  status = "failed"
  limit  = 50
}

output "failed_scans" {
  value = { for scan in data.aether365_scans.failed.scans : scan.id => scan.started_at }
}

# The scans of one connected Microsoft 365 tenant (sent as the connectionId
# query parameter, an assumption: see the multi-tenant guide).
data "aether365_scans" "fabrikam" {
  connection_id = "conn_fabrikam"
  limit         = 5
}
