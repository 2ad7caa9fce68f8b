package aether365_test

import data.aether365

settings := {"min_score": 80, "max_scan_age_days": 8, "scan_address": "data.aether365_scan.latest"}

good_scan := {
	"id": "scan_good",
	"status": "completed",
	"scan_type": "compliance",
	"tenant_id": "t_prod",
	"score": 91,
	"started_at": "2026-11-30T05:45:00Z",
	"completed_at": "2026-11-30T06:00:00Z",
}

# The data source as the guide's example writes it: the newest completed
# compliance scan.
newest_compliance := {"scan_type": {"constant_value": "compliance"}}

# plan is the shape of `terraform show -json tfplan` for a configuration that
# read data.aether365_scan.latest while planning.
plan(values) := configured_plan(values, newest_compliance)

# configured_plan is plan with the data source's arguments as expressions,
# the shape of the plan's configuration.root_module.resources[_].expressions.
configured_plan(values, expressions) := {
	"timestamp": "2026-12-01T06:00:00Z",
	"configuration": {"root_module": {"resources": [
		{
			"address": "data.aether365_scan.latest",
			"mode": "data",
			"type": "aether365_scan",
			"name": "latest",
			"expressions": expressions,
		},
		{
			"address": "terraform_data.deployment",
			"mode": "managed",
			"type": "terraform_data",
			"name": "deployment",
			"expressions": {"input": {"constant_value": "app v2.4.0"}},
		},
	]}},
	"prior_state": {"values": {"root_module": {"resources": [{
		"address": "data.aether365_scan.latest",
		"mode": "data",
		"type": "aether365_scan",
		"values": values,
	}]}}},
	"resource_changes": [{"address": "terraform_data.deployment", "change": {"actions": ["create"]}}],
}

test_a_recent_completed_scan_above_the_threshold_is_allowed if {
	aether365.allow with input as plan(good_scan) with data.aether365_policy as settings
	count(aether365.deny) == 0 with input as plan(good_scan) with data.aether365_policy as settings
}

test_a_score_below_the_threshold_is_denied if {
	denials := aether365.deny with input as plan(object.union(good_scan, {"score": 64.7}))
		with data.aether365_policy as settings
	denials == {"Security score 64.7% of scan scan_good is below the 80% threshold."}
}

test_the_threshold_comes_from_data if {
	low := plan(object.union(good_scan, {"score": 76}))
	aether365.allow with input as low with data.aether365_policy as object.union(settings, {"min_score": 75})
	not aether365.allow with input as low with data.aether365_policy as settings
}

test_a_score_equal_to_the_threshold_is_allowed if {
	aether365.allow with input as plan(object.union(good_scan, {"score": 80})) with data.aether365_policy as settings
}

test_a_scan_older_than_the_limit_is_denied if {
	old := plan(object.union(good_scan, {"completed_at": "2026-11-20T06:00:00Z"}))
	denials := aether365.deny with input as old with data.aether365_policy as settings
	count(denials) == 1
	some msg in denials
	contains(msg, "11 days before this plan")
}

test_the_age_limit_comes_from_data if {
	old := plan(object.union(good_scan, {"completed_at": "2026-11-20T06:00:00Z"}))
	aether365.allow with input as old with data.aether365_policy as object.union(settings, {"max_scan_age_days": 30})
}

test_a_scan_that_is_not_completed_is_denied if {
	running := plan(object.union(good_scan, {"status": "in_progress"}))
	denials := aether365.deny with input as running with data.aether365_policy as settings
	"Scan scan_good is in_progress, not completed; only a completed scan has a score to gate on." in denials
}

test_a_status_filter_written_in_another_case_is_still_completed if {
	aether365.allow with input as plan(object.union(good_scan, {"status": "Completed"}))
		with data.aether365_policy as settings
}

test_a_missing_score_is_denied if {
	denials := aether365.deny with input as plan(object.union(good_scan, {"score": null}))
		with data.aether365_policy as settings
	"data.aether365_scan.latest has no score in the plan; the gate does not pass on a missing value." in denials
	not aether365.allow with input as plan(object.remove(good_scan, ["score"])) with data.aether365_policy as settings
}

test_a_read_deferred_to_apply_is_denied if {
	deferred := {
		"timestamp": "2026-12-01T06:00:00Z",
		"resource_changes": [{
			"address": "data.aether365_scan.latest",
			"change": {"actions": ["read"], "after": {}, "after_unknown": {"score": true, "id": true}},
		}],
	}
	denials := aether365.deny with input as deferred with data.aether365_policy as settings
	count(denials) == 1
	some msg in denials
	contains(msg, "read during apply")
}

test_a_plan_without_the_scan_is_denied if {
	denials := aether365.deny with input as {"resource_changes": []} with data.aether365_policy as settings
	some msg in denials
	contains(msg, "is not in the plan")
}

