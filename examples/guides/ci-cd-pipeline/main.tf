terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY (a CI secret).
provider "aether365" {}

variable "run_id" {
  description = "Identifies the pipeline run, e.g. GitHub's run ID. A new value starts a new scan."
  type        = string
}

variable "min_score" {
  description = "Lowest security score, in percent, that lets the pipeline continue."
  type        = number
  default     = 75
}

# Trigger a compliance scan and wait for it: the automation page's POST and polling loop.
# When the score is below the threshold the postcondition fails the apply,
# and nothing that depends on the scan is deployed.
resource "aether365_scan" "pipeline" {
  scan_type = "compliance"

  triggers = {
    run_id = var.run_id
  }

  # The automation page's workflow gave up after 30 polls 30 seconds apart
  # (15 minutes), but scans take 10-20 minutes and Aether365 only fails one
  # after 30: wait longer than that.
  timeouts {
    create = "45m"
  }

  lifecycle {
    postcondition {
      condition     = self.score >= var.min_score
      error_message = "Security score ${self.score}% of scan ${self.id} is below the ${var.min_score}% threshold; the deployment is blocked."
    }
  }
}

# Stands for the deployment this pipeline protects. depends_on makes
# Terraform wait for the scan, and skip this entirely when the gate fails.
resource "terraform_data" "deploy" {
  input = "release for run ${var.run_id}"

  depends_on = [aether365_scan.pipeline]
}

output "scan_id" {
  value = aether365_scan.pipeline.id
}

output "score" {
  value = aether365_scan.pipeline.score
}

output "checks" {
  value = {
    passed  = aether365_scan.pipeline.pass_count
    failed  = aether365_scan.pipeline.fail_count
    skipped = aether365_scan.pipeline.skip_count
  }
}
