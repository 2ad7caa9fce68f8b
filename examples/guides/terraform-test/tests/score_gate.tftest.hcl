# terraform test for the score gate in main.tf, with no API key, no network
# and no simulator: the aether365 provider is mocked, and each run sets the
# score the data source returns.
mock_provider "aether365" {
  # What every read of the data source returns unless a run overrides it:
  # a completed scan, as Aether365 would report it.
  mock_data "aether365_scan" {
    defaults = {
      id           = "scan_mock"
      status       = "completed"
      scan_type    = "compliance"
      tenant_id    = "t_mock"
      started_at   = "2026-11-30T06:00:00Z"
      completed_at = "2026-11-30T06:14:00Z"
      score        = 88
      pass_count   = 132
      fail_count   = 18
      skip_count   = 5
    }
  }
}

run "a_good_score_passes_the_gate" {
  command = plan

  override_data {
    target = data.aether365_scan.latest
    values = {
      id    = "scan_good"
      score = 88
    }
  }

  assert {
    condition     = output.gate == "scan scan_good: 88% (at least 80% needed)"
    error_message = "Unexpected gate output: ${output.gate}"
  }
}

# The boundary: a score equal to min_score is good enough. This run fails
# when the gate is written with > instead of >=.
run "a_score_equal_to_the_threshold_passes" {
  command = plan

  override_data {
    target = data.aether365_scan.latest
    values = {
      id    = "scan_edge"
      score = 80
    }
  }

  assert {
    condition     = output.gate == "scan scan_edge: 80% (at least 80% needed)"
    error_message = "Unexpected gate output: ${output.gate}"
  }
}

run "a_low_score_stops_the_plan" {
  command = plan

  override_data {
    target = data.aether365_scan.latest
    values = {
      id    = "scan_low"
      score = 60
    }
  }

  # The precondition fails, as it would in a real plan; the run passes
  # because that failure is expected.
  expect_failures = [terraform_data.deployment]
}

run "a_stricter_threshold_stops_a_good_score" {
  command = plan

  variables {
    min_score = 90
  }

  expect_failures = [terraform_data.deployment]
}

run "many_failed_checks_only_warn" {
  command = plan

  override_data {
    target = data.aether365_scan.latest
    values = {
      score      = 85
      fail_count = 40
    }
  }

  # The check block reports a warning; the deployment is not blocked.
  expect_failures = [check.few_failed_checks]
}
