# The failures of the latest completed scan as CSV, one row per result.
data "aether365_scan_results" "failures" {}

output "failures_csv" {
  value = provider::aether365::results_csv(data.aether365_scan_results.failures.results)
}

# Any list of objects with the result attributes works, for example a
# filtered one: only the failures of CIS benchmark checks.
output "cis_failures_csv" {
  value = provider::aether365::results_csv([
    for r in data.aether365_scan_results.failures.results : r
    if r.framework == "cis"
  ])
}
