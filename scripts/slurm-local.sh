#!/usr/bin/env bash
# A real single-node Slurm on this machine, on loopback, for the Slurm tests
# and CI (issue 11 point 8; docs/design/cluster.md, "The test cluster").
#
#   scripts/slurm-local.sh start    install slurm-wlm + munge if missing, write the
#                                   config, start munged, slurmctld and slurmd, wait
#                                   until the node is idle; prints `export SLURM_CONF=...`
#   scripts/slurm-local.sh stop     stop the three daemons and wait until they are gone
#   scripts/slurm-local.sh status   running or not (exit 0 when the node answers)
#   scripts/slurm-local.sh env      the `export SLURM_CONF=...` line alone (for eval)
#
# Everything lives under LIGHTNING_SLURM_DIR (default /var/lib/lightning-slurm):
# slurm.conf, gres.conf, the munge key and socket, state, logs, pid files and
# the fake GPU device files. A real /etc/slurm or a system munged is never
# touched: the config names its own munge socket (AuthInfo=socket=...) and
# every Slurm command finds the config through SLURM_CONF.
#
# The node: this machine's name, its real CPU count, RealMemory a bit below
# MemTotal, and 4 fake GPUs (`Gres=gpu:4`) declared in gres.conf with one
# `File=` per GPU, so that `srun --gres=gpu:N` / `sbatch --gres=gpu:N` set
# CUDA_VISIBLE_DEVICES per job and step. No cgroups are needed
# (ProctrackType=proctrack/linuxproc, TaskPlugin=task/none). Ports: 6817
# (slurmctld) and 6818 (slurmd), or LIGHTNING_SLURM_PORT and the one after.
#
# Needs root (apt, and slurmd runs jobs as their users). `start` twice is fine:
# a running cluster with the same config is left alone, one with another
# config is restarted.
set -euo pipefail

dir=${LIGHTNING_SLURM_DIR:-/var/lib/lightning-slurm}
ctld_port=${LIGHTNING_SLURM_PORT:-6817}
slurmd_port=$((ctld_port + 1))
gpus=4
conf=$dir/etc/slurm.conf
export SLURM_CONF=$conf

log() { echo "slurm-local: $*" >&2; }
die() {
  log "$*"
  exit 1
}

# Polls `cmd` every 0.1 s until it succeeds or `secs` pass; returns its status.
wait_for() {
  local secs=$1
  shift
  local deadline=$((SECONDS + secs))
  until "$@" >/dev/null 2>&1; do
    ((SECONDS < deadline)) || return 1
    sleep 0.1
  done
}

# True when the process in pid file $1 is gone or a zombie (daemons linger as
# zombies for a second or two after they exit; FIELD-NOTES.md).
pid_gone() {
  [ -f "$1" ] || return 0
  local pid state
  pid=$(cat "$1")
  state=$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)
  [ -z "$state" ] || [ "$state" = Z ] || [ "$state" = X ]
}

install_packages() {
  local missing=()
  for p in slurm-wlm munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  ((${#missing[@]})) || return 0
  [ "$(id -u)" -eq 0 ] || die "installing ${missing[*]} needs root (apt-get)"
  log "installing ${missing[*]} (apt)"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    >/dev/null
}

pid_alive() { [ -f "$1" ] && ! pid_gone "$1"; }

node_name() { hostname -s; }

# The config for this machine, on stdout.
slurm_conf() {
  local cpus mem_mb
  cpus=$(nproc --all)
  # RealMemory a bit below MemTotal (MiB): slurmd drains a node that has less
  # than its configured RealMemory.
  mem_mb=$(awk '/^MemTotal:/ {printf "%d", $2 / 1024 * 0.9}' /proc/meminfo)
  cat <<EOF
# Written by scripts/slurm-local.sh: a single-node Slurm on loopback for tests.
ClusterName=lightning
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$ctld_port
SlurmdPort=$slurmd_port
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$dir/munge/munge.socket.2
CredType=cred/munge
StateSaveLocation=$dir/state/slurmctld
SlurmdSpoolDir=$dir/state/slurmd
SlurmctldPidFile=$dir/run/slurmctld.pid
SlurmdPidFile=$dir/run/slurmd.pid
SlurmctldLogFile=$dir/log/slurmctld.log
SlurmdLogFile=$dir/log/slurmd.log
SlurmctldDebug=info
SlurmdDebug=info
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
SwitchType=switch/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
SchedulerType=sched/backfill
# Fast for tests: the main scheduler runs at each submission and every
# second, jobs are killed 2 s after their SIGTERM, finished jobs leave squeue
# after 10 s, a lost slurmd is noticed within 10 s.
SchedulerParameters=sched_interval=1,bf_interval=1
MessageTimeout=5
SlurmdTimeout=10
SlurmctldTimeout=10
InactiveLimit=0
KillWait=2
MinJobAge=10
Waittime=0
ReturnToService=2
NodeName=$(node_name) NodeAddr=127.0.0.1 NodeHostname=$(node_name) CPUs=$cpus RealMemory=$mem_mb Gres=gpu:$gpus State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
}

gres_conf() {
  echo "# Written by scripts/slurm-local.sh: $gpus fake GPUs (char devices like /dev/null)."
  echo "AutoDetect=off"
  local i
  for ((i = 0; i < gpus; i++)); do
    echo "NodeName=$(node_name) Name=gpu File=$dir/dev/nvidia$i"
  done
}

is_up() {
  pid_alive "$dir/run/slurmctld.pid" && pid_alive "$dir/run/slurmd.pid" &&
    pid_alive "$dir/run/munged.pid" && node_ready
}

# The node is ready for jobs: idle, or busy with jobs (mixed/allocated).
node_ready() {
  local state
  state=$(sinfo -h -N -n "$(node_name)" -o %T 2>/dev/null) || return 1
  case "$state" in
    idle | mixed | allocated | completing | planned) return 0 ;;
    *) return 1 ;;
  esac
}

# node_ready, and a node drained or down (by hand, or by an earlier run that
# ReturnToService does not cover) is resumed.
node_ready_or_resume() {
  node_ready && return 0
  case "$(sinfo -h -N -n "$(node_name)" -o %T 2>/dev/null)" in
    drain* | drained* | down*)
      scontrol update NodeName="$(node_name)" State=RESUME >/dev/null 2>&1 || true ;;
  esac
  return 1
}

