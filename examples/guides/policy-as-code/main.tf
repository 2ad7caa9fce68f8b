terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY.
provider "aether365" {}

# The newest completed compliance scan, read while planning. No condition
# here: the policy (policy/aether365.rego) judges the plan, so the rules and
# thresholds live with the organisation's other policies.
data "aether365_scan" "latest" {
  scan_type = "compliance"
}

# Stands for the deployment the policy protects.
resource "terraform_data" "deployment" {
  input = "app v2.4.0"
}

output "scan" {
  value = "scan ${data.aether365_scan.latest.id}: ${data.aether365_scan.latest.score}% (${data.aether365_scan.latest.status}, completed ${data.aether365_scan.latest.completed_at})"
}
