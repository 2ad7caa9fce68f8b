# Every critical failure of the latest completed scan, however many pages the
# API needs for them.
data "aether365_scan_results" "critical" {
  severity = "Critical"
}

output "critical_failures" {
  value = [
    for r in data.aether365_scan_results.critical.results :
    "[${r.control_id}] ${r.title}: ${r.remediation}"
  ]
}

# All results of one scan, whatever their outcome, at most 500 of them.
data "aether365_scan_results" "everything" {
  scan_id     = "scn_0123456789abcdef01234567"
  result      = "All"
  max_results = 500
}

output "results_by_severity" {
  value = data.aether365_scan_results.everything.counts_by_severity
}

# Every failure of a large scan with a small state: each control's
# description, remediation and reference URL are stored once, in `controls`,
# instead of in every result.
data "aether365_scan_results" "slim" {
  include_control_text = false
}

output "remediation_by_failure" {
  value = {
    for r in data.aether365_scan_results.slim.results :
    r.id => data.aether365_scan_results.slim.controls[r.control_id].remediation
  }
}
