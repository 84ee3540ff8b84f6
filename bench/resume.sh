#!/usr/bin/env bash
# What --resume costs: an app makes <calls> calls (each journaled, each kept
# for the cache: max_cached_calls defaults to 10,000), is killed with -9, and
# is resumed; the resumed process finds every call done and stops at its first
# flow run. Prints the resumed run's wall time (exec to exit), which includes
# loading the journal, hashing the app binary, restoring state and call tables,
# starting the controller and stopping. Issue 10's target: <= 1 s for 10,000.
# Usage: bench/resume.sh [build dir, default build/ci] [calls, default 10000] [runs, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/ci}/bench
calls=${2:-10000}
runs=${3:-3}
tmp=$(mktemp -d)
app=
cleanup() { [ -n "$app" ] && kill -9 "$app" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq 1 "$runs"); do
  rm -rf "$tmp/run"
  "$B/bench_resume" --run-dir "$tmp/run" --no-http --quiet --quiet-works -- "$calls" >"$tmp/out" 2>"$tmp/err" &
  app=$!
  until grep -q "calls done" "$tmp/out"; do
    kill -0 "$app" 2>/dev/null || { cat "$tmp/err" >&2; exit 1; }
    sleep 0.05
  done
  sleep 0.5  # the journal's writer commits behind the app (about 1 ms; the hash ~150 ms)
  kill -9 "$app"
  wait "$app" 2>/dev/null || true
  app=
  size=$(du -k "$tmp/run/journal.sqlite" "$tmp/run/journal.sqlite-wal" 2>/dev/null | awk '{s+=$1} END {print s}')
  t0=$(date +%s%N)
  "$B/bench_resume" --resume "$tmp/run" --no-http --quiet --quiet-works >"$tmp/out2" 2>"$tmp/err2"
  t1=$(date +%s%N)
  grep -q "resumed with $calls calls done" "$tmp/out2" || { cat "$tmp/out2" "$tmp/err2" >&2; exit 1; }
  echo "{\"calls\": $calls, \"journal_kib\": $size, \"resume_wall_ms\": $(( (t1 - t0) / 1000000 ))}"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
