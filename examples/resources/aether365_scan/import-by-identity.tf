# Adopt a scan of another tenant by its identity (Terraform v1.12 and later);
# tenant_id is optional and defaults to the provider's.
import {
  to = aether365_scan.contoso_identity
  identity = {
    tenant_id = "contoso"
    id        = "scn_89abcdef0123456789abcdef"
  }
}
