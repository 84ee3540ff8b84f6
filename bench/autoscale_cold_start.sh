#!/usr/bin/env bash
# Cold start of AutoScaler with min_replicas 0 (docs/components/autoscale.md,
# "Scale to zero and from zero"): the test app's "zero" scenario
# (tests/components/autoscale/apps/autoscale_app.cpp: echo replicas, no
# libtorch, scale_in_cooldown 1 s). Each round waits until the app is at zero
# replicas, then times one request (curl's time_total: connect, the request
# held by the balancer while a replica is started and probed, the answer).
# The load average is printed: the machine is shared.
# Usage: bench/autoscale_cold_start.sh [build dir, default build/ci] [rounds, default 5]
# Figures go in docs/components/autoscale.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/ci}
rounds=${2:-5}
exe=$B/tests/components/autoscale/apps/autoscale_app
[ -x "$exe" ] || { echo "build $exe first (cmake --build --preset ci --target autoscale_test_app)" >&2; exit 1; }
tmp=$(mktemp -d)
app=
cleanup() { [ -n "$app" ] && kill "$app" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
LIGHTNING_HTTP_PORT=0 "$exe" --run-dir "$tmp/run" --quiet-works --log-level "${LOG_LEVEL:-warn}" -- zero "$tmp" &
app=$!
field() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$tmp/status.json" "$1" 2>/dev/null || true; }
at_zero() { [ -s "$tmp/status.json" ] && [ "$(field replicas)" = 0 ] && [ "$(field phases)" = "{}" ]; }
for _ in $(seq 1 600); do [ -s "$tmp/status.json" ] && [ -n "$(field url)" ] && break; sleep 0.05; done
lb=$(field url)
echo "# balancer $lb, $(nproc) cores"
for r in $(seq 1 "$rounds"); do
  for _ in $(seq 1 400); do at_zero && break; sleep 0.05; done
  at_zero || { echo "not back at zero replicas" >&2; exit 1; }
  t=$(curl -sS -o /dev/null -w '%{http_code} %{time_total}' -X POST -d '{}' "$lb/delay?ms=0")
  echo "round $r: HTTP ${t% *}, cold start $(awk -v s="${t#* }" 'BEGIN {printf "%.1f", s * 1000}') ms, load $(cut -d' ' -f1 /proc/loadavg)"
done
