# Adopt a schedule made in Aether365 (Terraform v1.5 and later).
import {
  to = aether365_scheduled_scan.weekly_compliance
  id = "sched_abc123"
}
