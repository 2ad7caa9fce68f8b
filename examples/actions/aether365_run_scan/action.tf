# Run a compliance scan on demand, from a pipeline or a terminal:
#   terraform apply -invoke=action.aether365_run_scan.weekly
# The command fails, naming the scan, when the scan fails or scores below 75.
action "aether365_run_scan" "weekly" {
  config {
    scan_type = "compliance"
    min_score = 75
    timeout   = "45m"
  }
}

# An exposure scan of one connected Microsoft 365 tenant (conn_...).
action "aether365_run_scan" "fabrikam_exposure" {
  config {
    scan_type     = "exposure"
    connection_id = "conn_fabrikam"
  }
}
