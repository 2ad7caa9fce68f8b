# Every critical failure of the latest completed scan, however many pages the
# API needs for them. Values are lower case, as the API spells them
# ("Critical" works too).
data "aether365_scan_results" "critical" {
  severity = "critical"
}

output "critical_failures" {
  value = [
    for r in data.aether365_scan_results.critical.results :
    "[${r.test_id}] ${r.title}: ${r.remediation_steps}"
  ]
}

# All results of one scan, whatever their outcome, at most 500 of them.
data "aether365_scan_results" "everything" {
  scan_id     = "scan_abc123"
  result      = "all"
  max_results = 500
}

output "results_by_severity" {
  value = data.aether365_scan_results.everything.counts_by_severity
}

# The failed checks of the CIS Microsoft 365 benchmark only.
data "aether365_scan_results" "cis" {
  framework = "cis"
}

output "cis_failures" {
  value = [for r in data.aether365_scan_results.cis.results : r.test_id]
}

# Every failure of a large scan with a small state: each check's remediation
# steps and help URL are stored once, in `controls` (keyed by test_id),
# instead of in every result.
data "aether365_scan_results" "slim" {
  include_control_text = false
}

output "remediation_by_failure" {
  value = {
    for r in data.aether365_scan_results.slim.results :
    r.id => data.aether365_scan_results.slim.controls[r.test_id].remediation_steps
  }
}
