terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# Nothing here knows about the simulator: AETHER365_BASE_URL and
# AETHER365_API_KEY (or the provider block in tests/gate.tftest.hcl) point
# the same configuration at aether365-sim or at Aether365.
provider "aether365" {}

variable "min_score" {
  description = "Lowest acceptable security score, in percent."
  type        = number
  default     = 80
}

resource "aether365_scan" "this" {
  scan_type = "compliance"
}

data "aether365_scan" "latest" {
  scan_type  = "compliance"
  depends_on = [aether365_scan.this]
}

resource "terraform_data" "deployment" {
  input = "app v2.4.0"

  lifecycle {
    precondition {
      condition     = data.aether365_scan.latest.score >= var.min_score
      error_message = "Security score ${data.aether365_scan.latest.score}% is below ${var.min_score}%."
    }
  }
}

output "score" {
  value = aether365_scan.this.score
}
