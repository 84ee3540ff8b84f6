#!/usr/bin/env bash
# Installs everything the build, the examples and the tests need on Debian 12 (as root).
set -euo pipefail
PKGS=(
  build-essential cmake ninja-build clang lld ccache pkg-config git
  nlohmann-json3-dev libspdlog-dev libfmt-dev libboost-dev libboost-system-dev
  libgrpc++-dev libgrpc-dev protobuf-compiler protobuf-compiler-grpc libprotobuf-dev
  libgtest-dev libgmock-dev libbenchmark-dev libcli11-dev libxxhash-dev
  libtorch-dev libopenblas0-pthread
  clang-tidy cppcheck clang-14 libfuzzer-14-dev
  procps psmisc
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
