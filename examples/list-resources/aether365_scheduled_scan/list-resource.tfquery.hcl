# terraform query -generate-config-out=schedules.tf writes an import block and
# a resource for each custom schedule (the plan schedule is left out).
list "aether365_scheduled_scan" "all" {
  provider = aether365
}
