terraform {
  required_providers {
    aether365 = {
      source  = "aether365/aether365"
      version = "~> 0.2"
    }
  }
}

# The API key comes from the AETHER365_API_KEY environment variable, so it
# never appears in the configuration. Everything else has a sensible default.
provider "aether365" {}

# A managed-service (MSP) account that holds many connected Microsoft 365
# tenants: resources pick one with connection_id. requests_per_second paces
# the requests of every scan and read of this provider (the API documents no
# request rate limit; this keeps a long tenant list polite).
provider "aether365" {
  alias               = "msp"
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
