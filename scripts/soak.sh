#!/usr/bin/env bash
# make soak: the provider against a deliberately unreliable Aether365 API, for
# as many create/plan/destroy cycles as time allows, with real Terraform.
#
# Builds aether365-sim and terraform-provider-aether365, starts the simulator
# on a free loopback port with every fault switched on (503s, connection
# resets after the request was processed, broken bodies, a rate limit, added
# latency), then repeats: terraform apply (SOAK_RESOURCES scans created in
# parallel, plus a paginated results data source), terraform plan (must be
# empty), terraform destroy. Each Terraform run logs at TF_LOG=trace.
#
# It counts failed Terraform runs, duplicate scans (the server created more
# scans during an apply than the apply recorded), orphaned scans (scans on the
# server that never appeared in state), key leaks (the API key in any trace
# log, output or state file) and the faults the simulator injected (from its
# request log), and writes .soak/summary.md and .soak/summary.json. It stops by
# itself after SOAK_CYCLES cycles or SOAK_SECONDS seconds, whichever comes
# first, and stops the simulator on exit. Exit status 1 if anything was lost,
# duplicated or leaked.
#
# Knobs (environment):
#   SOAK_CYCLES=50 SOAK_SECONDS=600 SOAK_RESOURCES=3 SOAK_SEED=365
#   SOAK_ERROR_RATE=0.3 SOAK_RESET_RATE=0.1 SOAK_MALFORMED_RATE=0.1
#   SOAK_RATE_LIMIT=20 SOAK_LATENCY=20ms SOAK_SCAN_DURATION=2s SOAK_RESULTS=250
#   SOAK_MAX_RETRIES=20 SOAK_KEEP_LOGS=0 (1 keeps every trace log under .soak/run)
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo_root"

cycles_max=${SOAK_CYCLES:-50}
seconds_max=${SOAK_SECONDS:-600}
resources=${SOAK_RESOURCES:-3}
seed=${SOAK_SEED:-365}
error_rate=${SOAK_ERROR_RATE:-0.3}
reset_rate=${SOAK_RESET_RATE:-0.1}
malformed_rate=${SOAK_MALFORMED_RATE:-0.1}
rate_limit=${SOAK_RATE_LIMIT:-20}
latency=${SOAK_LATENCY:-20ms}
scan_duration=${SOAK_SCAN_DURATION:-2s}
results=${SOAK_RESULTS:-250}
max_retries=${SOAK_MAX_RETRIES:-20}
keep_logs=${SOAK_KEEP_LOGS:-0}
readonly run_timeout=300 # seconds; a single Terraform run that takes longer counts as failed
readonly tenant=soak

die() {
  printf 'soak: %s\n' "$*" >&2
  exit 2
}
log() { printf '[soak %s] %s\n' "$(date -u +%H:%M:%S)" "$*"; }

for tool in go terraform curl jq timeout; do
  command -v "$tool" >/dev/null 2>&1 || die "$tool is not on PATH"
done
[[ $cycles_max =~ ^[0-9]+$ && $seconds_max =~ ^[0-9]+$ && $resources =~ ^[1-9][0-9]*$ ]] ||
  die "SOAK_CYCLES and SOAK_SECONDS must be whole numbers, SOAK_RESOURCES at least 1"

# --- workspace ----------------------------------------------------------------
out_dir="$repo_root/.soak"
run_dir="$out_dir/run"
rm -rf "$run_dir"
mkdir -p "$run_dir/bin" "$run_dir/tf" "$run_dir/logs"

# The settings of the caller's shell that would change what is measured.
unset AETHER365_TENANT_ID AETHER365_MAX_RETRIES AETHER365_ALLOW_INSECURE_HTTP AETHER365_REQUESTS_PER_SECOND AETHER365_BASE_URL
unset TF_CLI_ARGS TF_CLI_ARGS_plan TF_CLI_ARGS_apply TF_CLI_ARGS_destroy TF_WORKSPACE TF_DATA_DIR TF_LOG TF_LOG_PATH TF_LOG_PROVIDER TF_LOG_CORE
export CHECKPOINT_DISABLE=1 TF_IN_AUTOMATION=1 TF_INPUT=0

