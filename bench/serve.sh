#!/usr/bin/env bash
# ServeWork against the limit: a raw libtorch batched forward of the same
# TorchScript Fashion-MNIST CNN in one process (docs/benchmarks.md, "ServeWork").
# Binary FP32 28x28 images, IMAGES per request (default 1), keep-alive connections.
# Usage: bench/serve.sh [build dir] [seconds per phase] [connections] [max_batch_size] [max_queue_delay_us] [threads] [images per request]
set -euo pipefail
BUILD=${1:-build/ci}
SECS=${2:-5}
CONN=${3:-128}
MAX=${4:-64}
DELAY=${5:-500}
THREADS=${6:-1}
IMAGES=${7:-1}
B="$BUILD/bench"
tmp=$(mktemp -d)
app_pid=
cleanup() { [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
echo "load: $(cat /proc/loadavg)"
"$B/bench_serve_client" make "$tmp/cnn.pt"
raw=$("$B/bench_serve_client" raw "$tmp/cnn.pt" "$THREADS" "$SECS")
echo "$raw"
raw_per_s=$(grep -o '"raw_images_per_s_batch64": [0-9.]*' <<<"$raw" | grep -o '[0-9.]*$')
raw_one=$(grep -o '"raw_one_image_us_p50": [0-9.]*' <<<"$raw" | grep -o '[0-9.]*$')
raw_cpu=$(grep -o '"raw_cpu_us_per_image_batch64": [0-9.]*' <<<"$raw" | grep -o '[0-9.]*$')
mkdir "$tmp/m"
"$B/bench_serve" --run-dir "$tmp/run" --no-http --quiet -- "$tmp/cnn.pt" "$tmp/m" "$MAX" "$DELAY" "$THREADS" \
  >"$tmp/app.log" 2>&1 &
app_pid=$!
for _ in $(seq 600); do
  [ -f "$tmp/m/batched.url" ] && [ -f "$tmp/m/direct.url" ] && break
  kill -0 "$app_pid" 2>/dev/null || { cat "$tmp/app.log"; exit 1; }
  sleep 0.1
done
port() { sed 's/.*://' "$tmp/m/$1.url"; }
echo "ServeWork: max_batch_size $MAX, max_queue_delay_us $DELAY, threads $THREADS, $CONN connections, $IMAGES images per request"
"$B/bench_serve_client" load "$(port batched)" "$(port direct)" "$CONN" "$SECS" "$raw_per_s" "$raw_one" "$raw_cpu" "$IMAGES"
touch "$tmp/m/done"
wait "$app_pid" || true
app_pid=
echo "load: $(cat /proc/loadavg)"
