#!/usr/bin/env bash
# Fresh Debian 12 -> dependencies installed, Lightning built, the example app run end to end.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset release >/dev/null
cmake --build --preset release
./build/release/bin/lightning-run examples/hello_counter.cpp
