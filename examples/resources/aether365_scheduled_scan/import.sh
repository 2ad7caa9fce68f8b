# A custom schedule is imported by its ID, as the aether365_scheduled_scans data source lists it.
# The automatic plan schedule ("plan") cannot be imported: it can be neither changed nor deleted.
terraform import aether365_scheduled_scan.weekly_compliance sched_abc123