write_config() {
  mkdir -p "$dir"/{etc,state/slurmctld,state/slurmd,run,log,dev}
  chmod 0755 "$dir"
  local i
  for ((i = 0; i < gpus; i++)); do
    # Fake GPUs: character devices with /dev/null's numbers (1, 3). slurmd
    # only stats them (and would put their numbers in a devices cgroup, which
    # this config does not use).
    [ -c "$dir/dev/nvidia$i" ] || mknod -m 0666 "$dir/dev/nvidia$i" c 1 3
  done
  slurm_conf >"$conf.new"
  gres_conf >"$dir/etc/gres.conf.new"
  if cmp -s "$conf.new" "$conf" && cmp -s "$dir/etc/gres.conf.new" "$dir/etc/gres.conf"; then
    rm -f "$conf.new" "$dir/etc/gres.conf.new"
    return 1  # unchanged
  fi
  mv "$conf.new" "$conf"
  mv "$dir/etc/gres.conf.new" "$dir/etc/gres.conf"
  return 0
}

start_munge() {
  pid_alive "$dir/run/munged.pid" && return 0
  mkdir -p "$dir/munge"
  chmod 0700 "$dir/munge"
  if [ ! -s "$dir/munge/munge.key" ]; then
    # 1 KiB of random bytes, as mungekey(8) writes.
    (umask 077 && head -c 1024 /dev/urandom >"$dir/munge/munge.key")
  fi
  chmod 0600 "$dir/munge/munge.key"
  # --force: run as root, and over a stale socket left by a killed munged.
  munged --force --key-file="$dir/munge/munge.key" --socket="$dir/munge/munge.socket.2" \
    --pid-file="$dir/run/munged.pid" --log-file="$dir/log/munged.log" \
    --seed-file="$dir/munge/munge.seed" ||
    die "munged did not start; see $dir/log/munged.log"
  wait_for 10 test -S "$dir/munge/munge.socket.2" || die "munged made no socket in 10 s"
}

start() {
  [ "$(id -u)" -eq 0 ] || die "start needs root (slurmd runs jobs as their users; apt)"
  install_packages
  local changed=0
  write_config && changed=1
  if ((changed == 0)) && is_up; then
    log "already running"
    usage
    return 0
  fi
  if ((changed)) && pid_alive "$dir/run/slurmctld.pid"; then
    log "the config changed: restarting"
    stop_slurm
  fi
  start_munge
  if ! pid_alive "$dir/run/slurmctld.pid"; then
    # -i: ignore state files it cannot read (an earlier config's).
    slurmctld -i || die "slurmctld did not start; see $dir/log/slurmctld.log"
  fi
  if ! pid_alive "$dir/run/slurmd.pid"; then
    slurmd -N "$(node_name)" || die "slurmd did not start; see $dir/log/slurmd.log"
  fi
  if ! wait_for 30 node_ready_or_resume; then
    sinfo -N -l >&2 || true
    tail -n 20 "$dir/log/slurmctld.log" "$dir/log/slurmd.log" >&2 || true
    die "node $(node_name) was not idle within 30 s (logs above, in $dir/log)"
  fi
  usage
}

stop_slurm() {
  if pid_alive "$dir/run/slurmctld.pid" || pid_alive "$dir/run/slurmd.pid"; then
    # Stops slurmctld and every slurmd it knows.
    scontrol shutdown >/dev/null 2>&1 || true
  fi
  local f
  for f in slurmd slurmctld; do
    if ! wait_for 15 pid_gone "$dir/run/$f.pid"; then
      log "$f did not stop after scontrol shutdown: SIGKILL"
      kill -KILL "$(cat "$dir/run/$f.pid")" 2>/dev/null || true
      wait_for 5 pid_gone "$dir/run/$f.pid" || die "$f is still running"
    fi
  done
}

stop() {
  [ -f "$conf" ] || {
    log "not set up ($conf missing)"
    return 0
  }
  stop_slurm
  if pid_alive "$dir/run/munged.pid"; then
    kill -TERM "$(cat "$dir/run/munged.pid")"
    wait_for 10 pid_gone "$dir/run/munged.pid" || die "munged did not stop in 10 s"
  fi
  log "stopped"
}

status() {
  if [ -f "$conf" ] && is_up; then
    sinfo -N -o "%N %T %C %G"
    return 0
  fi
  log "not running"
  return 1
}

usage() {
  cat >&2 <<EOF
slurm-local: node $(node_name) is up: $(sinfo -h -N -o '%T, %c CPUs, %G' 2>/dev/null)
  export SLURM_CONF=$conf
  sbatch --wrap hostname; squeue; sinfo
  logs: $dir/log/   stop: scripts/slurm-local.sh stop
EOF
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  env) echo "export SLURM_CONF=$conf" ;;
  *)
    echo "usage: $0 start|stop|status|env" >&2
    exit 2
    ;;
esac
