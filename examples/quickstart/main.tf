# Quickstart: the REST API Automation page's "trigger a scan, wait, gate on the score, report the
# critical failures, export to CSV" scripts as one Terraform configuration.
# `make demo` runs it against aether365-sim; against Aether365 itself, export
# AETHER365_API_KEY and run `terraform init && terraform apply`.

terraform {
  required_version = ">= 1.8" # provider-defined functions

  required_providers {
    aether365 = {
      # The full address, so that Terraform and OpenTofu resolve it alike.
      source = "registry.terraform.io/aether365/aether365"
    }
  }
}

# api_key and base_url come from AETHER365_API_KEY and AETHER365_BASE_URL.
provider "aether365" {}

variable "min_score" {
  description = "Lowest acceptable security score, in percent. Plans and applies fail below it."
  type        = number
  default     = 70

  validation {
    condition     = var.min_score >= 0 && var.min_score <= 100
    error_message = "min_score is a percentage: a number from 0 to 100."
  }
}

variable "scan_run" {
  description = "Change it to run a new scan (for example a release version or a CI run ID)."
  type        = string
  default     = "1"
}

# 1. Trigger a compliance scan and wait for its score (the automation page's polling loop).
resource "aether365_scan" "compliance" {
  scan_type = "compliance"

  triggers = {
    run = var.scan_run
  }

  timeouts {
    create = "45m"
  }
}

# 2. The gate. The newest completed scan is read during `terraform plan` (on
# the very first run, right after the scan above, during apply); anything
# that must not be deployed on a poor score carries the precondition.
data "aether365_scan" "latest" {
  scan_type  = "compliance"
  depends_on = [aether365_scan.compliance]
}

resource "terraform_data" "deployment" {
  input = "release ${var.scan_run}"

  lifecycle {
    precondition {
      condition     = data.aether365_scan.latest.score >= var.min_score
      error_message = "Deployment blocked: security score ${data.aether365_scan.latest.score}% (scan ${data.aether365_scan.latest.id}) is below the ${var.min_score}% threshold."
    }
  }
}

# 3. The critical failures of that scan, every page of them.
data "aether365_scan_results" "critical" {
  scan_id  = aether365_scan.compliance.id
  severity = "critical"
}

# 4. All failures, for the CSV export.
data "aether365_scan_results" "failures" {
  scan_id = aether365_scan.compliance.id
}

output "scan_id" {
  value = aether365_scan.compliance.id
}

output "score" {
  description = "Security score of the scan, in percent."
  value       = aether365_scan.compliance.score
}

output "gate" {
  description = "The gate's verdict."
  value = (
    data.aether365_scan.latest.score >= var.min_score
    ? "PASSED: score ${data.aether365_scan.latest.score}% >= ${var.min_score}%"
    : "BLOCKED: score ${data.aether365_scan.latest.score}% < ${var.min_score}%"
  )
}

output "critical_failures" {
  description = "Failed checks of severity critical, with their remediation steps."
  value = [
    for r in data.aether365_scan_results.critical.results :
    "[${r.test_id}] ${r.title}: ${r.remediation_steps}"
  ]
}

output "failures_csv" {
  description = "All failed results as CSV; save it with `terraform output -raw failures_csv > failures.csv`."
  value       = provider::aether365::results_csv(data.aether365_scan_results.failures.results)
}
