#!/usr/bin/env bash
# Storage benchmark (docs/benchmarks.md): run from the repository root after
#   cmake --build build/ci --target bench_storage
# Each run uses a fresh run directory under ${TMPDIR:-/tmp} and removes it.
set -euo pipefail
bin="${1:-build/ci}/bench/bench_storage"
mib="${LIGHTNING_BENCH_MIB:-1024}"
# Each run starts after `sync`: the 1 GiB runs leave ~2 GiB of dirty page cache, and the
# kernel writing it back made the next run's fsyncs wait (the 4 KiB figure went from
# 0.77 ms to 1.0-1.4 ms right after them, and 2.3-2.9 ms with builds beside it).
run() {
  sync
  local dir
  dir="$(mktemp -d "${TMPDIR:-/tmp}/lightning-storage-bench-XXXXXX")"
  "$bin" --run-dir "$dir/run" --no-http -q --quiet-works -- "$@" | grep '^storage'
  rm -rf "$dir"
}
run small 50
run big "$mib" separate
run big "$mib" shared
