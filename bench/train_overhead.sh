#!/usr/bin/env bash
# TrainWork's training throughput against a plain libtorch loop, same model,
# data, batch (128), optimizer and threads, interleaved runs, medians
# (docs/benchmarks.md, "TrainWork overhead"). Two figures: samples per second
# of wall time, and samples per CPU-second of the process (all its threads),
# which a machine loaded by other work disturbs much less (with threads=1).
# Usage: bench/train_overhead.sh [build dir] [model cnn|mlp] [steps] [threads] [runs]
set -euo pipefail
BUILD=${1:-build/ci}
MODEL=${2:-cnn}
STEPS=${3:-300}
THREADS=${4:-1}
RUNS=${5:-3}
BIN="$BUILD/bench/bench_train_overhead"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
uptime
pw=() pc=() aw=() ac=()
for i in $(seq "$RUNS"); do
  line=$("$BIN" --plain "$MODEL" "$STEPS" "$THREADS")
  p_wall=$(grep -o '"samples_per_s": [0-9.]*' <<<"$line" | grep -o '[0-9.]*$')
  p_cpu=$(grep -o '"samples_per_cpu_s": [0-9.]*' <<<"$line" | grep -o '[0-9.]*$')
  "$BIN" --run-dir "$tmp/run$i" --no-http --quiet -- "$MODEL" "$STEPS" "$THREADS" >/dev/null 2>&1
  done_line=$(grep -o 'training done: .*' "$tmp/run$i/logs/root.train.log")
  a_wall=$(grep -o ' samples_per_s=[0-9.]*' <<<"$done_line" | cut -d= -f2)
  a_cpu=$(grep -o 'samples_per_cpu_s=[0-9.]*' <<<"$done_line" | cut -d= -f2)
  echo "run $i: plain $p_wall samples/s ($p_cpu per CPU-s), TrainWork $a_wall samples/s ($a_cpu per CPU-s)"
  pw+=("$p_wall") pc+=("$p_cpu") aw+=("$a_wall") ac+=("$a_cpu")
done
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
awk -v pw="$(median "${pw[@]}")" -v aw="$(median "${aw[@]}")" -v pc="$(median "${pc[@]}")" \
    -v ac="$(median "${ac[@]}")" -v m="$MODEL" -v s="$STEPS" -v t="$THREADS" 'BEGIN {
  printf "{\"model\": \"%s\", \"steps\": %d, \"threads\": %d, \"plain_samples_per_s\": %.1f, \"trainwork_samples_per_s\": %.1f, \"overhead_wall_pct\": %.2f, \"plain_samples_per_cpu_s\": %.1f, \"trainwork_samples_per_cpu_s\": %.1f, \"overhead_cpu_pct\": %.2f}\n", m, s, t, pw, aw, (pw - aw) / pw * 100, pc, ac, (pc - ac) / pc * 100 }'
uptime
