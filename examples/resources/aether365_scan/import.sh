# A scan is imported by its ID, as shown in Aether365 or returned by the API.
terraform import aether365_scan.compliance scn_0123456789abcdef01234567
