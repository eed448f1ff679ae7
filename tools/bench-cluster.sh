#!/usr/bin/env bash
# Side-by-side benchmark of a Cairn cluster and an etcd cluster of the same size on this machine,
# with the same client (store-node bench). Prints each run's RESULT line.
#
#   tools/bench-cluster.sh [MEMBERS] [ROUNDS] [TOTAL]     defaults: 3 members, 3 rounds, 100000 requests
#
# Needs store-node/target/store-node.jar (./mvnw -B -q package -DskipTests) and the reference etcd
# (ETCD_REF, default ../shared/tools/etcd-ref). Runs alternate Cairn, etcd, Cairn, etcd, ...
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
  "$java" -jar "$jar" --name "m$i" --data-dir "$work/cairn/m$i" \
    --listen-client-urls "http://127.0.0.1:$c" --advertise-client-urls "http://127.0.0.1:$c" \
    --listen-peer-urls "http://127.0.0.1:$p" --initial-advertise-peer-urls "http://127.0.0.1:$p" \
    --initial-cluster "$cluster" --initial-cluster-token bench >"$work/cairn-m$i.log" 2>&1 &
  pids+=($!)
done
etcd_eps=$("$ref" start "$work/etcd" "$members" 22379)
for ep in "$cairn_eps" "$etcd_eps"; do
  for _ in $(seq 1 100); do
    etcdctl --endpoints "$ep" put foo bar >/dev/null 2>&1 && break
    sleep 0.2
  done
done

bench() { "$java" -jar "$jar" bench "$@" | grep '^RESULT'; }
run() { # NAME ENDPOINTS ARGS...
  local name=$1 ep=$2; shift 2
  printf '%-28s %-5s ' "$name" "$3"
  bench "$@" --endpoints "$ep"
}
put=(put --conns 8 --clients 64 --key-size 8 --val-size 256 --key-space-size 100000)
echo "warm-up"
for ep in "$cairn_eps" "$etcd_eps"; do bench "${put[@]}" --total 20000 --endpoints "$ep" >/dev/null; done
for r in $(seq 1 "$rounds"); do
  for side in cairn etcd; do
    ep=$cairn_eps; [ "$side" = etcd ] && ep=$etcd_eps
    printf 'round %d %-5s put         ' "$r" "$side"; bench "${put[@]}" --total "$total" --endpoints "$ep"
    printf 'round %d %-5s range l     ' "$r" "$side"; bench range foo --consistency l --conns 8 --clients 64 --total "$total" --endpoints "$ep"
    printf 'round %d %-5s range s     ' "$r" "$side"; bench range foo --consistency s --conns 8 --clients 64 --total "$total" --endpoints "$ep"
  done
done
