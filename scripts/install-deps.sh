#!/usr/bin/env bash
# Installs everything the build, the examples and the tests need on Debian 12 (as root).
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build clang lld ccache pkg-config git
  nlohmann-json3-dev libspdlog-dev libfmt-dev libboost-dev libboost-system-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libxxhash-dev
  libsqlite3-dev libssl-dev
  libtorch-dev libopenblas0-pthread zlib1g-dev
  libgloo-dev dataset-fashion-mnist
  clang-tidy cppcheck clang-14 libfuzzer-14-dev
  procps psmisc openssl curl
  chromium
  prometheus-cpp-dev prometheus
  python3-jsonschema python3-yaml
)
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The dashboard's npm packages (uPlot, fast-json-patch; playwright-core for the
# browser test), pinned by dashboard/package-lock.json and compiled into the
# library at build time. Uses the machine's Node.js (20 or newer) and npm.
if ! command -v npm >/dev/null; then
  echo "install-deps.sh: npm is missing: install Node.js 20 or newer with npm" >&2
  exit 1
fi
dashboard="$(cd "$(dirname "$0")/.." && pwd)/dashboard"
if [ ! -f "$dashboard/node_modules/.package-lock.json" ] ||
   [ "$dashboard/package-lock.json" -nt "$dashboard/node_modules/.package-lock.json" ]; then
  (cd "$dashboard" && npm ci --no-audit --no-fund --loglevel=error)
fi
