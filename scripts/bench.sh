#!/usr/bin/env bash
# make bench: the provider's performance benchmarks, side by side with the seed's
# own patterns, on this machine only (aether365-sim on loopback).
#
#   P1  terraform apply of one 5 s scan vs. the seed's Python polling loop
#   P2  status polls for a 10-minute scan (Go benchmark, simulated clock)
#   P3  10,000 results: the pager vs. the seed's page-by-page loop (Go benchmark)
#   P4  the provider's peak memory in terraform plan/apply reading 10,000 results
#   P5  50 scans via for_each under a 20 req/s server rate limit
#   E   large result sets end to end through terraform (12.5k failed results
#       at +100 ms vs the seed's page loop; 1k/10k/50k curve; state slimming)
#       and the provider's conversion benchmark (in-process)
#
# Writes .bench/results.md (also printed), .bench/results.json,
# .bench/performance-time-to-result.svg, .bench/performance-large-results.svg
# and logs under .bench/logs.
# BENCH_PUBLISH=1 also copies the three results into bench/results/, the copy
# the Performance guide refers to. Everything started is stopped on exit.
set -euo pipefail

repo_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
out_dir="${BENCH_OUT:-$repo_root/.bench}"
readonly go_bench_limit=300  # seconds for the Go benchmarks
readonly run_limit=1200      # seconds for the Terraform parts and the report
readonly benchtime=3x        # iterations of each main Go benchmark

die() {
  printf 'bench failed: %s\n' "$*" >&2
  exit 1
}

command -v go >/dev/null 2>&1 || die "Go is not on PATH"
if command -v terraform >/dev/null 2>&1; then
  tf=terraform
elif command -v tofu >/dev/null 2>&1; then
  tf=tofu
else
  die "neither terraform nor tofu is on PATH"
fi
python=python3
command -v "$python" >/dev/null 2>&1 || python=python # benchrun falls back to the closed form

work="$(mktemp -d "${TMPDIR:-/tmp}/aether365-bench.XXXXXX")"
child=""
cleanup() {
  local status=$?
  if [[ -n "$child" ]] && kill -0 "$child" 2>/dev/null; then
    kill -TERM "$child" 2>/dev/null || true
    wait "$child" 2>/dev/null || true
  fi
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# run_bounded LIMIT CMD...: runs CMD in the background (so the trap can stop
# it) and stops it after LIMIT seconds.
run_bounded() {
  local limit=$1
  shift
  timeout --kill-after=10 "$limit" "$@" &
  child=$!
  local status=0
  wait "$child" || status=$?
  child=""
  [[ $status -eq 124 ]] && die "$* did not finish within ${limit}s"
  return "$status"
}

cd "$repo_root"
mkdir -p "$out_dir"
started=$(date +%s)

echo "bench: building the provider, aether365-sim and the bench helpers" >&2
go build -o "$work/bin/terraform-provider-aether365" .
go build -o "$work/bin/aether365-sim" ./cmd/aether365-sim
go build -o "$work/bin/rsswrap" ./bench/cmd/rsswrap
go build -o "$work/bin/benchrun" ./bench/cmd/benchrun

echo "bench: Go benchmarks (P2 polite polling, P3 pagination)" >&2
gobench="$out_dir/gobench.txt"
bench_failed() {
  cat "$gobench" >&2
  die "go test -bench failed"
}
run_bounded "$go_bench_limit" go test -run '^$' -bench 'P2PolitePolling|P3Pagination$' -benchtime="$benchtime" \
  ./bench/... >"$gobench" || bench_failed
# Informational sweeps: one iteration each.
run_bounded "$go_bench_limit" go test -run '^$' -bench 'P3Concurrency|P3RateLimited' -benchtime=1x \
  ./bench/... >>"$gobench" || bench_failed
run_bounded "$go_bench_limit" go test -run '^$' -bench 'ScanResultsConversion' -benchtime=1x \
  ./internal/provider/ >>"$gobench" || bench_failed
grep '^Benchmark' "$gobench" >&2

echo "bench: Terraform parts (P1, P4, P5) and the report" >&2
publish=()
if [[ "${BENCH_PUBLISH:-}" == 1 ]]; then
  publish=(-publish "$repo_root/bench/results")
fi
run_bounded "$run_limit" "$work/bin/benchrun" -bin "$work/bin" -out "$out_dir" -repo "$repo_root" \
  -gobench "$gobench" -terraform "$tf" -python "$python" "${publish[@]}"

echo >&2
echo "bench: done in $(($(date +%s) - started))s; results in ${out_dir#"$repo_root"/}/ (results.md, results.json, performance-time-to-result.svg)" >&2
