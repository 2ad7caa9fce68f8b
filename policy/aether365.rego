# METADATA
# title: Aether365 posture gate
# description: |
#   Denies a Terraform plan unless the Aether365 scan it read (by default
#   data.aether365_scan.latest) is the newest compliance scan of the expected
#   tenant, completed, recent and scoring at least the threshold. Fails
#   closed: a scan that is missing from the plan, whose read was deferred to
#   apply, or whose values are unknown is denied, and so is a configuration
#   that pins a scan by id or reads another kind of scan.
#   Input: `terraform show -json tfplan`. Settings: data.aether365_policy.
package aether365

# Settings come from data (policy/data.json or any -d/--data file), so the
# same policy serves every environment; these are the fallbacks. tenant_id
# has none: when a data file names the Aether365 account (t_...) the scan
# must belong to it, and without one any account the key reads is accepted.
default_settings := {
	"min_score": 80,
	"max_scan_age_days": 8,
	"scan_address": "data.aether365_scan.latest",
}

default configured := {}

configured := data.aether365_policy

settings := object.union(default_settings, configured)

scan_address := settings.scan_address

# `terraform show -json tfplan` is the input; HCP Terraform hands its OPA
# policies the same document as input.plan.
plan := input.plan if {
	is_object(input.plan)
} else := input

# A data source whose arguments are unknown at plan time (or that depends on
# a resource with pending changes) is read during apply: its plan entry is a
# "read" change and its values are unknown.
read_deferred if {
	some change in plan.resource_changes
	change.address == scan_address
	"read" in change.change.actions
}

# A data source read while planning is part of the plan's prior state.
scan := resource.values if {
	some resource in plan.prior_state.values.root_module.resources
	resource.address == scan_address
}

deny contains msg if {
	read_deferred
	msg := sprintf(
		"%s is read during apply, so its score is unknown at plan time and cannot pass the gate: give it arguments known at plan time and no depends_on on resources that change.",
		[scan_address],
	)
}

deny contains msg if {
	not read_deferred
	not scan
	msg := sprintf(
		"%s is not in the plan: the gate needs the Aether365 scan the configuration reads (set aether365_policy.scan_address if it has another address).",
		[scan_address],
	)
}

# The score is only comparable with the threshold for a compliance scan,
# the kind the gate is written for; an exposure scan scores something else.
gated_scan_type := "compliance"

always_required := ["id", "status", "score", "completed_at", "scan_type"]

required_values := array.concat(always_required, ["tenant_id"]) if {
	settings.tenant_id
} else := always_required

deny contains msg if {
	not read_deferred
	some name in required_values
	object.get(scan, name, null) == null
	msg := sprintf("%s has no %s in the plan; the gate does not pass on a missing value.", [scan_address, name])
}

deny contains msg if {
	is_string(scan.scan_type)
	lower(scan.scan_type) != gated_scan_type
	msg := sprintf(
		"Scan %s has scan_type %s, not %s: the gate's threshold is for compliance scores, so %s must read scan_type = \"%s\".",
		[scan.id, scan.scan_type, gated_scan_type, scan_address, gated_scan_type],
	)
}

# The data source's arguments as written, from the plan's configuration.
scan_config := resource.expressions if {
	some resource in plan.configuration.root_module.resources
	resource.address == scan_address
}

# A scan pinned by id is whatever scan that was, however many newer (and
# lower) scores followed it; the plan holds only the scan read, so it cannot
# show whether a newer one exists. The gate therefore reads the newest scan,
# and any id argument, constant or not, is denied.
deny contains msg if {
	scan_config.id
	msg := sprintf(
		"%s pins a scan by id%s: the gate must judge the newest compliance scan, which a pinned scan may not be. Remove id and filter with scan_type = \"%s\".",
		[scan_address, pinned_id_text, gated_scan_type],
	)
}

pinned_id_text := sprintf(" (%s)", [scan_config.id.constant_value]) if {
	is_string(scan_config.id.constant_value)
} else := sprintf(" (from %s)", [concat(", ", scan_config.id.references)]) if {
	scan_config.id.references
} else := ""

deny contains msg if {
	scan
	not scan_config
	msg := sprintf(
		"%s is read but its configuration is not in the plan, so the gate cannot check which scan it asks for; use the plan of `terraform show -json` as it is.",
		[scan_address],
	)
}

deny contains msg if {
	expected := settings.tenant_id
	is_string(scan.tenant_id)
	scan.tenant_id != expected
	msg := sprintf(
		"Scan %s is of tenant %s, not %s, the tenant this policy gates (aether365_policy.tenant_id).",
		[scan.id, scan.tenant_id, expected],
	)
}

deny contains msg if {
	is_number(scan.score)
	scan.score < settings.min_score
	msg := sprintf(
		"Security score %v%% of scan %s is below the %v%% threshold.",
		[scan.score, scan.id, settings.min_score],
	)
}

# Lower case is how the API spells statuses; aether365_scan keeps a status
# filter as configured, so status = "Completed" reads back "Completed".
deny contains msg if {
	is_string(scan.status)
	lower(scan.status) != "completed"
	msg := sprintf("Scan %s is %s, not completed; only a completed scan has a score to gate on.", [scan.id, scan.status])
}

deny contains msg if {
	age := scan_age_days
	age > settings.max_scan_age_days
	msg := sprintf(
		"Scan %s completed %s, %v days before this plan; the gate accepts scans up to %v days old. Run a new scan.",
		[scan.id, scan.completed_at, round(age * 10) / 10, settings.max_scan_age_days],
	)
}

deny contains msg if {
	is_string(scan.completed_at)
	not scan_age_days
	msg := sprintf("Scan %s has completed_at %q, which is not an RFC 3339 time; its age cannot be checked.", [scan.id, scan.completed_at])
}

# The plan's own timestamp, so a saved plan is judged as of when it was made.
default plan_time_ns := 0

plan_time_ns := time.parse_rfc3339_ns(plan.timestamp)

plan_time_ns := time.now_ns() if not plan.timestamp

scan_age_days := (plan_time_ns - time.parse_rfc3339_ns(scan.completed_at)) / ((24 * 3600) * 1e9) if {
	is_string(scan.completed_at)
}

# allow is the single answer for `opa eval --fail-defined 'data.aether365.deny[_]'`
# style checks and for callers that want a boolean.
default allow := false

allow if count(deny) == 0
