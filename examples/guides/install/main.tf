terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
      # With a filesystem mirror, pin the version you put in it.
      version = ">= 0.1.0"
    }
  }
}

# AETHER365_BASE_URL and AETHER365_API_KEY say where and as whom.
provider "aether365" {}

# Proves the provider is installed and talks to the API.
data "aether365_scans" "recent" {
  limit = 5
}

output "recent_scans" {
  value = [for s in data.aether365_scans.recent.scans : "${s.id}: ${s.status}"]
}
