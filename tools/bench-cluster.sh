#!/usr/bin/env bash
# Side-by-side benchmark of a Cairn cluster and an etcd cluster of the same size on this machine,
# with the same client (store-node bench). Prints each run's RESULT line.
#
#   tools/bench-cluster.sh [MEMBERS] [ROUNDS] [TOTAL]     defaults: 3 members, 3 rounds, 100000 requests
#
# Needs store-node/target/store-node.jar (./mvnw -B -q package -DskipTests) and the reference etcd
# (ETCD_REF, default ../shared/tools/etcd-ref). Runs alternate Cairn, etcd, Cairn, etcd, ...
# CAIRN_JAVA_OPTS adds JVM flags to the Cairn members (for example a JFR recording), JAVA picks
# the java binary.
set -euo pipefail
members=${1:-3}; rounds=${2:-3}; total=${3:-100000}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/store-node/target/store-node.jar
ref=${ETCD_REF:-$root/../shared/tools/etcd-ref}
work=$(mktemp -d /tmp/bench-cluster.XXXXXX)
java=${JAVA:-java}

cairn_eps=""; cluster=""
for i in $(seq 1 "$members"); do
  c=$((23790 + 10 * (i - 1))); p=$((c + 1))
  cluster="${cluster:+$cluster,}m$i=http://127.0.0.1:$p"
  cairn_eps="${cairn_eps:+$cairn_eps,}http://127.0.0.1:$c"
done
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$ref" stop "$work/etcd" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
for i in $(seq 1 "$members"); do
  c=$((23790 + 10 * (i - 1))); p=$((c + 1))
  # shellcheck disable=SC2086 # CAIRN_JAVA_OPTS holds several flags, e.g. a JFR recording
  "$java" ${CAIRN_JAVA_OPTS:-} -jar "$jar" --name "m$i" --data-dir "$work/cairn/m$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "$cluster" --initial-cluster-token=bench-cluster >"$work/cairn-m$i.log" 2>&1 &
  pids+=($!)
done
pids_cairn=("${pids[@]}")
etcd_eps=$("$ref" start "$work/etcd" "$members" 22379)
for ep in "$cairn_eps" "$etcd_eps"; do
  for _ in $(seq 1 100); do
    etcdctl --endpoints "$ep" put foo bar >/dev/null 2>&1 && break
    sleep 0.2
  done
done

etcd_pids=$(cat "$work/etcd/pids")
hz=$(getconf CLK_TCK)
# CPU seconds used so far by the given processes.
cpu() { local t=0 p; for p in "$@"; do
  t=$((t + $(awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null || echo 0))); done
  echo "scale=2; $t / $hz" | bc; }
# Runs one bench and prints its RESULT line with the cores the servers used meanwhile.
bench() { local side=$1; shift
  local pids; if [ "$side" = cairn ]; then pids="${pids_cairn[*]}"; else pids="$etcd_pids"; fi
  local c0 t0 out c1 t1
  c0=$(cpu $pids); t0=$(date +%s.%N)
  out=$("$java" -jar "$jar" bench "$@" | grep '^RESULT')
  c1=$(cpu $pids); t1=$(date +%s.%N)
  echo "$out server_cores=$(echo "scale=2; ($c1 - $c0) / ($t1 - $t0)" | bc)"
}
put=(put --conns 8 --clients 64 --key-size 8 --val-size 256 --key-space-size 100000)
# A JVM reaches its speed only after its JIT has compiled the hot paths: both sides get the same
# warm-up (WARMUP requests of each kind) before anything is measured.
warmup=${WARMUP:-100000}
echo "warm-up: $warmup puts and $warmup linearizable ranges on each side"
for side in cairn etcd; do
  ep=$cairn_eps; [ "$side" = etcd ] && ep=$etcd_eps
  bench "$side" "${put[@]}" --total "$warmup" --endpoints "$ep" >/dev/null
  bench "$side" range foo --consistency l --conns 8 --clients 64 --total "$warmup" --endpoints "$ep" >/dev/null
done
for r in $(seq 1 "$rounds"); do
  for side in cairn etcd; do
    ep=$cairn_eps; [ "$side" = etcd ] && ep=$etcd_eps
    printf 'round %d %-5s put      ' "$r" "$side"; bench "$side" "${put[@]}" --total "$total" --endpoints "$ep"
    printf 'round %d %-5s range l  ' "$r" "$side"; bench "$side" range foo --consistency l --conns 8 --clients 64 --total "$total" --endpoints "$ep"
    printf 'round %d %-5s range s  ' "$r" "$side"; bench "$side" range foo --consistency s --conns 8 --clients 64 --total "$total" --endpoints "$ep"
  done
done
