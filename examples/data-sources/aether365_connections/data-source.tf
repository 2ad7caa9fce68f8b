data "aether365_connections" "all" {}

# One scan per connected Microsoft 365 tenant.
resource "aether365_scan" "per_tenant" {
  for_each = { for c in data.aether365_connections.all.connections : c.label => c.id }

  scan_type     = "compliance"
  connection_id = each.value
}
