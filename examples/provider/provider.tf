terraform {
  required_providers {
    aether365 = {
      source  = "aether365/aether365"
      version = "~> 0.1"
    }
  }
}

# The API key comes from the AETHER365_API_KEY environment variable, so it
# never appears in the configuration. Everything else has a sensible default.
provider "aether365" {}

# A managed-service (MSP) key that may see several tenants: pick the default
# tenant, and stay under the API's rate limit when scanning many tenants.
provider "aether365" {
  alias               = "msp"
  tenant_id           = "contoso"
  max_retries         = 6
  requests_per_second = 5
}

# The same configuration offline, against aether365-sim on its default port
# and with its demo key (see the "Test your Terraform offline" guide).
provider "aether365" {
  alias    = "sim"
  base_url = "http://127.0.0.1:8365"
  api_key  = "ae_live_demo"
}
