terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY.
provider "aether365" {}

variable "min_score" {
  description = "Lowest security score, in percent, at which this configuration may be deployed."
  type        = number
  default     = 80
}

# The newest completed compliance scan. It is read during `terraform plan`,
# so the gate below is evaluated before anything is changed.
data "aether365_scan" "latest" {
  scan_type = "compliance"
}

# Stands for whatever the deployment changes: put the precondition on the
# resources that must not change while the tenant's posture is poor. It is
# checked on every plan, whether or not the resource itself changes.
resource "terraform_data" "deployment" {
  input = "app v2.4.0"

  lifecycle {
    precondition {
      condition     = data.aether365_scan.latest.score >= var.min_score
      error_message = "Security score ${data.aether365_scan.latest.score}% (scan ${data.aether365_scan.latest.id}, completed ${data.aether365_scan.latest.completed_at}) is below the ${var.min_score}% threshold. Fix the failed checks in Aether365 before deploying."
    }
  }
}

output "gated_on" {
  value = "scan ${data.aether365_scan.latest.id}: ${data.aether365_scan.latest.score}% (threshold ${var.min_score}%)"
}
