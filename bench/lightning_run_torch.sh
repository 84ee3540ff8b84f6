#!/usr/bin/env bash
# lightning-run on a libtorch app (bench/torch_fanout_app.cpp: lightning.hpp +
# torch/torch.h, a matmul in each work): the build times a user sees, with
# ccache off (CCACHE_DISABLE=1) and a fresh lightning-run cache each round:
#   cold        first build ever: the libtorch PCH (lightning.hpp + torch/torch.h), then the app
#   hit         the same app again: a cache hit, no compiler runs
#   warm_pch    another libtorch app (a copy with one more line) with that PCH already built
#   no_pch      the first build without a PCH (--no-pch), for comparison
# Times are wall clock around `lightning-run --build-only`, process start included.
# Prints one line per round and the median of each figure, with the load average.
# Usage: bench/lightning_run_torch.sh [build dir, default build/ci] [rounds, default 3]
set -euo pipefail
cd "$(dirname "$0")/.."
LR=${1:-build/ci}/bin/lightning-run
rounds=${2:-3}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
export CCACHE_DISABLE=1
cp bench/torch_fanout_app.cpp "$tmp/app.cpp"
{ cat bench/torch_fanout_app.cpp; echo "// another app"; } >"$tmp/other.cpp"
secs() {  # command... -> wall seconds
  local t0 t1
  t0=$(date +%s.%N)
  "$@" >/dev/null 2>"$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
  t1=$(date +%s.%N)
  echo "$t1 - $t0" | bc
}
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
for i in $(seq 1 "$rounds"); do
  rm -rf "$tmp/cache" "$tmp/cache2"
  cold=$(secs "$LR" --cache-dir "$tmp/cache" --build-only "$tmp/app.cpp")
  hit=$(secs "$LR" --cache-dir "$tmp/cache" --build-only "$tmp/app.cpp")
  warm=$(secs "$LR" --cache-dir "$tmp/cache" --build-only "$tmp/other.cpp")
  nopch=$(secs "$LR" --cache-dir "$tmp/cache2" --no-pch --build-only "$tmp/app.cpp")
  echo "round $i: cold ${cold} s, hit ${hit} s, warm_pch ${warm} s, no_pch ${nopch} s"
  echo "$cold $hit $warm $nopch" >>"$tmp/rows"
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/rows" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1])]
for i, name in enumerate(["cold", "hit", "warm_pch", "no_pch"]):
    print(f"median {name}: {statistics.median(r[i] for r in rows):.3f} s")
PY
