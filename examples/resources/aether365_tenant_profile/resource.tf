# The company name shown in Aether365's reports and e-mails.
resource "aether365_tenant_profile" "this" {
  company_name = "Contoso Ltd"
}
