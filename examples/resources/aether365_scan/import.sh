# A scan of the provider's account is imported by its ID, as shown in Aether365 or returned by the API.
terraform import aether365_scan.compliance scan_abc123

# Naming the account (t_...) as well: ACCOUNT/SCAN_ID.
terraform import aether365_scan.compliance t_abc123/scan_abc123
