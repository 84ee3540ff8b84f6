#!/usr/bin/env bash
# Server-Sent Events benchmarks (issue 9, point 8). Prints one JSON line each.
#  1. a work assigns a field -> a connected SSE client has it (bench_sse +
#     bench_sse_clients --measure t_ns): p50/p90/p99 in µs;
#  2. the core dispatch benchmark (bench_latency) with 0 and with 100 SSE
#     clients connected to the app: how much the streams cost the flow loop.
# Usage: bench/http_sse.sh [build dir, default build/release] [iterations, default 500]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/release}/bench
iters=${2:-500}
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

# Waits for <run dir>/api.json and prints the app's URL.
api_url() {
  for _ in $(seq 1 400); do [ -s "$1/api.json" ] && break; sleep 0.05; done
  sed -n 's/.*"url": *"\([^"]*\)".*/\1/p' "$1/api.json"
}

echo "# work assigns a field -> an SSE client has it"
"$B/bench_sse" --run-dir "$tmp/sse" --port 0 --quiet-works --log-level warn -- "$iters" &
app=$!; pids+=("$app")
url=$(api_url "$tmp/sse")
"$B/bench_sse_clients" "$url" 1 --measure t_ns --count "$iters" --ready "$tmp/sse/go" | grep '^{'
wait "$app" || true

for clients in 0 100; do
  echo "# core dispatch benchmark with $clients SSE clients connected"
  rm -rf "$tmp/lat" "$tmp/go"
  LIGHTNING_BENCH_GO_FILE="$tmp/go" "$B/bench_latency" --run-dir "$tmp/lat" --port 0 \
    --quiet-works --log-level warn -- "$iters" >"$tmp/lat.out" &
  app=$!; pids+=("$app")
  url=$(api_url "$tmp/lat")
  if [ "$clients" -gt 0 ]; then
    "$B/bench_sse_clients" "$url" "$clients" --ready "$tmp/go" >/dev/null &
    pids+=("$!")
  else
    touch "$tmp/go"
  fi
  wait "$app" || true
  sed "s/^{/{\"sse_clients\": $clients, /" "$tmp/lat.out"
done
