#!/usr/bin/env bash
# Checks every example directory offline: terraform fmt, then terraform
# validate against the freshly built provider (dev_overrides, no init).
set -euo pipefail
cd "$(dirname "$0")/.."
tf="$(command -v terraform || command -v tofu)" || { echo "terraform or tofu must be on PATH" >&2; exit 1; }
"$tf" fmt -check -recursive examples
bin_dir="$(mktemp -d)"
trap 'rm -rf "$bin_dir"' EXIT
go build -o "$bin_dir/terraform-provider-aether365" .
cat >"$bin_dir/cli.tfrc" <<CFG
provider_installation {
  dev_overrides {
    "registry.terraform.io/aether365/aether365" = "$bin_dir"
  }
  direct {}
}
CFG
export TF_CLI_CONFIG_FILE="$bin_dir/cli.tfrc" CHECKPOINT_DISABLE=1
status=0
while IFS= read -r dir; do
  if out="$(cd "$dir" && "$tf" validate -no-color 2>&1)"; then
    echo "ok   $dir"
  else
    echo "FAIL $dir"; echo "$out"; status=1
  fi
done < <(find examples -name '*.tf' -exec dirname {} \; | sort -u)
exit "$status"
