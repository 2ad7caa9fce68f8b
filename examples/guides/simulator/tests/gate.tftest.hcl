# `terraform test` against aether365-sim, started beforehand with:
#   aether365-sim --score 87 --scan-duration 2s

provider "aether365" {
  base_url = "http://127.0.0.1:8365"
  api_key  = "ae_live_demo"
}

run "scan_completes_and_passes_the_gate" {
  variables {
    min_score = 80
  }

  assert {
    condition     = aether365_scan.this.status == "completed"
    error_message = "The scan did not complete."
  }

  assert {
    condition     = aether365_scan.this.score == 87
    error_message = "The simulator was started with --score 87."
  }

  assert {
    condition     = aether365_scan.this.pass_count + aether365_scan.this.fail_count > 0
    error_message = "A completed scan has passed and failed checks."
  }
}

run "gate_blocks_a_low_score_at_plan_time" {
  command = plan

  variables {
    min_score = 95
  }

  expect_failures = [terraform_data.deployment]
}
