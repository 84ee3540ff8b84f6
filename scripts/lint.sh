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
out=$(mktemp)
db=$(mktemp -d)
trap 'rm -rf "$out" "$db"' EXIT
# Without the precompiled headers (cmake/LightningToolchain.cmake): each file
# must include what it uses, and clang-tidy does not depend on the PCH files.
python3 - "$BUILD/compile_commands.json" "$db/compile_commands.json" <<'PY'
import json, re, sys
entries = json.load(open(sys.argv[1]))
pch = re.compile(r" -Xclang -include(?:-pch)? -Xclang \S+| -Xclang -fno-pch-timestamp")
for e in entries:
    e["command"] = pch.sub("", e["command"])
json.dump(entries, open(sys.argv[2], "w"))
PY
# Only files this build compiles: an optional part (the NCCL backend, with
# LIGHTNING_WITH_CUDA) has no compile command here and cannot be analysed.
mapfile -t files < <(python3 - "$db/compile_commands.json" "${files[@]}" <<'PY'
import json, os, sys
built = {os.path.realpath(e["file"]) for e in json.load(open(sys.argv[1]))}
for f in sys.argv[2:]:
    if os.path.realpath(f) in built:
        print(f)
PY
)
printf '%s\n' "${files[@]}" | xargs -P 2 -n 4 clang-tidy -p "$db" --quiet >"$out" 2>/dev/null || true
if grep -q "warning:\|error:" "$out"; then
  grep -A3 "warning:\|error:" "$out"
  echo "lint: clang-tidy found problems"
  exit 1
fi
echo "lint: clean (${#files[@]} files)"
