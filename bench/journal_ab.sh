#!/usr/bin/env bash
# The journal's cost on the core figures: bench_latency with the journal (the
# default) and with --no-journal, same build, alternating (ABBA) so drift in
# the machine's load hits both alike. Prints each run's JSON line and, per
# variant, the median over runs of each p50. Notes the load average before
# and after. Usage: bench/journal_ab.sh [build dir, default build/release] [pairs, default 6]
set -euo pipefail
cd "$(dirname "$0")/.."
B=${1:-build/release}/bench
pairs=${2:-6}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # variant index
  local variant=$1 i=$2 flags=()
  [ "$variant" = no_journal ] && flags=(--no-journal)
  rm -rf "$tmp/run"
  local line
  line=$("$B/bench_latency" --run-dir "$tmp/run" --quiet --quiet-works --no-http "${flags[@]}" -- 500 2>"$tmp/stderr" | tail -1)
  echo "$variant $line"
  echo "$line" >>"$tmp/$variant.jsonl"
}
for i in $(seq 1 "$pairs"); do
  if ((i % 2)); then run journal "$i"; run no_journal "$i"; else run no_journal "$i"; run journal "$i"; fi
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for v in journal no_journal; do
  python3 - "$tmp/$v.jsonl" "$v" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
med = lambda k: statistics.median(r[k]["p50"] for r in rows)
med90 = lambda k: statistics.median(r[k]["p90"] for r in rows)
print(json.dumps({"variant": sys.argv[2], "runs": len(rows),
                  "dispatch_p50_us": med("dispatch_us"), "blocking_p50_us": med("blocking_us"),
                  "state_p50_us": med("state_us"), "dispatch_p90_us": med90("dispatch_us"),
                  "blocking_p90_us": med90("blocking_us"), "state_p90_us": med90("state_us")}))
PY
done
