#!/usr/bin/env bash
# Runs every benchmark of the core runtime and prints one JSON line each.
# Usage: bench/run.sh [build dir, default build/release]
# Figures and the machine they came from go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/release}/bench
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "# latency (flow->work dispatch, blocking call round trip, work->flow state)"
"$B/bench_latency" --run-dir "$tmp/lat" --quiet-works -- 500

echo "# work fails (exception / abort) -> flow sees has_failed()"
"$B/bench_failure" --run-dir "$tmp/fail" --quiet-works --log-level critical -- 30

echo "# launch of a compiled app -> first Flow::run"
"$B/bench_startup_driver" "$B/bench_startup" 50 --run-dir "$tmp/start" --log-level warn

echo "# parallel trivial works, launch -> all succeeded"
for n in 50 1000; do
  rm -rf "$tmp/fan"
  "$B/bench_fanout" --run-dir "$tmp/fan" --quiet-works --log-level error -- "$n"
done

echo "# memory: 50 idle works, PSS summed over the controller, the zygote and every work"
rm -rf "$tmp/mem"
"$B/bench_fanout" --run-dir "$tmp/mem" --quiet-works --log-level error -- 50 hold >"$tmp/mem.out" &
app=$!
for _ in $(seq 1 200); do grep -q READY "$tmp/mem.out" 2>/dev/null && break; sleep 0.05; done
pids="$app $(pgrep -P "$app" || true)"
for z in $(pgrep -P "$app" || true); do pids="$pids $(pgrep -P "$z" || true)"; done
total=0; n=0
for p in $pids; do
  kb=$(awk '/^Pss:/ {print $2}' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)
  total=$((total + kb)); n=$((n + 1))
done
kill -TERM "$app"; wait "$app" || true
echo "{\"processes\": $n, \"pss_total_mib\": $(awk -v k="$total" 'BEGIN {printf "%.1f", k/1024}')}"
