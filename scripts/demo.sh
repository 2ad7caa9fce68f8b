#!/usr/bin/env bash
# make demo: the provider's main job, end to end, on this machine only.
#
# Builds terraform-provider-aether365 and aether365-sim, starts the simulator
# on a free loopback port, points Terraform (or OpenTofu) at the fresh provider
# binary through a temporary CLI configuration (dev_overrides; nothing is
# written to your home directory), applies examples/quickstart (a scan, a
# plan-time gate on the latest score, the critical failures, a CSV export),
# then shows the gate blocking a plan. Everything it starts or writes is
# removed on exit, whatever happens.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# The simulator's settings: short scans, and a fixed score so the output is
# the same on every run.
readonly sim_score=87
readonly sim_scan_duration=3s
readonly demo_key=ae_live_demo # the simulator's built-in demo key (tenant "demo")
readonly blocking_threshold=95 # above sim_score: the gate must block
readonly sim_start_timeout=20  # seconds

if [[ -t 1 ]]; then
  bold=$'\033[1m' green=$'\033[32m' red=$'\033[31m' reset=$'\033[0m'
  color_flag=()
else
  bold='' green='' red='' reset=''
  color_flag=(-no-color)
fi

step=0
section() {
  step=$((step + 1))
  printf '\n%s== %d. %s%s\n' "$bold" "$step" "$1" "$reset"
}
info() { printf '   %s\n' "$*"; }
die() {
  printf '\n%sdemo failed: %s%s\n' "$red" "$*" "$reset" >&2
  exit 1
}

# --- 1. prerequisites ---------------------------------------------------------
section "Checking prerequisites"
command -v go >/dev/null 2>&1 ||
  die "Go is not on PATH. Install Go 1.26 or later (https://go.dev/doc/install) and run 'make demo' again."
if command -v terraform >/dev/null 2>&1; then
  tf=terraform
elif command -v tofu >/dev/null 2>&1; then
  tf=tofu
else
  die "neither terraform nor tofu is on PATH. Install Terraform 1.8+ or OpenTofu 1.8+ and run 'make demo' again."
fi
info "go:        $(go version)"
info "terraform: $(command -v "$tf") ($("$tf" version 2>/dev/null | head -n 1))"

# Settings from the caller's environment that would change what the demo does.
unset AETHER365_TENANT_ID AETHER365_MAX_RETRIES AETHER365_ALLOW_INSECURE_HTTP AETHER365_REQUESTS_PER_SECOND
unset TF_CLI_ARGS TF_CLI_ARGS_plan TF_CLI_ARGS_apply TF_CLI_ARGS_output TF_WORKSPACE TF_DATA_DIR
unset TF_VAR_min_score TF_VAR_scan_run
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

