variable "teams_webhook_url" {
  description = "Incoming-webhook URL of the security team's Teams channel."
  type        = string
  sensitive   = true
  ephemeral   = true
}

# E-mail only when a scan fails; every outcome to the Teams channel. The
# webhook URL is write-only: it is sent, never stored in plan or state.
resource "aether365_notification_settings" "this" {
  email_on_complete = false
  email_on_fail     = true
  teams_on_complete = true
  teams_on_fail     = true

  teams_webhook_url_wo         = var.teams_webhook_url
  teams_webhook_url_wo_version = 1 # increment to send a new URL
}