log "building aether365-sim and terraform-provider-aether365"
go build -o "$run_dir/bin/aether365-sim" ./cmd/aether365-sim
go build -o "$run_dir/bin/terraform-provider-aether365" .

# A distinctive key, so a leak anywhere is unmistakable.
api_key="ae_live_soak_$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
export AETHER365_API_KEY="$api_key"

# --- simulator ----------------------------------------------------------------
sim_log="$run_dir/sim.log"
sim_pid=
cleanup() {
  if [[ -n $sim_pid ]] && kill -0 "$sim_pid" 2>/dev/null; then
    kill -INT "$sim_pid" 2>/dev/null || true
    wait "$sim_pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

"$run_dir/bin/aether365-sim" --listen 127.0.0.1:0 --api-key "$api_key=$tenant" --seed "$seed" \
  --error-rate "$error_rate" --reset-rate "$reset_rate" --malformed-rate "$malformed_rate" \
  --rate-limit "$rate_limit" --latency "$latency" --scan-duration "$scan_duration" --results "$results" \
  >"$run_dir/sim.stdout" 2>"$sim_log" &
sim_pid=$!
base_url=
for _ in $(seq 1 100); do
  if line=$(head -n 1 "$run_dir/sim.stdout" 2>/dev/null) && [[ $line == "aether365-sim listening on "* ]]; then
    base_url=${line#aether365-sim listening on }
    break
  fi
  kill -0 "$sim_pid" 2>/dev/null || die "aether365-sim exited: $(cat "$sim_log")"
  sleep 0.1
done
[[ -n $base_url ]] || die "aether365-sim did not start within 10 s"
log "simulator at $base_url (seed $seed; error $error_rate, reset $reset_rate, malformed $malformed_rate, rate limit $rate_limit/s, latency $latency, scans take $scan_duration)"

# --- Terraform configuration --------------------------------------------------
cat >"$run_dir/terraform.rc" <<EOF
provider_installation {
  dev_overrides {
    "registry.terraform.io/aether365/aether365" = "$run_dir/bin"
  }
  direct {}
}
EOF
export TF_CLI_CONFIG_FILE="$run_dir/terraform.rc"
cat >"$run_dir/tf/main.tf" <<EOF
terraform {
  required_providers {
    aether365 = {
      source = "aether365/aether365"
    }
  }
}

variable "cycle" {
  type = string
}

# The key comes from AETHER365_API_KEY, never from configuration.
provider "aether365" {
  base_url    = "$base_url"
  max_retries = $max_retries
}

resource "aether365_scan" "soak" {
  count     = $resources
  scan_type = "compliance"
  triggers  = { cycle = var.cycle }
}

data "aether365_scan_results" "all" {
  scan_id = aether365_scan.soak[0].id
  result  = "All"
}

output "results_total" {
  value = data.aether365_scan_results.all.total
}
EOF

# --- helpers ------------------------------------------------------------------
# api_get PATH prints the JSON answer of a GET, retrying until the simulator's
# faults let a well-formed success envelope through.
api_get() {
  local body
  for _ in $(seq 1 60); do
    # An empty body must be rejected here: jq -e accepts empty input.
    if body=$(curl -sS --max-time 10 -H "Authorization: Bearer $api_key" "$base_url$1" 2>/dev/null) &&
      [[ $body == *[![:space:]]* ]] && jq -e 'type == "object" and .success == true' >/dev/null 2>&1 <<<"$body"; then
      printf '%s' "$body"
      return 0
    fi
    sleep 0.2
  done
  return 1
}

# server_scan_total prints how many scans the tenant has on the server.
server_scan_total() { api_get "/tenants/me/scans?limit=1" | jq -r '.meta.total'; }

# server_scan_ids prints every scan ID of the tenant, one per line.
server_scan_ids() {
  local page=1 pages body
  while :; do
    body=$(api_get "/tenants/me/scans?limit=100&page=$page") || return 1
    jq -r '.data[].id' <<<"$body"
    pages=$(jq -r '.meta.totalPages' <<<"$body")
    ((page >= pages)) && break
    page=$((page + 1))
  done
}

# state_scan_ids prints the IDs of the scans in the state file.
state_scan_ids() {
  [[ -f $run_dir/tf/terraform.tfstate ]] || return 0
  jq -r '.resources[]? | select(.type == "aether365_scan") | .instances[].attributes.id // empty' "$run_dir/tf/terraform.tfstate"
}

failures=0 runs=0 duplicates=0 orphans_during=0 leaks=0 leak_files=0 searched_bytes=0
failure_notes=()
: >"$run_dir/recorded_ids"

# tf CYCLE NAME ARGS... runs one Terraform command at TF_LOG=trace, checks its
# log and output for the key, and reports success.
tf() {
  local cycle=$1 name=$2
  shift 2
  local base="$run_dir/logs/cycle-$cycle-$name"
  local status=0
  runs=$((runs + 1))
  (cd "$run_dir/tf" && TF_LOG=trace TF_LOG_PATH="$base.trace" timeout "$run_timeout" terraform "$@" -no-color -input=false \
    >"$base.out" 2>&1) || status=$?
  local file n
  for file in "$base.trace" "$base.out" "$run_dir/tf/terraform.tfstate" "$run_dir/tf/terraform.tfstate.backup"; do
    [[ -f $file ]] || continue
    searched_bytes=$((searched_bytes + $(wc -c <"$file")))
    n=$(grep -c -F -- "$api_key" "$file" || true)
    if ((n > 0)); then
      leaks=$((leaks + n))
      leak_files=$((leak_files + 1))
      log "KEY LEAK: $n occurrence(s) in $file"
      cp "$file" "$file.leak" 2>/dev/null || true
    fi
  done
  if ((keep_logs == 0)); then
    rm -f "$base.trace"
  fi
  return "$status"
}

# --- the soak -----------------------------------------------------------------
started=$(date +%s)
cycle=0
log "running up to $cycles_max cycles or $seconds_max s, $resources scan(s) per cycle"
while ((cycle < cycles_max)) && (($(date +%s) - started < seconds_max)); do
  cycle=$((cycle + 1))
  before=$(server_scan_total) || die "cannot read the server's scan count"

  apply_ok=1
  if ! tf "$cycle" apply apply -auto-approve -var "cycle=$cycle"; then
    apply_ok=0
    failures=$((failures + 1))
    failure_notes+=("cycle $cycle: apply failed: $(grep -m1 -A3 '^Error:' "$run_dir/logs/cycle-$cycle-apply.out" | tr '\n' ' ' | cut -c1-300)")
  fi
  recorded=$(state_scan_ids | sort -u)
  if [[ -n $recorded ]]; then
    printf '%s\n' "$recorded" >>"$run_dir/recorded_ids"
  fi
  recorded_count=$(grep -c . <<<"$recorded" || true)
  after=$(server_scan_total) || die "cannot read the server's scan count"
  extra=$((after - before - recorded_count))
  if ((extra > 0)); then
    if ((apply_ok)); then
      duplicates=$((duplicates + extra))
      log "cycle $cycle: DUPLICATE: the server gained $((after - before)) scans for $recorded_count resources"
    else
      orphans_during=$((orphans_during + extra))
      log "cycle $cycle: ORPHAN: the server gained $((after - before)) scans; state records $recorded_count"
    fi
  fi

  if ((apply_ok)); then
    plan_status=0
    tf "$cycle" plan plan -detailed-exitcode -var "cycle=$cycle" || plan_status=$?
    case $plan_status in
    0) ;;
    2)
      failures=$((failures + 1))
      failure_notes+=("cycle $cycle: plan after apply was not empty")
      ;;
    *)
      failures=$((failures + 1))
      failure_notes+=("cycle $cycle: plan failed: $(grep -m1 -A3 '^Error:' "$run_dir/logs/cycle-$cycle-plan.out" | tr '\n' ' ' | cut -c1-300)")
      ;;
    esac
  fi

  if ! tf "$cycle" destroy destroy -auto-approve -var "cycle=$cycle"; then
    failures=$((failures + 1))
    failure_notes+=("cycle $cycle: destroy failed: $(grep -m1 -A3 '^Error:' "$run_dir/logs/cycle-$cycle-destroy.out" | tr '\n' ' ' | cut -c1-300)")
  fi
  log "cycle $cycle: apply $([[ $apply_ok == 1 ]] && echo ok || echo FAILED), server holds $after scans, $failures failure(s) so far"
