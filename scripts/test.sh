#!/usr/bin/env bash
# Fresh Debian 12 -> dependencies installed, everything built with warnings as errors,
# the whole test suite run. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
ctest --preset ci -j2 --timeout 300 "$@"
