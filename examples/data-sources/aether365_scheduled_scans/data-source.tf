data "aether365_scheduled_scans" "all" {}

# The plan's own schedule, which Terraform cannot manage.
output "plan_schedule" {
  value = data.aether365_scheduled_scans.all.plan_schedule
}
