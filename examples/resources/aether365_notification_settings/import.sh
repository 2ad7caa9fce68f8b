# An account has one set of notification settings.
terraform import aether365_notification_settings.this notifications
