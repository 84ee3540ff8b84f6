#!/usr/bin/env bash
# Two builds' bench_latency (before and after a change), each with the journal
# (the default) and with --no-journal, alternated (ABBA: the order flips every
# round) so drift in the machine's load hits all four alike. Prints each run's
# JSON line (with "incomplete": whether the journal stopped early, warned on
# stderr) and, per build and variant, the medians over rounds of the p50s and
# of the loop thread's CPU per iteration. Notes the load average.
# Usage: bench/journal_before_after.sh OLD_BENCH_LATENCY NEW_BENCH_LATENCY [rounds, default 12]
set -euo pipefail
old=$1 new=$2 rounds=${3:-12}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
run() {  # build (old|new), variant (journal|no_journal)
  local bin=$old flags=() line
  [ "$1" = new ] && bin=$new
  [ "$2" = no_journal ] && flags=(--no-journal)
  rm -rf "$tmp/run"
  line=$("$bin" --run-dir "$tmp/run" --quiet --quiet-works --no-http "${flags[@]}" -- 500 2>"$tmp/stderr" | tail -1)
  echo "{\"build\": \"$1\", \"variant\": \"$2\", \"incomplete\": $(grep -c incomplete "$tmp/stderr" || true), \"run\": $line}" |
    tee -a "$tmp/all.jsonl"
}
for i in $(seq 1 "$rounds"); do
  if ((i % 2)); then order="old:journal old:no_journal new:journal new:no_journal"
  else order="new:no_journal new:journal old:no_journal old:journal"; fi
  for o in $order; do run "${o%%:*}" "${o##*:}"; done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/all.jsonl" <<'PY'
import json, statistics, sys
rows = [json.loads(l) for l in open(sys.argv[1])]
for b in ("old", "new"):
    for v in ("journal", "no_journal"):
        rs = [r["run"] for r in rows if r["build"] == b and r["variant"] == v]
        med = lambda f: round(statistics.median(f(r) for r in rs), 1)
        print(json.dumps({"build": b, "variant": v, "runs": len(rs),
                          "incomplete": sum(r["incomplete"] for r in rows if r["build"] == b and r["variant"] == v),
                          "dispatch_p50_us": med(lambda r: r["dispatch_us"]["p50"]),
                          "blocking_p50_us": med(lambda r: r["blocking_us"]["p50"]),
                          "state_p50_us": med(lambda r: r["state_us"]["p50"]),
                          "loop_cpu_us_per_iteration": {
                              k: med(lambda r, k=k: r["loop_cpu_us_per_iteration"][k])
                              for k in ("dispatch", "blocking", "state")}}))
PY
