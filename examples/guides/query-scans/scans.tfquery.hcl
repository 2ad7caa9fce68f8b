# Each list block finds a different set of scans: a scan has one scan_type,
# so no scan is listed twice. A scan that two list blocks both find is
# generated, and imported, twice (-generate-config-out writes one resource
# per result, without a warning).

# The completed compliance scans of 2026, newest first, at most 10.
list "aether365_scan" "compliance" {
  provider = aether365
  limit    = 10

  config {
    scan_type     = "compliance"
    status        = "completed"
    started_after = "2026-01-01T00:00:00Z"
  }
}

# Every exposure scan, newest first.
list "aether365_scan" "exposure" {
  provider = aether365

  config {
    scan_type = "exposure"
  }
}