test_the_scan_address_comes_from_data if {
	renamed := {
		"configuration": {"root_module": {"resources": [{
			"address": "data.aether365_scan.release",
			"expressions": newest_compliance,
		}]}},
		"prior_state": {"values": {"root_module": {"resources": [{
			"address": "data.aether365_scan.release",
			"values": good_scan,
		}]}}},
		"timestamp": "2026-12-01T06:00:00Z",
	}
	aether365.allow with input as renamed
		with data.aether365_policy as object.union(settings, {"scan_address": "data.aether365_scan.release"})
	not aether365.allow with input as renamed with data.aether365_policy as settings
}

test_defaults_apply_without_settings if {
	aether365.allow with input as plan(good_scan) with data.aether365_policy as {}
	not aether365.allow with input as plan(object.union(good_scan, {"score": 79.9})) with data.aether365_policy as {}
}

test_an_unparseable_completion_time_is_denied if {
	not aether365.allow with input as plan(object.union(good_scan, {"completed_at": "yesterday"}))
		with data.aether365_policy as settings
}

test_hcp_terraform_input_shape_is_read if {
	aether365.allow with input as {"plan": plan(good_scan), "run": {"workspace": {"name": "prod"}}}
		with data.aether365_policy as settings
	not aether365.allow with input as {"plan": plan(object.union(good_scan, {"score": 50}))}
		with data.aether365_policy as settings
}

# The evasions: a gate that reads another kind of scan, an old scan pinned
# by id, or another tenant's scan is denied whatever its score.

test_an_exposure_scan_is_denied_whatever_its_score if {
	exposure := configured_plan(
		object.union(good_scan, {"scan_type": "exposure", "score": 95}),
		{"scan_type": {"constant_value": "exposure"}},
	)
	denials := aether365.deny with input as exposure with data.aether365_policy as settings
	denials == {concat("", [
		"Scan scan_good has scan_type exposure, not compliance: the gate's threshold is for compliance scores, ",
		"so data.aether365_scan.latest must read scan_type = \"compliance\".",
	])}
}

test_a_scan_type_filter_in_another_case_is_still_compliance if {
	aether365.allow with input as configured_plan(
		object.union(good_scan, {"scan_type": "Compliance"}),
		{"scan_type": {"constant_value": "Compliance"}},
	)
		with data.aether365_policy as settings
}

test_without_a_scan_type_filter_the_newest_scan_must_still_be_compliance if {
	aether365.allow with input as configured_plan(good_scan, {}) with data.aether365_policy as settings
	not aether365.allow with input as configured_plan(object.union(good_scan, {"scan_type": "exposure"}), {})
		with data.aether365_policy as settings
	not aether365.allow with input as configured_plan(object.remove(good_scan, ["scan_type"]), {})
		with data.aether365_policy as settings
}

test_a_scan_pinned_by_id_is_denied if {
	pinned := configured_plan(object.union(good_scan, {"id": "scan_old", "score": 95}), {"id": {"constant_value": "scan_old"}})
	denials := aether365.deny with input as pinned with data.aether365_policy as settings
	denials == {concat("", [
		"data.aether365_scan.latest pins a scan by id (scan_old): the gate must judge the newest compliance scan, ",
		"which a pinned scan may not be. Remove id and filter with scan_type = \"compliance\".",
	])}
}

test_a_scan_pinned_by_a_variable_is_denied if {
	pinned := configured_plan(good_scan, {"id": {"references": ["var.scan_id"]}})
	denials := aether365.deny with input as pinned with data.aether365_policy as settings
	count(denials) == 1
	some msg in denials
	contains(msg, "pins a scan by id (from var.scan_id)")
}

test_a_scan_whose_configuration_is_not_in_the_plan_is_denied if {
	bare := object.remove(plan(good_scan), ["configuration"])
	denials := aether365.deny with input as bare with data.aether365_policy as settings
	count(denials) == 1
	some msg in denials
	contains(msg, "its configuration is not in the plan")
}

test_the_expected_tenant_comes_from_data if {
	prod := object.union(settings, {"tenant_id": "t_prod"})
	aether365.allow with input as plan(good_scan) with data.aether365_policy as prod
	other := plan(object.union(good_scan, {"tenant_id": "t_other", "score": 99}))
	denials := aether365.deny with input as other with data.aether365_policy as prod
	denials == {"Scan scan_good is of tenant t_other, not t_prod, the tenant this policy gates (aether365_policy.tenant_id)."}
}

test_any_tenant_is_accepted_when_data_names_none if {
	aether365.allow with input as plan(object.union(good_scan, {"tenant_id": "t_other"})) with data.aether365_policy as settings
}

test_a_missing_tenant_is_denied_when_data_names_one if {
	denials := aether365.deny with input as plan(object.remove(good_scan, ["tenant_id"]))
		with data.aether365_policy as object.union(settings, {"tenant_id": "t_prod"})
	denials == {"data.aether365_scan.latest has no tenant_id in the plan; the gate does not pass on a missing value."}
}
