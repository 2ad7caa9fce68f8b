terraform {
  required_version = ">= 1.12" # import blocks with an identity
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY.
provider "aether365" {}

variable "scan_id" {
  description = "ID of the scan to adopt, as Aether365 shows it (scan_...)."
  type        = string
}
