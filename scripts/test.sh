#!/usr/bin/env bash
# Fresh Debian 12 -> dependencies installed, everything built with warnings as errors,
# the whole test suite run. Extra arguments go to ctest (e.g. -L unit).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
cmake --preset ci >/dev/null
cmake --build --preset ci
# A real single-node Slurm on loopback for the Slurm tests (label slurm):
# installs slurm-wlm and munge when missing, starts munged, slurmctld and
# slurmd under /var/lib/lightning-slurm (~9 s cold with apt, ~1 s warm; left
# running: `scripts/slurm-local.sh stop`). The Slurm tests then fail instead
# of skipping when Slurm is not there. LIGHTNING_NO_SLURM=1 skips this (and
# them).
if [ "${LIGHTNING_NO_SLURM:-0}" != 1 ]; then
  ./scripts/slurm-local.sh start
  eval "$(./scripts/slurm-local.sh env)"
  export LIGHTNING_REQUIRE_SLURM=1
fi
ctest --preset ci -j2 --timeout 300 "$@"
