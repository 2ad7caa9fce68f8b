# Adopt a schedule by its identity (Terraform v1.12 and later).
import {
  to = aether365_scheduled_scan.monthly_exposure
  identity = {
    id = "sched_def456"
  }
}
