#!/usr/bin/env bash
# Fresh Debian 12 -> dependencies installed, Lightning built, the main app run
# end to end: apps/train_serve.cpp prepares Fashion-MNIST, trains the CNN,
# evaluates it, serves it over KServe v2 behind the AutoScaler and checks the
# served accuracy (apps/README.md). About a minute on 2 CPU cores once built.
# Extra arguments go to the app: scripts/quickstart.sh --keep-serving
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
# The library, lightning-run and the components; the test suite is
# scripts/test.sh's business.
cmake --preset release -DLIGHTNING_BUILD_TESTS=OFF -DLIGHTNING_BUILD_BENCH=OFF >/dev/null
cmake --build --preset release
./build/release/bin/lightning-run apps/train_serve.cpp -- "$@"
