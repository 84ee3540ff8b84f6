#!/usr/bin/env bash
# Soak benchmark: N parallel works called in a loop for a while; one JSON line
# per 10 s sample (controller RSS and fds, summed RSS of the app's processes,
# dispatch latency p50/p99), then a summary of first vs last sample.
# Builds nothing. Usage: bench/soak.sh [N=200] [seconds=600] [build dir=build/release] [out file]
# The output goes to the out file (default <build dir>/soak-N-seconds-<time>.jsonl)
# and to stdout. Extra app args (e.g. nocache, cache=1000, calls=10000000) go in
# SOAK_ARGS; SOAK_INTERVAL sets the sampling interval in s (default 10). Last, one
# line compares the controller's mean RSS over the first and the last quarter of
# the samples (the 10-million-call soak of docs/benchmarks.md:
#   SOAK_ARGS=calls=10000000 SOAK_INTERVAL=5 bench/soak.sh 8 300 build/ci).
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-200}
seconds=${2:-600}
build=${3:-build/release}
exe="$build/bench/bench_soak"
[ -x "$exe" ] || { echo "soak.sh: $exe not found; build the bench_soak target first" >&2; exit 2; }
out=${4:-$build/soak-$n-$seconds-$(date +%Y%m%d-%H%M%S).jsonl}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# soak: $n works, $seconds s, $(nproc) cores, $(uname -r); output in $out" >&2
# shellcheck disable=SC2086
"$exe" --run-dir "$tmp/run" --quiet-works --log-level warn -- "$n" "$seconds" "${SOAK_INTERVAL:-10}" \
  ${SOAK_ARGS:-} | tee "$out"
# Mean controller RSS of the first and the last quarter of the samples.
awk -F'"controller_rss_kib": ' '
  /^\{"t_s"/ { split($2, a, ","); rss[n++] = a[1] }
  END {
    q = int(n / 4); if (q < 1) exit
    for (i = 0; i < q; i++) { f += rss[i]; l += rss[n - q + i] }
    printf "{\"quarters\": {\"samples\": %d, \"first_quarter_rss_kib\": %.0f, \"last_quarter_rss_kib\": %.0f, \"growth_kib\": %.0f}}\n", n, f / q, l / q, (l - f) / q
  }' "$out"
