#!/usr/bin/env bash
# Proxy overhead of LoadBalancerWork (docs/components/autoscale.md): wrk
# (Debian package `wrk`, keep-alive) against one replica directly and through
# the balancer in front of it, small bodies (GET /delay?ms=0: the test
# replica's handler answers on its next loop turn, a ~30-byte JSON body), at
# c=1 and c=16. The replica and the balancer are the test app's
# (tests/components/autoscale/apps/autoscale_app.cpp, scenario "one": one
# replica). The load average is printed with each run: the machine is shared.
# Usage: bench/autoscale.sh [build dir, default build/ci] [seconds, default 5]
#        [connection counts, default "1 16"]
# Figures go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/ci}
secs=${2:-5}
conns=${3:-1 16}
exe=$B/tests/components/autoscale/apps/autoscale_app
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
[ -x "$exe" ] || { echo "build $exe first (cmake --build --preset ci --target autoscale_test_app)" >&2; exit 1; }
tmp=$(mktemp -d)
app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
LIGHTNING_HTTP_PORT=0 "$exe" --run-dir "$tmp/run" --quiet-works --log-level warn -- one "$tmp" &
app=$!
for _ in $(seq 1 600); do
  [ -s "$tmp/status.json" ] && grep -q '"ready":1' "$tmp/status.json" && break
  sleep 0.05
done
lb=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["url"])' "$tmp/status.json")
replica=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["urls"]["replica_0"])' "$tmp/status.json")
replica_pid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["pids"]["replica_0"])' "$tmp/status.json")
# The balancer's process: the descendant of the app with a thread named lightning-lb.
lb_pid=
for p in $(pstree -p "$app" | grep -o '([0-9]*)' | tr -d '()'); do
  grep -qx lightning-lb /proc/"$p"/task/*/comm 2>/dev/null && { lb_pid=$p; break; }
done
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{s += $1} END {printf "%.0f", s}'; }
echo "# balancer $lb (pid $lb_pid), replica $replica (pid $replica_pid), $(nproc) cores"
for c in $conns; do
  t=$((c < 2 ? 1 : 2))
  for target in direct balancer; do
    url=$replica; [ "$target" = balancer ] && url=$lb
    echo "## $target: wrk -t$t -c$c -d${secs}s --latency $url/delay?ms=0 (load average $(cut -d' ' -f1-3 /proc/loadavg))"
    lb0=$(cpu_ns "$lb_pid"); r0=$(cpu_ns "$replica_pid")
    wrk -t"$t" -c"$c" -d"${secs}s" --latency "$url/delay?ms=0" >"$tmp/wrk.out"
    lb1=$(cpu_ns "$lb_pid"); r1=$(cpu_ns "$replica_pid")
    grep -E 'Requests/sec|Latency |50%|99%|Non-2xx|Socket errors' "$tmp/wrk.out"
    reqs=$(sed -n 's/^ *\([0-9]*\) requests in.*/\1/p' "$tmp/wrk.out")
    awk -v b=$((lb1 - lb0)) -v r=$((r1 - r0)) -v n="$reqs" 'BEGIN {
      printf "  CPU per request: balancer %.1f us, replica %.1f us (%d requests)\n", b / n / 1e3, r / n / 1e3, n }'
  done
done
touch "$tmp/stop"
wait "$app" || true
app=
