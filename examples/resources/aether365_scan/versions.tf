# Not part of the documentation: lets `terraform validate` run in this
# directory. import-by-identity.tf names a scan by its identity, which needs
# Terraform 1.12 or later.
terraform {
  required_version = ">= 1.12"
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}
