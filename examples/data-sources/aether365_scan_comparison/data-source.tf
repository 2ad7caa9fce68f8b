# The newest completed compliance scan against the one before it.
data "aether365_scan_comparison" "since_last_scan" {
  scan_type = "compliance"
}

output "posture_change" {
  value = "${data.aether365_scan_comparison.since_last_scan.score_change} points; ${length(data.aether365_scan_comparison.since_last_scan.new_failures)} new and ${length(data.aether365_scan_comparison.since_last_scan.resolved_failures)} resolved failures"
}

# Against the scan recorded at the last release: block the deployment on any
# new critical failure, whatever the score did.
variable "release_scan_id" {
  description = "Scan ID recorded when the last release shipped."
  type        = string
}

data "aether365_scan_comparison" "since_release" {
  scan_type        = "compliance"
  baseline_scan_id = var.release_scan_id
}

resource "terraform_data" "deployment" {
  input = "app v2.5.0"

  lifecycle {
    precondition {
      condition     = data.aether365_scan_comparison.since_release.new_failures_by_severity.critical == 0
      error_message = "New critical failures since the last release: ${join(", ", [for r in data.aether365_scan_comparison.since_release.new_failures : "[${r.test_id}] ${r.title}" if r.severity == "critical"])}."
    }
  }
}
