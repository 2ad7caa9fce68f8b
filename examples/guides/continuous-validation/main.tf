terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

provider "aether365" {}

variable "min_score" {
  description = "Score, in percent, below which the checks warn."
  type        = number
  default     = 80
}

variable "max_scan_age" {
  description = "How old the newest completed scan may be (a Terraform duration, e.g. 192h for 8 days)."
  type        = string
  default     = "192h"
}

# Checks never block a plan or an apply: they warn on every run, and HCP
# Terraform's health assessments run them on a schedule between runs.

check "security_score" {
  data "aether365_scan" "latest" {
    scan_type = "compliance"
  }

  assert {
    condition     = data.aether365_scan.latest.score >= var.min_score
    error_message = "The latest compliance score is ${data.aether365_scan.latest.score}%, below ${var.min_score}% (scan ${data.aether365_scan.latest.id})."
  }
}

check "scan_is_recent" {
  data "aether365_scan" "newest" {}

  assert {
    condition     = timecmp(timeadd(data.aether365_scan.newest.completed_at, var.max_scan_age), plantimestamp()) >= 0
    error_message = "The newest completed scan (${data.aether365_scan.newest.id}) finished at ${data.aether365_scan.newest.completed_at}, more than ${var.max_scan_age} ago: is the scheduled scan still running?"
  }
}

check "no_critical_failures" {
  data "aether365_scan_results" "critical" {
    severity = "critical"
  }

  assert {
    condition     = data.aether365_scan_results.critical.total == 0
    error_message = "${data.aether365_scan_results.critical.total} critical checks fail: ${join(", ", [for r in data.aether365_scan_results.critical.results : r.test_id])}."
  }
}

check "no_recent_failed_scan" {
  data "aether365_scans" "last_five" {
    limit = 5
  }

  assert {
    condition     = alltrue([for s in data.aether365_scans.last_five.scans : s.status != "failed"])
    error_message = "A recent scan failed: ${join("; ", [for s in data.aether365_scans.last_five.scans : "${s.id} (started ${s.started_at})" if s.status == "failed"])}."
  }
}
