# Adopt a scan by its identity (Terraform v1.12 and later); tenant_id, the
# Aether365 account (t_...), is optional and defaults to the provider's.
import {
  to = aether365_scan.exposure
  identity = {
    tenant_id = "t_abc123"
    id        = "scan_xyz789"
  }
}