done
elapsed=$(($(date +%s) - started))

# --- accounting ---------------------------------------------------------------
server_ids=$(server_scan_ids | sort -u) || die "cannot list the server's scans"
server_count=$(grep -c . <<<"$server_ids" || true)
recorded_all=$(sort -u "$run_dir/recorded_ids")
recorded_total=$(grep -c . <<<"$recorded_all" || true)
orphaned=$(comm -23 <(printf '%s\n' "$server_ids") <(printf '%s\n' "$recorded_all") | grep -c . || true)
missing=$(comm -13 <(printf '%s\n' "$server_ids") <(printf '%s\n' "$recorded_all") | grep -c . || true)
expected=$((cycle * resources))

# Faults, from the simulator's request log: one line per request.
sim_requests=$(grep -c ' req_' "$sim_log" || true)
count_log() { grep -c -E -- "$1" "$sim_log" || true; }
f_error=$(count_log ' fault=error$')
f_reset=$(count_log ' fault=reset$')
f_html=$(count_log ' fault=malformed-html$')
f_trunc=$(count_log ' fault=malformed-truncated$')
f_empty=$(count_log ' fault=malformed-empty$')
f_false=$(count_log ' fault=malformed-error-with-200$')
f_429=$(count_log ' 429 [^ ]+ req_[0-9a-f]+$')
f_malformed=$((f_html + f_trunc + f_empty + f_false))
sim_leaks=$(grep -c -F -- "$api_key" "$sim_log" || true)
leaks=$((leaks + sim_leaks))

