# The API key's own account: "me", or its ID.
terraform import aether365_tenant_profile.this me
