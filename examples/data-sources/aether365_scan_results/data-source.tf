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
