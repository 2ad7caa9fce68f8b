terraform {
  required_version = ">= 1.7" # mock_provider in terraform test
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY; terraform test with the mocked
# provider (tests/score_gate.tftest.hcl) needs none.
provider "aether365" {}

variable "min_score" {
  description = "Lowest security score, in percent, that lets the deployment go ahead."
  type        = number
  default     = 80
}

# The newest completed compliance scan, read while planning.
data "aether365_scan" "latest" {
  scan_type = "compliance"
}

# The score gate under test: the plan stops here when the score is too low.
resource "terraform_data" "deployment" {
  input = "app v2.4.0"

  lifecycle {
    precondition {
      condition     = data.aether365_scan.latest.score >= var.min_score
      error_message = "Security score ${data.aether365_scan.latest.score}% (scan ${data.aether365_scan.latest.id}) is below ${var.min_score}%; fix the failures before deploying."
    }
  }
}

# A warning, not a failure, when the latest scan has critical-looking gaps.
check "few_failed_checks" {
  assert {
    condition     = data.aether365_scan.latest.fail_count <= 20
    error_message = "Scan ${data.aether365_scan.latest.id} failed ${data.aether365_scan.latest.fail_count} checks."
  }
}

output "gate" {
  value = "scan ${data.aether365_scan.latest.id}: ${data.aether365_scan.latest.score}% (at least ${var.min_score}% needed)"
}
