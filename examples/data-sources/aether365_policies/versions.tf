# Not part of the documentation: lets `terraform validate` run in this directory.
terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}
