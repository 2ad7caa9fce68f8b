# terraform query lists the tenant's completed compliance scans of November,
# newest first; -generate-config-out=scans.tf writes an import block and a
# resource for each.
list "aether365_scan" "november" {
  provider = aether365
  limit    = 20

  config {
    scan_type     = "compliance"
    status        = "completed"
    started_after = "2026-11-01T00:00:00Z"
  }
}

# Only the scans of one connected Microsoft 365 tenant.
list "aether365_scan" "fabrikam" {
  provider = aether365

  config {
    connection_id = "conn_fabrikam"
  }
}
