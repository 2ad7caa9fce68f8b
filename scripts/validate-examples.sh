#!/usr/bin/env bash
# make validate-examples: terraform fmt -check and terraform validate for every
# example directory, offline, against the freshly built provider. The check is
# Go (internal/tfworkspace/cmd/validate-examples), beside the harness it uses.
#
# A directory whose required_version the terraform on PATH does not meet (the
# actions and list resources need 1.14.1, import by identity 1.12) is skipped
# with a message naming the version it needs; it is still checked by
# terraform fmt. CI validates every directory with Terraform 1.15.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

tf="$(command -v terraform || command -v tofu || true)"
if [ -z "$tf" ]; then
  echo "validate-examples: neither terraform nor tofu is on PATH" >&2
  exit 1
fi
# "Terraform v1.11.4" or "OpenTofu v1.10.6": required_version is checked against it.
read -r cli version < <("$tf" version 2>/dev/null | sed -n '1s/^\([A-Za-z]*\) v\([0-9][0-9.]*\).*/\1 \2/p')
if [ -z "${version:-}" ]; then
  echo "validate-examples: cannot tell the version of $tf" >&2
  exit 1
fi

# at_least A B: version A is B or later.
at_least() { [ "$(printf '%s\n%s\n' "$2" "$1" | sort -V | head -n1)" = "$2" ]; }

skipped=()
while IFS= read -r dir; do
  # The examples state their minimum as required_version = ">= X.Y[.Z]".
  needs="$(sed -n 's/^[[:space:]]*required_version[[:space:]]*=[[:space:]]*">=[[:space:]]*\([0-9][0-9.]*\)".*/\1/p' "$dir"/*.tf | sort -V | tail -n1)"
  if [ -n "$needs" ] && ! at_least "$version" "$needs"; then
    echo "skip $dir: needs Terraform $needs or later, this is $cli $version"
    skipped+=("$dir")
  fi
done < <(find examples -name '*.tf' -exec dirname {} \; | sort -u)

if [ ${#skipped[@]} -eq 0 ]; then
  exec go run ./internal/tfworkspace/cmd/validate-examples
fi

# The skipped directories are still formatted as the others are.
"$tf" fmt -check -recursive "${skipped[@]}"

# The checker validates every directory under ./examples: run it on a copy
# without the skipped ones, in a Go workspace that still builds this module.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cp -R examples "$work/examples"
for dir in "${skipped[@]}"; do rm -rf "${work:?}/$dir"; done
go build -o "$work/validate-examples" ./internal/tfworkspace/cmd/validate-examples
(cd "$work" && go work init "$OLDPWD" && ./validate-examples)
