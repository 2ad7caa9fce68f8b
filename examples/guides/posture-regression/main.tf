terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY.
provider "aether365" {}

variable "release_scan_id" {
  description = "Scan recorded when the last release shipped (its scan_id output). Null compares with the previous completed scan."
  type        = string
  default     = null
}

# The newest completed compliance scan against the release's scan (or, by
# default, the completed compliance scan before it).
data "aether365_scan_comparison" "since_release" {
  scan_type        = "compliance"
  baseline_scan_id = var.release_scan_id
}

# The deployment may not proceed while a critical check fails that did not
# fail at the last release, even if the score went up.
resource "terraform_data" "deployment" {
  input = "app v2.5.0"

  lifecycle {
    precondition {
      condition     = data.aether365_scan_comparison.since_release.new_failures_by_severity.critical == 0
      error_message = "${data.aether365_scan_comparison.since_release.new_failures_by_severity.critical} new critical failures since scan ${data.aether365_scan_comparison.since_release.baseline_scan_id}: ${join("; ", [for r in data.aether365_scan_comparison.since_release.new_failures : "[${r.test_id}] ${r.title}" if r.severity == "critical"])}."
    }
  }
}

# Record this as the next release's baseline.
output "scan_id" {
  value = data.aether365_scan_comparison.since_release.scan_id
}

output "score_change" {
  value = data.aether365_scan_comparison.since_release.score_change
}

output "new_failures_by_severity" {
  value = data.aether365_scan_comparison.since_release.new_failures_by_severity
}

output "resolved_failures_by_severity" {
  value = data.aether365_scan_comparison.since_release.resolved_failures_by_severity
}
