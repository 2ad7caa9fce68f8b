data "aether365_tenant" "this" {}

output "plan" {
  value = data.aether365_tenant.this.plan_tier
}
