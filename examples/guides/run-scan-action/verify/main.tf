# Run after `terraform apply -invoke`: fails unless a compliance scan started
# since the job began has completed with at least min_score. It catches an
# invocation that was interrupted (Terraform can then exit 0) or never ran:
#   terraform -chdir=verify plan -input=false -var "job_started_at=$JOB_STARTED_AT"
terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY (a CI secret).
provider "aether365" {}

variable "job_started_at" {
  description = "When the job started, RFC 3339 in UTC: date -u +%Y-%m-%dT%H:%M:%SZ."
  type        = string
}

variable "min_score" {
  description = "Lowest security score, in percent, that lets the pipeline pass."
  type        = number
  default     = 75
}

# The newest compliance scan of the tenant, whatever its status.
data "aether365_scans" "newest" {
  scan_type = "compliance"
  limit     = 1
}

locals {
  scan = one(data.aether365_scans.newest.scans)
  # Two minutes' grace for the clocks of the runner and of Aether365.
  started_this_job = try(timecmp(local.scan.started_at, timeadd(var.job_started_at, "-2m")) >= 0, false)
}

output "verified_scan" {
  value = local.scan.id

  precondition {
    condition     = local.started_this_job
    error_message = "No compliance scan started since this job began (${var.job_started_at}): the scan step did not run."
  }
  precondition {
    condition     = !local.started_this_job || try(local.scan.status == "completed", false)
    error_message = "Scan ${try(local.scan.id, "?")} is ${try(local.scan.status, "unknown")}, not completed: the scan step was interrupted or the scan failed."
  }
  precondition {
    condition     = !local.started_this_job || try(local.scan.score >= var.min_score, false)
    error_message = "Scan ${try(local.scan.id, "?")} scored ${try(local.scan.score, "nothing")}, below min_score ${var.min_score}."
  }
}
