# Adopt a scan that already exists in Aether365 (Terraform v1.5 and later).
import {
  to = aether365_scan.compliance
  id = "scan_abc123"
}
