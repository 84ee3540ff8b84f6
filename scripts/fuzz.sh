#!/usr/bin/env bash
# Builds the libFuzzer targets of tests/fuzz/ with ASan and UBSan in build/fuzz
# and runs every one of them. Two modes:
#
#   scripts/fuzz.sh SECONDS   exploratory: each target fuzzes for SECONDS with a
#                             random seed, starting from its committed corpus plus
#                             what earlier runs here found (build/fuzz/corpus/).
#                             Run it before resolving an issue that touches a parser.
#   scripts/fuzz.sh --gate    CI's gate: reproducible. Each target runs a fixed
#                             number of inputs (LIGHTNING_FUZZ_GATE_RUNS, default
#                             3000) with a fixed seed, from a fresh copy of its
#                             committed corpus and regressions only: the same commit
#                             gives the same answer, and CI fails only on an input
#                             that the code under test mishandles.
#
# Fails if any target crashes, breaks an invariant, hangs on one input for more
# than 5 s, leaks or passes 2 GB; the input that did it is kept under
# build/fuzz/findings/<target>/. Copy it into tests/fuzz/regressions/<target>/
# (and fix the bug) so that `ctest -L fuzz-replay` keeps replaying it.
#
# Targets run side by side, up to one per core (LIGHTNING_FUZZ_PARALLEL to
# change that).
set -euo pipefail
cd "$(dirname "$0")/.."

gate=0
secs="${1:-30}"
if [ "$secs" = --gate ]; then
  gate=1
  runs="${LIGHTNING_FUZZ_GATE_RUNS:-3000}"
elif ! [[ "$secs" =~ ^[1-9][0-9]*$ ]]; then
  echo "usage: $0 SECONDS-PER-TARGET | --gate" >&2
  exit 2
fi
# The gate reuses the asan preset's build (scripts/sanitize.sh asan, which CI
# runs first): that preset instruments for libFuzzer too and builds the fuzz
# targets, so CI compiles the library once for both. Exploring builds its own
# -O1 tree, which fuzzes faster.
if ((gate)); then build=build/asan; else build=build/fuzz; fi
jobs="$(nproc)"
parallel="${LIGHTNING_FUZZ_PARALLEL:-$jobs}"
start=$SECONDS

# Debian's libFuzzer goes with its clang 14; install-deps.sh installs both.
./scripts/install-deps.sh

# A cache made from another checkout cannot be reused.
if [ -f "$build/CMakeCache.txt" ] &&
   ! grep -qx "CMAKE_HOME_DIRECTORY:INTERNAL=$PWD" "$build/CMakeCache.txt"; then
  rm -rf "$build"
fi

