#!/usr/bin/env bash
# Issue 11, point 9: the cluster path end to end on this machine.
#   fanout   N trivial parallel works across W `lightning-worker`s (each with
#            its own work forker), placed by the scheduler, launched, finished:
#            launch -> all succeeded, and works/s.
#   latency  dispatch / blocking call / state round trips to a work on a
#            remote worker over loopback TCP (bench_latency, µs).
#   lost     a worker killed with SIGKILL mid-call: time until the controller
#            declares it lost and the call has run again on another worker.
# Usage: [TLS=1] bench/cluster.sh [BUILD_DIR] [N] [W] [fanout|latency|lost|all]
# Figures: docs/benchmarks.md, "The cluster path".
set -euo pipefail

B=${1:-build/ci}
N=${2:-10000}
W=${3:-20}
WHAT=${4:-all}
B=$(cd "$B" && pwd)
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do pkill -9 -P "$p" 2>/dev/null || true; kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [[ -n ${KEEP_TMP:-} ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# TLS=1: the controller and the workers speak mutual TLS (certificates made
# here by openssl, EC P-256, as tests/common/tls_certs.hpp makes them).
app_tls=()
worker_tls=()
if [[ ${TLS:-0} == 1 ]]; then
  (
    cd "$tmp"
    K="-newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n' >server.ext
    printf 'extendedKeyUsage=clientAuth\n' >client.ext
    openssl req -x509 $K -keyout ca.key -out ca.pem -subj "/CN=bench CA" -days 2
    openssl req -new $K -keyout server.key -out server.csr -subj "/CN=localhost"
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -set_serial 2 -days 2 \
      -extfile server.ext -out server.pem
    openssl req -new $K -keyout worker.key -out worker.csr -subj "/CN=bench-worker"
    openssl x509 -req -in worker.csr -CA ca.pem -CAkey ca.key -set_serial 3 -days 2 \
      -extfile client.ext -out worker.pem
    chmod 600 ./*.key
  ) >/dev/null 2>&1
  app_tls=(--tls-cert "$tmp/server.pem" --tls-key "$tmp/server.key" --tls-ca "$tmp/ca.pem")
  worker_tls=(--tls-ca "$tmp/ca.pem" --tls-cert "$tmp/worker.pem" --tls-key "$tmp/worker.key")
  echo "# TLS: mutual, EC P-256 certificates"
fi

token="$tmp/worker-token"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$token"
chmod 600 "$token"

# wait_for FILE PATTERN SECONDS: until a line of FILE matches PATTERN.
wait_for() {
  local deadline=$((SECONDS + $3))
  until grep -q -- "$2" "$1" 2>/dev/null; do
    ((SECONDS < deadline)) || { echo "timed out waiting for '$2' in $1" >&2; tail -20 "$1" >&2; exit 1; }
    sleep 0.05
  done
}

# start_app NAME BINARY ARGS...: the app in cluster mode, gated on $tmp/NAME.go.
start_app() {
  local name=$1 bin=$2
  shift 2
  LIGHTNING_BENCH_GO_FILE="$tmp/$name.go" /usr/bin/time -f "controller CPU: %U s user, %S s sys" ${APP_WRAPPER:-} "$bin" --cluster workers --listen "${LISTEN:-127.0.0.1:0}" \
    --worker-token-file "$token" --worker-heartbeat-timeout 1 --no-http "${app_tls[@]}" --run-dir "$tmp/$name" \
    --quiet-works --log-level "${APP_LOG_LEVEL:-info}" -- "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  app_pid=$!
  pids+=("$app_pid")
  wait_for "$tmp/$name.err" "workers join at" 30
  address=$(grep -o 'workers join at [^ ]*' "$tmp/$name.err" | head -1 | awk '{print $4}')
}

# The W workers share this machine's pid_max: each gets its share of what one
# worker alone would take by default (half of it, at ~8 tasks per work).
share=$(($(cat /proc/sys/kernel/pid_max) / 2 / 8 / W))
WORKER_FLAGS=${WORKER_FLAGS:---max-processes $share}

# start_workers NAME COUNT: COUNT workers for app NAME; waits until all joined
# and each has the app binary (fetched, or in its cache) and its work forker.
start_workers() {
  local name=$1 count=$2
  worker_pids=()
  for i in $(seq 1 "$count"); do
    "$B/bin/lightning-worker" --controller "$address" --token-file "$token" --name "node$i" \
      --gpus none $WORKER_FLAGS "${worker_tls[@]}" --work-dir "$tmp/$name-node$i" --log-level info 2>"$tmp/$name-node$i.err" &
    worker_pids+=($!)
    pids+=($!)
  done
  local deadline=$((SECONDS + 60))
  until (($(grep -c "joined:" "$tmp/$name.err" || true) >= count)); do
    ((SECONDS < deadline)) || { echo "workers did not join" >&2; tail "$tmp/$name.err" >&2; exit 1; }
    sleep 0.05
  done
  for i in $(seq 1 "$count"); do
    wait_for "$tmp/$name-node$i.err" "fetched the app binary\|is in the node's cache" 60
  done
}

if [[ $WHAT == fanout || $WHAT == all ]]; then
  echo "# fanout: $N trivial parallel works across $W workers ($WORKER_FLAGS each)"
  start_app fan "$B/bench/bench_fanout" "$N"
  start_workers fan "$W"
  touch "$tmp/fan.go"
  wait "$app_pid"
  cat "$tmp/fan.out"
  grep "controller CPU" "$tmp/fan.err"
  python3 - "$tmp/fan.out" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).readline())
print(f"works/s: {r['works'] / (r['all_succeeded_ms'] / 1000):.0f}")
EOF
  for p in "${worker_pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  if [[ ${APP_LOG_LEVEL:-info} == debug || ${APP_LOG_LEVEL:-info} == trace ]]; then
    echo "works placed per worker:"
    grep -o "placed on worker '[^']*'" "$tmp/fan/controller.log" | sort | uniq -c | awk '{print $1}' | sort -n | uniq -c |
      awk '{printf "%s workers ran %s works each\n", $1, $2}'
  fi
fi

if [[ $WHAT == latency || $WHAT == all ]]; then
  echo "# latency: works on one remote worker, loopback TCP"
  start_app lat "$B/bench/bench_latency" 500
  start_workers lat 1
  touch "$tmp/lat.go"
  wait "$app_pid"
  cat "$tmp/lat.out"
  grep "controller CPU" "$tmp/lat.err"
fi

if [[ $WHAT == lost || $WHAT == all ]]; then
  # SIGKILL closes the worker's stream at once; SIGSTOP is a node that hangs
  # or a network that drops everything. Both are declared lost only after
  # --worker-heartbeat-timeout (1 s here; the default is 10 s).
  for sig in KILL STOP; do
    echo "# lost worker: SIG$sig of the victim's worker mid-call, heartbeat timeout 1 s"
    start_app "lost$sig" "$B/bench/bench_lost_worker"
    start_workers "lost$sig" 2
    touch "$tmp/lost$sig.go"
    wait_for "$tmp/lost$sig/victim.running" "." 30
    victim_node=$(grep -o 'lost'"$sig"'-node[0-9]*' "$tmp/lost$sig/victim.running")
    victim_pid=${worker_pids[$((${victim_node##*node} - 1))]}
    python3 - "$victim_pid" "$sig" "$tmp/lost$sig/victim.rerun" <<'EOF'
import os, signal, sys, time
pid, sig, rerun = int(sys.argv[1]), sys.argv[2], sys.argv[3]
t0 = time.monotonic_ns()
os.kill(pid, signal.SIGKILL if sig == "KILL" else signal.SIGSTOP)
deadline = time.monotonic() + 30
while not os.path.exists(rerun):
    if time.monotonic() > deadline:
        sys.exit("the call did not run again within 30 s")
    time.sleep(0.001)
started = int(open(rerun).read())
print(f"SIG{sig}: kill -> call running again on the other worker: {(started - t0) / 1e6:.0f} ms")
EOF
    wait "$app_pid"
    kill -9 "$victim_pid" 2>/dev/null || true
  done
fi
