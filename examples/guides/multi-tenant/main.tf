terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# One Aether365 account (one API key) with every customer's Microsoft 365
# tenant connected to it. requests_per_second paces all the scans below
# together: Aether365 documents no request rate limit, but fifty tenants
# polling at once need not find out where it is.
provider "aether365" {
  requests_per_second = 5
}

variable "tenants" {
  description = "Customer tenants to scan: each one's Aether365 connection ID (conn_..., Settings > Connections) and the lowest score it accepts."
  type = map(object({
    connection_id = string
    min_score     = number
  }))
  default = {
    contoso  = { connection_id = "conn_contoso", min_score = 80 }
    fabrikam = { connection_id = "conn_fabrikam", min_score = 75 }
    adatum   = { connection_id = "conn_adatum", min_score = 85 }
  }
}

variable "scan_round" {
  description = "Change it (for example to the date) to scan every tenant again."
  type        = string
  default     = "2026-11"
}

# One scan per connected tenant, all started at once (Terraform's
# -parallelism, 10 by default). connection_id is sent as the connectionId
# query parameter: an assumption, the API reference does not show how a
# scan names a connection.
resource "aether365_scan" "tenant" {
  for_each = var.tenants

  connection_id = each.value.connection_id
  scan_type     = "compliance"

  triggers = {
    round = var.scan_round
  }
}

# The gate, one instance per scanned tenant: a tenant below its threshold
# fails only its own precondition, with one error naming it. It is a
# resource of its own rather than a postcondition on the scans: when a scan
# cannot even start (a connection the account does not have), Terraform then
# reports that one error instead of adding errors for every tenant's
# condition.
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
  severity = "critical"
}

output "scores" {
  value = { for tenant, scan in aether365_scan.tenant : tenant => scan.score }
}

output "critical_failures" {
  value = {
    for tenant, results in data.aether365_scan_results.critical :
    tenant => [for r in results.results : "[${r.test_id}] ${r.title}"]
  }
}