mapfile -t targets < <(find tests/fuzz/corpus -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort)
if ((${#targets[@]} == 0)); then
  echo "no fuzz targets: tests/fuzz/corpus/<target>/ is empty" >&2
  exit 1
fi

if ((gate)); then
  cmake --preset asan >/dev/null
  cmake --build --preset asan --target "${targets[@]}"
else
  generator=()
  command -v ninja >/dev/null && generator=(-G Ninja)
  # Everything that goes into a fuzz target is instrumented; -O1 builds fast
  # and still fuzzes fast.
  cmake -S . -B "$build" "${generator[@]}" \
    -DCMAKE_CXX_COMPILER=clang++-14 \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only" \
    "-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined -fsanitize=fuzzer-no-link -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
    -DLIGHTNING_BUILD_FUZZERS=ON -DLIGHTNING_BUILD_TESTS=ON \
    -DLIGHTNING_BUILD_BENCH=OFF -DLIGHTNING_BUILD_COMPONENTS=ON -DLIGHTNING_WITH_TORCH=OFF >/dev/null
  cmake --build "$build" -j "$jobs" --target "${targets[@]}"
fi
if ((gate)); then
  echo "fuzz: built ${#targets[@]} targets in $((SECONDS - start)) s; gate: $runs inputs each, seed 1, ${parallel} at a time"
else
  echo "fuzz: built ${#targets[@]} targets in $((SECONDS - start)) s; fuzzing each for ${secs} s, ${parallel} at a time"
fi

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}"
mkdir -p "$build/logs"

# Targets whose coverage depends on thread timing: a fixed seed does not fix
# the inputs they generate (measured: two gate runs diverge after a few hundred
# inputs), so the gate only runs their committed inputs; they explore in the
# exploratory mode.
gate_replay_only=(fuzz_worker_message)
no_aslr=()
if ((gate)); then
  if setarch "$(uname -m)" -R true 2>/dev/null; then
    no_aslr=(setarch "$(uname -m)" -R)
  else
    echo "fuzz: warning: cannot turn off address randomisation here; the gate's inputs may vary" >&2
  fi
fi

# The corpus a target runs from: a fresh one per gate run, a growing one otherwise.
corpus_of() {
  if ((gate)); then echo "$build/gate-corpus/$1"; else echo "$build/corpus/$1"; fi
}

run_target() {
  local t="$1"
  local corpus findings="$build/findings/$t"
  corpus="$(corpus_of "$t")"
  local args=(-timeout=5 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$findings/")
  local launch=()
  if ((gate)); then
    # A fresh corpus each time: only what is committed decides the answer.
    rm -rf "$corpus"
  else
    args+=(-max_total_time="$secs")
  fi
  mkdir -p "$corpus" "$findings"
  cp -n tests/fuzz/corpus/"$t"/* "$corpus"/ 2>/dev/null || true
  if ((gate)); then
    [ -d "tests/fuzz/regressions/$t" ] && cp -n tests/fuzz/regressions/"$t"/* "$corpus"/ 2>/dev/null
    # The same inputs in the same order need the same coverage feedback:
    # no periodic corpus reload, and no address randomisation (pointer hashes
    # change which paths run). Regressions over max_len still replay in full
    # in ctest's fuzz-replay tests.
    args+=(-seed=1 -reload=0 -max_len=4096)
    launch=("${no_aslr[@]}")
    if [[ " ${gate_replay_only[*]} " == *" $t "* ]]; then
      args+=(-runs="$(find "$corpus" -type f | wc -l)")
    else
      args+=(-runs="$runs")
    fi
  fi
  [ -f "tests/fuzz/$t.dict" ] && args+=(-dict="tests/fuzz/$t.dict")
  local rc=0 began=$SECONDS
  "${launch[@]}" "$build/tests/fuzz/$t" "${args[@]}" "$corpus" >"$build/logs/$t.log" 2>&1 || rc=$?
  echo "$rc" >"$build/logs/$t.rc"
  echo "$((SECONDS - began))" >"$build/logs/$t.secs"
}

for t in "${targets[@]}"; do
  while (($(jobs -rp | wc -l) >= parallel)); do wait -n || true; done
  run_target "$t" &
done
wait

failed=0
printf '\n%-22s %8s %12s %9s %8s  %s\n' target seconds executions exec/s corpus result
for t in "${targets[@]}"; do
  log="$build/logs/$t.log"
  rc="$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)"
  stat_of() { sed -n "s/^stat::$1: *//p" "$log" | tail -1; }
  runs="$(stat_of number_of_executed_units)"
  rate="$(stat_of average_exec_per_sec)"
  took="$(cat "$build/logs/$t.secs" 2>/dev/null || true)"
  units="$(find "$(corpus_of "$t")" -type f | wc -l)"
  result=ok
  if [ "$rc" != 0 ]; then
    result="FAILED (exit $rc): see $log"
    failed=1
  fi
  printf '%-22s %8s %12s %9s %8s  %s\n' "$t" "${took:-?}" "${runs:-?}" "${rate:-?}" "$units" "$result"
done

for t in "${targets[@]}"; do
  [ "$(cat "$build/logs/$t.rc" 2>/dev/null || echo 1)" = 0 ] && continue
  echo
  echo "==== $t: what went wrong (all of it in $build/logs/$t.log)"
  awk '/invariant broken|ERROR: |runtime error:|terminate called|uncaught/ { on = 1 }
       on && n < 40 { print substr($0, 1, 240); n++ }' "$build/logs/$t.log"
  echo "==== inputs kept in $build/findings/$t/:"
  ls -1 "$build/findings/$t/"
  echo "Keep one as a regression: cp $build/findings/$t/<file> tests/fuzz/regressions/$t/<what-it-does>"
done
echo "fuzz: done in $((SECONDS - start)) s"
exit "$failed"