key_masked="${api_key:0:13}***"
when=$(date -u +%Y-%m-%dT%H:%M:%SZ)
machine="$(uname -sm), $(nproc) CPU(s)"
go_version=$(go env GOVERSION)
tf_version=$(terraform version -json 2>/dev/null | jq -r '.terraform_version' || terraform version | head -n 1)
verdict=pass
if ((failures + duplicates + orphaned + leaks + missing > 0)); then verdict=fail; fi

jq -n \
  --arg when "$when" --arg machine "$machine" --arg go "$go_version" --arg terraform "$tf_version" \
  --arg verdict "$verdict" --arg key "$key_masked" \
  --argjson cycles "$cycle" --argjson cycles_max "$cycles_max" --argjson seconds_max "$seconds_max" \
  --argjson elapsed "$elapsed" --argjson resources "$resources" --argjson seed "$seed" \
  --arg error_rate "$error_rate" --arg reset_rate "$reset_rate" --arg malformed_rate "$malformed_rate" \
  --arg rate_limit "$rate_limit" --arg latency "$latency" --arg scan_duration "$scan_duration" \
  --argjson results "$results" --argjson max_retries "$max_retries" \
  --argjson runs "$runs" --argjson failures "$failures" --argjson expected "$expected" \
  --argjson recorded "$recorded_total" --argjson server "$server_count" \
  --argjson duplicates "$duplicates" --argjson orphans_during "$orphans_during" --argjson orphaned "$orphaned" \
  --argjson missing "$missing" --argjson leaks "$leaks" --argjson leak_files "$leak_files" \
  --argjson searched_bytes "$searched_bytes" --argjson requests "$sim_requests" \
  --argjson f_error "$f_error" --argjson f_429 "$f_429" --argjson f_reset "$f_reset" \
  --argjson f_malformed "$f_malformed" --argjson f_html "$f_html" --argjson f_trunc "$f_trunc" \
  --argjson f_empty "$f_empty" --argjson f_false "$f_false" \
  --args '{
    when: $when, machine: $machine, go: $go, terraform: $terraform, verdict: $verdict,
    settings: {cycles_max: $cycles_max, seconds_max: $seconds_max, resources_per_cycle: $resources, seed: $seed,
      error_rate: ($error_rate|tonumber), reset_rate: ($reset_rate|tonumber), malformed_rate: ($malformed_rate|tonumber),
      rate_limit_per_second: ($rate_limit|tonumber), latency: $latency, scan_duration: $scan_duration,
      results_per_scan: $results, max_retries: $max_retries, api_key: $key},
    cycles_run: $cycles, seconds: $elapsed, terraform_runs: $runs, failures: $failures,
    scans: {expected: $expected, recorded_in_state: $recorded, on_server: $server,
      duplicates: $duplicates, orphaned: $orphaned, orphaned_by_failed_applies: $orphans_during, recorded_but_missing: $missing},
    key_leaks: {occurrences: $leaks, files: $leak_files, bytes_searched: $searched_bytes},
    requests: $requests,
    faults: {injected_503: $f_error, rate_limited_429: $f_429, resets: $f_reset, malformed: $f_malformed,
      malformed_by_kind: {proxy_html_502: $f_html, truncated_json_200: $f_trunc, empty_200: $f_empty, error_envelope_200: $f_false}}
  }' >"$out_dir/summary.json"

