terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

provider "aether365" {}

# Every critical failure of the newest completed scan: the automation page's "latest
# scan, then page through results" script. All pages are read, concurrently.
data "aether365_scan_results" "critical" {
  result   = "failed"
  severity = "critical"
}

# The scan those results belong to, for its score and date.
data "aether365_scan" "reported" {
  id = data.aether365_scan_results.critical.scan_id
}

output "critical_failure_count" {
  value = data.aether365_scan_results.critical.total
}

output "critical_failures" {
  description = "One line per critical failure, as the automation page's script printed them."
  value = [
    for r in data.aether365_scan_results.critical.results :
    "[${r.test_id}] ${r.title}"
  ]
}

# The same failures grouped by framework (cis, eidsca, cisa, nis2), with
# what to do about each.
output "critical_failures_by_framework" {
  value = {
    for r in data.aether365_scan_results.critical.results :
    r.framework => {
      test_id     = r.test_id
      title       = r.title
      remediation = r.remediation_steps
      help        = r.help_url
    }...
  }
}

output "report_header" {
  value = "Scan ${data.aether365_scan.reported.id} (${data.aether365_scan.reported.completed_at}): score ${data.aether365_scan.reported.score}%, ${data.aether365_scan_results.critical.total} critical failures"
}
