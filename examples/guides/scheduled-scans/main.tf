terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# AETHER365_API_KEY (and AETHER365_BASE_URL for aether365-sim) configure the provider.
provider "aether365" {}

# Aether365 starts a compliance scan every Monday at 06:00 UTC by itself:
# this replaces the cron job that triggered a scan and polled for it.
resource "aether365_scheduled_scan" "weekly" {
  name        = "Weekly compliance scan"
  scan_type   = "compliance"
  frequency   = "weekly"
  day_of_week = 0 # Monday
  hour        = 6
  timezone    = "UTC"
}

# The plan's own schedule comes with the plan and cannot be managed: read it.
data "aether365_scheduled_scans" "all" {}

output "plan_schedule" {
  value = "${data.aether365_scheduled_scans.all.plan_schedule.frequency} at ${format("%02d:%02d", data.aether365_scheduled_scans.all.plan_schedule.hour, data.aether365_scheduled_scans.all.plan_schedule.minute)} ${data.aether365_scheduled_scans.all.plan_schedule.timezone}"
}

# A weekly schedule must leave a completed scan at most a week old (and a
# day's grace): every plan and apply warns when it does not, for example
# after the Microsoft 365 admin consent was revoked.
check "scheduled_scans_keep_running" {
  data "aether365_scan" "latest" {
    scan_type = "compliance"
  }

  assert {
    condition     = timecmp(timeadd(data.aether365_scan.latest.started_at, "192h"), plantimestamp()) > 0
    error_message = "The latest completed compliance scan started ${data.aether365_scan.latest.started_at}, more than 8 days ago: the weekly schedule has stopped producing scans."
  }
}