# --- clean-up, registered before anything is started ---------------------------
work="$(mktemp -d "${TMPDIR:-/tmp}/aether365-demo.XXXXXX")"
sim_pid=""
cleanup() {
  local status=$?
  if [[ -n "$sim_pid" ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
  if [[ $status -ne 0 && -s "$work/sim.log" ]]; then
    printf '\nLast lines of the simulator log:\n' >&2
    tail -n 15 "$work/sim.log" >&2 || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# --- 2. build -------------------------------------------------------------------
section "Building the provider and aether365-sim"
mkdir -p "$work/bin"
(cd "$repo_root" && go build -o "$work/bin/terraform-provider-aether365" .) ||
  die "could not build the provider (go build .)"
(cd "$repo_root" && go build -o "$work/bin/aether365-sim" ./cmd/aether365-sim) ||
  die "could not build the simulator (go build ./cmd/aether365-sim)"
info "built into $work/bin"

# --- 3. simulator ---------------------------------------------------------------
section "Starting aether365-sim (the Aether365 API, locally)"
"$work/bin/aether365-sim" --listen 127.0.0.1:0 --scan-duration "$sim_scan_duration" --score "$sim_score" \
  >"$work/sim.out" 2>"$work/sim.log" &
sim_pid=$!

base_url=""
for _ in $(seq 1 $((sim_start_timeout * 10))); do
  if line="$(grep -m 1 '^aether365-sim listening on ' "$work/sim.out" 2>/dev/null)"; then
    base_url="${line##* }"
    break
  fi
  kill -0 "$sim_pid" 2>/dev/null || die "aether365-sim exited before it was ready"
  sleep 0.1
done
[[ -n "$base_url" ]] || die "aether365-sim did not report its address within ${sim_start_timeout}s"
info "listening on $base_url (scans take $sim_scan_duration and score ${sim_score}%)"

export AETHER365_BASE_URL="$base_url"
export AETHER365_API_KEY="$demo_key"

# --- 4. Terraform configuration ---------------------------------------------------
section "Pointing $tf at the freshly built provider"
cat >"$work/cli.tfrc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/aether365/aether365" = "$work/bin"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$work/cli.tfrc"
cp -R "$repo_root/examples/quickstart" "$work/quickstart"
cd "$work/quickstart"
rm -rf .terraform .terraform.lock.hcl terraform.tfstate terraform.tfstate.backup
info "CLI config: $TF_CLI_CONFIG_FILE (dev_overrides; your own configuration is not touched)"
info "working copy of examples/quickstart: $work/quickstart"
info "no '$tf init' needed: the only providers are the dev override and the built-in terraform_data"

# --- 5. plan and apply ------------------------------------------------------------
section "$tf plan (saved, so apply does exactly this)"
"$tf" plan -input=false -compact-warnings -out="$work/demo.tfplan" "${color_flag[@]}"

section "$tf apply (runs the scan, waits for its score, reads the results)"
"$tf" apply -input=false -compact-warnings "${color_flag[@]}" "$work/demo.tfplan" >"$work/apply.log" 2>&1 || {
  cat "$work/apply.log"
  die "$tf apply failed"
}
# Everything but the outputs, which the next section prints one by one.
sed '/^Outputs:/,$d' "$work/apply.log" | sed 's/^/   /'

output() { "$tf" output -raw "$1" 2>>"$work/output.log"; }

section "Results"
printf '   %-18s %s\n' "scan:" "$(output scan_id)"
printf '   %-18s %s%%\n' "score:" "$(output score)"
printf '   %-18s %s%s%s\n' "gate:" "$green" "$(output gate)" "$reset"
printf '   critical failures:\n'
critical="$("$tf" output -no-color critical_failures 2>>"$work/output.log" |
  sed -n 's/^  "\(.*\)",\{0,1\}$/     - \1/p')"
printf '%s\n' "${critical:-     (none)}"
output failures_csv >"$work/failures.csv"
info "failures as CSV ($(($(wc -l <"$work/failures.csv") - 1)) rows; save them with '$tf output -raw failures_csv > failures.csv'):"
head -n 3 "$work/failures.csv" | cut -c 1-110 | sed 's/^/     /'

# --- 6. the gate blocking a plan ------------------------------------------------
section "The gate blocking a deployment: $tf plan -var min_score=$blocking_threshold"
info "the latest score is ${sim_score}%; requiring ${blocking_threshold}% must stop the plan before it changes anything"
if "$tf" plan -input=false -no-color -compact-warnings -var "min_score=$blocking_threshold" >"$work/blocked.log" 2>&1; then
  cat "$work/blocked.log"
  die "the plan succeeded, but the gate should have blocked it"
fi
grep -q 'Deployment blocked' "$work/blocked.log" || {
  cat "$work/blocked.log"
  die "the plan failed, but not because of the gate"
}
printf '   %sblocked, as expected (%s exited non-zero):%s\n' "$green" "$tf plan" "$reset"
sed -n '/Error: /,$p' "$work/blocked.log" | sed 's/^/     /'

section "Done"
info "The provider ran a scan, gated on its score at plan time, listed the critical failures"
info "and exported them to CSV, all against aether365-sim. Next: README.md, docs/guides/."
info "Stopping the simulator and removing $work."