{
  echo "# Soak run $when: $verdict"
  echo
  echo "$machine; Go $go_version, Terraform $tf_version."
  echo
  echo "Simulator: seed $seed; --error-rate $error_rate --reset-rate $reset_rate --malformed-rate $malformed_rate"
  echo "--rate-limit $rate_limit --latency $latency --scan-duration $scan_duration --results $results."
  echo "Each cycle: \`terraform apply\` ($resources scans in parallel and a paginated results data source),"
  echo "\`terraform plan -detailed-exitcode\` (must be empty), \`terraform destroy\`; every run at TF_LOG=trace; max_retries = $max_retries."
  echo
  echo "| Measure | Value |"
  echo "|---|---|"
  echo "| Cycles run (limit $cycles_max cycles / $seconds_max s) | $cycle in ${elapsed} s |"
  echo "| Terraform runs | $runs |"
  echo "| Failed runs | $failures |"
  echo "| Scans created (expected / in state / on server) | $expected / $recorded_total / $server_count |"
  echo "| Duplicate scans | $duplicates |"
  echo "| Orphaned scans | $orphaned |"
  echo "| Key leaks (occurrences in $(numfmt --to=iec "$searched_bytes" 2>/dev/null || echo "$searched_bytes bytes") of logs, output and state) | $leaks |"
  echo "| API requests (Terraform's and this script's accounting GETs) | $sim_requests |"
  echo "| Injected 503 | $f_error |"
  echo "| 429 (rate limit) | $f_429 |"
  echo "| Connection resets (after processing) | $f_reset |"
  echo "| Malformed answers (HTML 502 / truncated / empty / success:false 200) | $f_malformed ($f_html / $f_trunc / $f_empty / $f_false) |"
  if ((${#failure_notes[@]} > 0)); then
    echo
    echo "Failures:"
    for note in "${failure_notes[@]}"; do echo "- $note"; done
  fi
} >"$out_dir/summary.md"
cp "$out_dir/summary.md" "$out_dir/summary.json" "$run_dir/"

cat "$out_dir/summary.md"
[[ $verdict == pass ]]
