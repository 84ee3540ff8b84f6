#!/usr/bin/env bash
# Static analysis of project code (not generated code): cppcheck and clang-tidy
# (.clang-tidy: bugprone, performance, concurrency). Fails on any finding.
# Usage: scripts/lint.sh [build dir with compile_commands.json, default build/ci]
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build/ci}
[ -f "$BUILD/compile_commands.json" ] || { echo "lint: no $BUILD/compile_commands.json; configure first"; exit 2; }

echo "== cppcheck"
# src/cli/templates/ holds `lightning init`'s files with {{name}} placeholders:
# not C++ until rendered (the component tests build a rendered copy).
cppcheck --std=c++17 --enable=warning,performance,portability --inline-suppr --error-exitcode=1 \
  --suppress=missingIncludeSystem -I include -I src $(for d in components/*/include; do echo "-I $d"; done) \
  -i src/cli/templates --quiet src include components

echo "== clang-tidy"
mapfile -t files < <(git ls-files 'src/*.cpp' 'components/*.cpp')
# Batches of up to 8 files of one target, analysed as one translation unit
# (scripts/lint/tidy_batches.py says why: 2-3x less CPU). In the batch
# directory, inside the tree, so that .clang-tidy applies. Only files this
# build compiles: an optional part (the NCCL backend, with LIGHTNING_WITH_CUDA)
# has no compile command here and cannot be analysed.
db="$BUILD/lint-tidy"
rm -rf "$db"
mapfile -t batches < <(python3 scripts/lint/tidy_batches.py "$BUILD/compile_commands.json" "$db" "${files[@]}")
# Diagnostics from project headers (as .clang-tidy's HeaderFilterRegex) and
# from the project's sources a batch includes.
root=$(pwd -P)
filter="(include/lightning|src)/.*\.hpp$|^$root/(src|components)/.*\.cpp$"
mkdir -p "$db/out"
tidy() {  # tidy FILE...: each file's findings into $db/out/<its path, / as _>
  for f in "$@"; do
    clang-tidy -p "$db" --quiet --header-filter="$filter" "$f" >"$db/out/${f//\//_}" 2>/dev/null || true
  done
}
export -f tidy
export db filter
printf '%s\n' "${batches[@]}" | xargs -P 2 -n 1 bash -c 'tidy "$@"' _
# A batch that does not compile as one unit (two of its files define the same
# name at namespace scope): its files one by one.
mapfile -t split < <(for b in "${batches[@]}"; do
  grep -q "clang-diagnostic-error" "$db/out/${b//\//_}" && python3 -c \
    'import json,sys; print("\n".join(json.load(open(sys.argv[1]))[sys.argv[2]]))' "$db/batches.json" "$b"
done)
if ((${#split[@]} > 0)); then
  for b in "${batches[@]}"; do
    grep -q "clang-diagnostic-error" "$db/out/${b//\//_}" && rm "$db/out/${b//\//_}"
  done
  echo "lint: ${#split[@]} files of batches that do not compile as one unit, one by one"
  printf '%s\n' "${split[@]}" | xargs -P 2 -n 1 bash -c 'tidy "$@"' _
fi
if cat "$db"/out/* | grep -q "warning:\|error:"; then
  cat "$db"/out/* | grep -A3 "warning:\|error:"
  echo "lint: clang-tidy found problems"
  exit 1
fi
analysed=$(python3 -c 'import json,sys; print(sum(len(v) for v in json.load(open(sys.argv[1])).values()))' "$db/batches.json")
echo "lint: clean ($analysed files in ${#batches[@]} batches)"
