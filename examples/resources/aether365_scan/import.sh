# A scan of the provider's tenant is imported by its ID, as shown in Aether365 or returned by the API.
terraform import aether365_scan.compliance scn_0123456789abcdef01234567

# A scan of another tenant the API key may see is imported as TENANT/SCAN_ID.
terraform import aether365_scan.fabrikam fabrikam/scn_0123456789abcdef01234567
