#!/usr/bin/env bash
# make demo: the provider's main job, end to end, on this machine only.
# The demo itself is Go (internal/tfworkspace/cmd/demo), where the harness
# that builds the provider and starts the simulator lives; this only checks
# that Go is there to run it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
command -v go >/dev/null 2>&1 || {
  echo "demo failed: Go is not on PATH. Install Go 1.26 or later (https://go.dev/doc/install) and run 'make demo' again." >&2
  exit 1
}
exec go run ./internal/tfworkspace/cmd/demo
