terraform {
  required_version = ">= 1.14.1"
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

# The API key comes from AETHER365_API_KEY (a CI secret).
provider "aether365" {}

variable "min_score" {
  description = "Lowest security score, in percent, that lets the pipeline pass."
  type        = number
  default     = 75
}

# The automation page's three workflow steps (trigger, poll 30 x 30 s, compare with 75)
# as one action: terraform apply -invoke=action.aether365_run_scan.weekly
action "aether365_run_scan" "weekly" {
  config {
    scan_type = "compliance"
    min_score = var.min_score
    # The automation page's job gave up after 30 polls 30 seconds apart (15 minutes);
    # Aether365 fails a scan only after 30 minutes, so wait longer.
    timeout = "45m"
  }
}

# A deployment preceded by a fresh scan that must pass: Terraform runs the
# action before creating or updating the release, and stops if it fails.
action "aether365_run_scan" "pre_deploy" {
  config {
    scan_type = "compliance"
    min_score = var.min_score
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
