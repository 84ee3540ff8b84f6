#!/usr/bin/env bash
# GET /api/v1/state under load from wrk (Debian package `wrk`) on an app with
# 100 works that have all finished their call (the state is stable, so every
# request is served from the per-version body cache).
# Usage: bench/http.sh [build dir, default build/release] [seconds, default 10]
# Figures go in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/release}/bench
secs=${2:-10}
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
for c in 1 16 64; do
  t=$((c < 2 ? 1 : 2))  # wrk needs at least one connection per thread
  echo "# wrk -t$t -c$c -d${secs}s --latency $url/api/v1/state"
  wrk -t"$t" -c"$c" -d"${secs}s" --latency "$url/api/v1/state" | grep -E 'Requests/sec|Latency|50%|90%|99%|Transfer'
done
curl -s -X POST -H "Authorization: Bearer $(cat "$tmp/run/api-token")" "$url/api/v1/app/stop" >/dev/null
wait "$app" || true
app=
