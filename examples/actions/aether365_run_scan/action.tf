# Run a compliance scan on demand, from a pipeline or a terminal:
#   terraform apply -invoke=action.aether365_run_scan.weekly
# The command fails, naming the scan, when the scan fails or scores below 75.
action "aether365_run_scan" "weekly" {
  config {
    scan_type = "compliance"
    min_score = 75
    timeout   = "20m"
  }
}
