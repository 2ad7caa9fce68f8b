# Every scan of the provider's tenant, newest first.
list "aether365_scan" "all" {
  provider = aether365
}

# Only the completed compliance scans since November, at most 10.
list "aether365_scan" "recent_compliance" {
  provider = aether365
  limit    = 10

  config {
    scan_type     = "compliance"
    status        = "completed"
    started_after = "2026-11-01T00:00:00Z"
  }
}
