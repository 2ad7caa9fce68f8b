# Aether365 starts a compliance scan every Monday at 06:00 in London, by
# itself: no cron job that triggers a scan and polls for it.
resource "aether365_scheduled_scan" "weekly_compliance" {
  name        = "Weekly compliance scan"
  scan_type   = "compliance"
  frequency   = "weekly"
  day_of_week = 0 # Monday (0 = Monday ... 6 = Sunday)
  hour        = 6
  timezone    = "Europe/London"
}

# An exposure scan on the first day of every month at 02:30 UTC.
resource "aether365_scheduled_scan" "monthly_exposure" {
  name         = "Monthly exposure scan"
  scan_type    = "exposure"
  frequency    = "monthly"
  day_of_month = 1
  hour         = 2
  minute       = 30
}
