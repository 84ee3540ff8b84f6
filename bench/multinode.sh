#!/usr/bin/env bash
# MultiNode data-parallel training (docs/components/multinode.md): the doc
# example (Fashion-MNIST CNN, Gloo on CPU) with 1 rank and with 2 ranks on
# this machine's cores, on the same training data, the same number of epochs
# and the same global batch (2 x 64 = 1 x 128), then 2 ranks x 128.
# Prints one JSON line per run (train_s: rank 0's time for the epochs;
# samples_per_s: summed over ranks) and `uptime` before each.
# Usage: bench/multinode.sh [build dir, default build/ci] [train samples, default 12000] [repeats, default 2]
set -euo pipefail
cd "$(dirname "$0")/.."
EXE=${1:-build/ci}/examples/doc_multinode_ddp
SAMPLES=${2:-12000}
REPEATS=${3:-2}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
run() {  # nproc batch
  rm -rf "$tmp/run"
  uptime
  "$EXE" --run-dir "$tmp/run" --log-level error --quiet-works -- \
    "{\"nproc\": $1, \"batch\": $2, \"epochs\": 1, \"train_samples\": $SAMPLES, \"test_samples\": 2000}"
}
for _ in $(seq 1 "$REPEATS"); do  # interleaved, so that load changes hit every configuration
  run 1 128
  run 2 64
  run 2 128
done
