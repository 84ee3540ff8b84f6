#!/usr/bin/env bash
# GET /api/v1/state under load from wrk (Debian package `wrk`) on an app with
# 100 works that have all finished their call (the state is stable, so every
# request is served from the per-version body cache).
# Besides wrk's figures it prints the app's CPU per request (all its threads,
# from /proc/<pid>/task/*/schedstat, ns) and the loop thread's alone: on a
# shared machine wall-clock throughput is noisy, CPU per request much less so.
# Usage: bench/http.sh [build dir, default build/release] [seconds, default 10]
#        [connection counts, default "1 16 64"]
# Figures go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/release}/bench
secs=${2:-10}
conns=${3:-1 16 64}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
tmp=$(mktemp -d)
app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
"$B/bench_http_state" --run-dir "$tmp/run" --port 0 --quiet-works --log-level warn -- 100 &
app=$!
for _ in $(seq 1 400); do [ -s "$tmp/run/api.json" ] && break; sleep 0.05; done
url=$(sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$tmp/run/api.json")
# Wait until all 100 works have succeeded (the state stops changing).
for _ in $(seq 1 400); do
  n=$(curl -s "$url/api/v1/state" | grep -o '"stage":"succeeded"' | wc -l)
  [ "$n" -ge 100 ] && break
  sleep 0.05
done
echo "# state body: $(curl -s "$url/api/v1/state" | wc -c) bytes, $n works succeeded"
# CPU time (ns) the app's threads have used: all of them, and the loop (main) thread.
app_cpu_ns() { cat /proc/"$app"/task/*/schedstat | awk '{s += $1} END {printf "%.0f", s}'; }
loop_cpu_ns() { awk '{printf "%.0f", $1}' /proc/"$app"/task/"$app"/schedstat; }
for c in $conns; do
  t=$((c < 2 ? 1 : 2))  # wrk needs at least one connection per thread
  echo "# wrk -t$t -c$c -d${secs}s --latency $url/api/v1/state (load average $(cut -d' ' -f1-3 /proc/loadavg))"
  cpu0=$(app_cpu_ns); loop0=$(loop_cpu_ns)
  wrk -t"$t" -c"$c" -d"${secs}s" --latency "$url/api/v1/state" >"$tmp/wrk.out"
  cpu1=$(app_cpu_ns); loop1=$(loop_cpu_ns)
  grep -E 'Requests/sec|Latency|50%|90%|99%|Transfer' "$tmp/wrk.out"
  reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/wrk.out")
  awk -v a=$((cpu1 - cpu0)) -v l=$((loop1 - loop0)) -v r="$reqs" 'BEGIN {
    printf "  app CPU per request: %.2f us (loop thread %.2f us), %d requests\n", a / r / 1e3, l / r / 1e3, r }'
done
curl -s -X POST -H "Authorization: Bearer $(cat "$tmp/run/api-token")" "$url/api/v1/app/stop" >/dev/null
wait "$app" || true
app=
