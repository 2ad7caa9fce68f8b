terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# One MSP key that may see every customer tenant. requests_per_second is
# shared by all the scans below, so a long tenant list stays under the API's
# rate limit instead of collecting HTTP 429 answers.
provider "aether365" {
  requests_per_second = 5
}

variable "tenants" {
  description = "Customer tenants to scan, with the lowest score each one accepts."
  type = map(object({
    min_score = number
  }))
  default = {
    contoso  = { min_score = 80 }
    fabrikam = { min_score = 75 }
    adatum   = { min_score = 85 }
  }
}

variable "scan_round" {
  description = "Change it (for example to the date) to scan every tenant again."
  type        = string
  default     = "2026-11"
}

# One scan per tenant, all running at once (Terraform's -parallelism, 10 by
# default).
resource "aether365_scan" "tenant" {
  for_each = var.tenants

  tenant_id = each.key
  scan_type = "compliance"

  triggers = {
    round = var.scan_round
  }
}

# The gate, one instance per scanned tenant: a tenant below its threshold
# fails only its own precondition, with one error naming it. It is a
# resource of its own rather than a postcondition on the scans: when a scan
# cannot even start (a tenant the key may not see), Terraform then reports
# that one error instead of adding errors for every tenant's condition.
resource "terraform_data" "tenant_gate" {
  for_each = aether365_scan.tenant

  input = each.value.id

  lifecycle {
    precondition {
      condition     = each.value.score >= var.tenants[each.key].min_score
      error_message = "Tenant ${each.key}: score ${each.value.score}% (scan ${each.value.id}) is below its ${var.tenants[each.key].min_score}% threshold."
    }
  }
}

# Critical failures per tenant, read from each tenant's new scan.
data "aether365_scan_results" "critical" {
  for_each = aether365_scan.tenant

  scan_id  = each.value.id
  severity = "Critical"
}

output "scores" {
  value = { for tenant, scan in aether365_scan.tenant : tenant => scan.score }
}

output "critical_failures" {
  value = {
    for tenant, results in data.aether365_scan_results.critical :
    tenant => [for r in results.results : "[${r.control_id}] ${r.title}"]
  }
}
