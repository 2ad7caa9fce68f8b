# Run a fresh scan, which must pass, before every deployment of the release.
action "aether365_run_scan" "pre_deploy" {
  config {
    scan_type = "compliance"
    min_score = 80
  }
}

resource "terraform_data" "release" {
  input = "app v2.4.0"

  lifecycle {
    action_trigger {
      events  = [before_create, before_update]
      actions = [action.aether365_run_scan.pre_deploy]
    }
  }
}
