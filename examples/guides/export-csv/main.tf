terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

provider "aether365" {}

# Every result of the newest completed scan, whatever its outcome: the
# automation page's PowerShell loop over /scans/{id}/results.
data "aether365_scan_results" "all" {
  result = "all"
}

data "aether365_scan" "exported" {
  id = data.aether365_scan_results.all.scan_id
}

# `terraform output -raw results_csv > scan_$(date +%F).csv` writes the file.
output "results_csv" {
  value = provider::aether365::results_csv(data.aether365_scan_results.all.results)
}

# Only what needs attention, for a ticketing system import.
output "needs_attention_csv" {
  value = provider::aether365::results_csv([
    for r in data.aether365_scan_results.all.results : r
    if r.result == "failed"
  ])
}

output "file_name" {
  description = "The name the automation page's script gave the file."
  value       = "scan_${formatdate("YYYY-MM-DD", data.aether365_scan.exported.completed_at)}.csv"
}

output "exported_count" {
  value = length(data.aether365_scan_results.all.results)
}
