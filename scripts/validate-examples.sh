#!/usr/bin/env bash
# make validate-examples: terraform fmt -check and terraform validate for every
# example directory, offline, against the freshly built provider. The check is
# Go (internal/tfworkspace/cmd/validate-examples), beside the harness it uses.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
exec go run ./internal/tfworkspace/cmd/validate-examples
