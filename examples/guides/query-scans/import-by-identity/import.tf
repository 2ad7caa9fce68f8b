# What -generate-config-out writes for each scan found, by hand: an import
# block with the scan's identity, and the resource it becomes.
import {
  to = aether365_scan.last_audit
  identity = {
    id        = var.scan_id
    tenant_id = "me"
  }
}

resource "aether365_scan" "last_audit" {
  scan_type = "compliance"
  tenant_id = "me"
}
