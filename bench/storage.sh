#!/usr/bin/env bash
# Storage benchmark (docs/benchmarks.md): run from the repository root after
#   cmake --build build/ci --target bench_storage
# Each run uses a fresh run directory under ${TMPDIR:-/tmp} and removes it.
set -euo pipefail
bin="${1:-build/ci}/bench/bench_storage"
mib="${LIGHTNING_BENCH_MIB:-1024}"
run() {
  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/lightning-storage-bench-XXXXXX")"
  "$bin" --run-dir "$dir/run" --no-http -q --quiet-works -- "$@" | grep '^storage'
  rm -rf "$dir"
}
run big "$mib" separate
run big "$mib" shared
run small 50
