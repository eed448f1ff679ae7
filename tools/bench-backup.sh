#!/usr/bin/env bash
# Backup and restore throughput of one Cairn member and one etcd member holding the same data, and
# the client latency while a snapshot or a backup streams. Prints one line per measurement and the
# medians at the end.
#
#   tools/bench-backup.sh [SIZE_MB] [ROUNDS] [LAT_TOTAL]   defaults: 1024 MiB, 3 rounds, 30000 puts
#
# Needs store-node/target/store-node.jar and backup-agent/target/backup-agent.jar
# (./mvnw -B -q install -DskipTests), etcd and etcdctl on PATH and the reference etcd (ETCD_REF,
# default ../shared/tools/etcd-ref). S3Proxy, a test dependency of backup-agent, serves S3 on
# loopback from a directory; its classpath comes from Maven (MAVEN_ARGS is passed on, e.g. for
# -Dmaven.repo.local). JAVA picks the java binary, WORK the scratch directory (default a new one
# under /tmp; it needs about 10 × SIZE_MB of free space; deleted at the end unless KEEP is set).
# See docs/benchmarks.md, "Backup and restore".
set -euo pipefail
size_mb=${1:-1024}; rounds=${2:-3}; lat_total=${3:-30000}
root=$(cd "$(dirname "$0")/.." && pwd)
jar=$root/store-node/target/store-node.jar
agent=$root/backup-agent/target/backup-agent.jar
ref=${ETCD_REF:-$root/../shared/tools/etcd-ref}
java=${JAVA:-java}
work=${WORK:-$(mktemp -d /tmp/bench-backup.XXXXXX)}
mkdir -p "$work"
cairn_ep=http://127.0.0.1:24790
s3_port=24080
s3_ep=http://127.0.0.1:$s3_port
export AWS_ACCESS_KEY_ID=bench-access AWS_SECRET_ACCESS_KEY=bench-secret
s3=(--bucket bench --s3-endpoint "$s3_ep" --path-style)
# 64 KiB values: the store reaches its size in few requests, each well under the 1.5 MiB limit.
val_size=65536
keys=$((size_mb * 1048576 / val_size))
quota=$((8 * 1024 * 1024 * 1024)) # both sides, so that neither raises the space alarm

pids=()
cleanup() {
  rm -f "$work/loop.on"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  "$ref" stop "$work/etcd" >/dev/null 2>&1 || true
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT

echo "S3Proxy classpath from Maven"
# shellcheck disable=SC2086 # MAVEN_ARGS holds several flags
"$root/mvnw" -B -q -f "$root/pom.xml" -pl backup-agent ${MAVEN_ARGS:-} dependency:build-classpath \
  -Dmdep.includeScope=test -Dmdep.outputFile="$work/s3proxy.cp" >/dev/null
mkdir -p "$work/s3"
cat >"$work/s3proxy.conf" <<EOF
s3proxy.endpoint=$s3_ep
s3proxy.authorization=aws-v2-or-v4
s3proxy.identity=$AWS_ACCESS_KEY_ID
s3proxy.credential=$AWS_SECRET_ACCESS_KEY
jclouds.provider=filesystem-nio2
jclouds.filesystem.basedir=$work/s3
EOF
"$java" -Xmx512m -cp "$(cat "$work/s3proxy.cp")" org.gaul.s3proxy.Main \
  --properties "$work/s3proxy.conf" >"$work/s3proxy.log" 2>&1 &
pids+=($!)

"$java" -jar "$jar" --data-dir "$work/cairn" --quota-backend-bytes "$quota" \
  --listen-client-urls "$cairn_ep" --advertise-client-urls "$cairn_ep" \
  --listen-peer-urls http://127.0.0.1:24791 --initial-advertise-peer-urls http://127.0.0.1:24791 \
  --initial-cluster default=http://127.0.0.1:24791 >"$work/cairn.log" 2>&1 &
cairn_pid=$!
pids+=("$cairn_pid")
etcd_ep=$(ETCD_QUOTA_BACKEND_BYTES=$quota "$ref" start "$work/etcd" 1 24379)
etcd_pid=$(cat "$work/etcd/pids")
for ep in "$cairn_ep" "$etcd_ep"; do
  for _ in $(seq 1 100); do
    etcdctl --endpoints "$ep" put foo bar >/dev/null 2>&1 && break
    sleep 0.2
  done
done
empty_sha=e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855 # of the empty body
for i in $(seq 1 100); do
  curl -sf -o /dev/null --aws-sigv4 aws:amz:us-east-1:s3 --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY" \
    -H "x-amz-content-sha256: $empty_sha" -X PUT "$s3_ep/bench" && break
  [ "$i" -lt 100 ] || { echo "S3Proxy did not create the bucket; see $work/s3proxy.log" >&2; exit 1; }
  sleep 0.3
done

hz=$(getconf CLK_TCK)
now() { date +%s.%N; }
cpu() { awk '{print $14 + $15}' "/proc/$1/stat" 2>/dev/null || echo 0; }
# Runs a command and prints "secs=... server_cores=... client_cpu_s=...": its wall time, the cores
# the server process given used meanwhile, and the CPU seconds of the command itself.
timed() { local pid=$1; shift
  local c0 t0 c1 t1 TIMEFORMAT='%U %S'
  c0=$(cpu "$pid"); t0=$(now)
  { time "$@" >"$work/last.out" 2>"$work/last.err"; } 2>"$work/last.time" \
    || { cat "$work/last.err" >&2; return 1; }
  t1=$(now); c1=$(cpu "$pid")
  awk -v t="$t1" -v s="$t0" -v c="$c1" -v d="$c0" -v hz="$hz" -v u="$(tail -1 "$work/last.time")" \
    'BEGIN { split(u, us, " ")
      printf "secs=%.2f server_cores=%.2f client_cpu_s=%.1f", t - s, (c - d) / hz / (t - s), us[1] + us[2] }'
}
# One throughput measurement: LABEL PID SIZE CMD...; MB/s (10^6 bytes) is the snapshot's size over
# the wall time of the command. SIZE is the snapshot file, or "json" for the size the agent prints.
measure() { local label=$1 pid=$2 sizefile=$3; shift 3
  local r bytes secs
  r=$(timed "$pid" "$@")
  if [ "$sizefile" = json ]; then bytes=$(sed -n 's/.*"size":\([0-9]*\).*/\1/p' "$work/last.out")
  else bytes=$(stat -c %s "$sizefile"); fi
  secs=${r#secs=}; secs=${secs%% *}
  printf '%-30s bytes=%d %s MBps=%.1f\n' "$label" "$bytes" "$r" \
    "$(awk -v b="$bytes" -v s="$secs" 'BEGIN { print b / 1e6 / s }')" | tee -a "$work/results"
}

echo "filling each store with $keys keys of $val_size bytes ($size_mb MiB of values)"
fill=(put --conns 4 --clients 16 --key-size 16 --val-size "$val_size" --key-space-size "$keys"
  --sequential-keys --total "$keys" --prefix fill/)
for side in cairn etcd; do
  ep=$cairn_ep; pid=$cairn_pid
  [ "$side" = etcd ] && { ep=$etcd_ep; pid=$etcd_pid; }
  r=$(timed "$pid" "$java" -jar "$jar" bench "${fill[@]}" --endpoints "$ep")
  echo "fill $side $r $(grep '^RESULT' "$work/last.out")"
done
echo "data on disk: cairn $(du -sm "$work/cairn" | cut -f1) MB, etcd $(du -sm "$work/etcd/m1" | cut -f1) MB"

for r in $(seq 1 "$rounds"); do
  rm -rf "$work"/snap.* "$work"/restore.* "$work/s3/bench"/* "$work/tmp"
  measure "round $r cairn snapshot save" "$cairn_pid" "$work/snap.cairn" \
    "$java" -jar "$jar" snapshot save --endpoints "$cairn_ep" "$work/snap.cairn"
  measure "round $r cairn etcdctl save" "$cairn_pid" "$work/snap.cairn-etcdctl" \
    etcdctl --endpoints "$cairn_ep" snapshot save "$work/snap.cairn-etcdctl"
  measure "round $r etcd etcdctl save" "$etcd_pid" "$work/snap.etcd" \
    etcdctl --endpoints "$etcd_ep" snapshot save "$work/snap.etcd"
  measure "round $r cairn agent backup" "$cairn_pid" json \
    "$java" -jar "$agent" backup --endpoints "$cairn_ep" "${s3[@]}" --tmp-dir "$work/tmp"
  key=$(sed -n 's/.*"key":"\([^"]*\)".*/\1/p' "$work/last.out")
  measure "round $r cairn snapshot restore" "$cairn_pid" "$work/snap.cairn" \
    "$java" -jar "$jar" snapshot restore "$work/snap.cairn" --data-dir "$work/restore.cairn"
  measure "round $r etcd etcdctl restore" "$etcd_pid" "$work/snap.etcd" \
    etcdctl snapshot restore "$work/snap.etcd" --data-dir "$work/restore.etcd"
  measure "round $r cairn agent restore" "$cairn_pid" "$work/snap.cairn" \
    "$java" -jar "$agent" restore "${s3[@]}" --key "$key" --data-dir "$work/restore.agent" \
    --name r1 --initial-cluster r1=http://127.0.0.1:2380 --initial-cluster-token restored \
    --initial-advertise-peer-urls http://127.0.0.1:2380
done
rm -rf "$work"/restore.* "$work/s3/bench"/*

# Client latency: a closed loop of puts (bench has no rate limit) with few clients, so that the
# member is busy but not saturated; alone, then while snapshots stream back to back.
lat=(put --conns 1 --clients 4 --key-size 16 --val-size 256 --key-space-size 10000 --prefix lat/)
loop() { while [ -e "$work/loop.on" ]; do
  if "$@" >/dev/null 2>"$work/loop.log"; then echo x >>"$work/loop.count"
  else tail -1 "$work/loop.log" >>"$work/loop.err"; fi; done; }
lat_run() { local label=$1 ep=$2 pid=$3; shift 3
  rm -f "$work/loop.count" "$work/loop.snap"; : >"$work/loop.count"
  local lp=""
  if [ $# -gt 0 ]; then touch "$work/loop.on"; loop "$@" & lp=$!; sleep 0.5; fi
  local r
  r=$(timed "$pid" "$java" -jar "$jar" bench "${lat[@]}" --total "$lat_total" --endpoints "$ep")
  rm -f "$work/loop.on"
  [ -z "$lp" ] || wait "$lp"
  printf '%-30s %s %s snapshots_done=%d\n' "$label" "$(grep '^RESULT' "$work/last.out")" "$r" \
    "$(wc -l <"$work/loop.count")" | tee -a "$work/results"
  rm -rf "$work/s3/bench"/* "$work/loop.snap" "$work/loop.snap.part"
}
for side in cairn etcd; do # the same warm-up for both: a JVM needs it before its JIT is done
  ep=$cairn_ep; [ "$side" = etcd ] && ep=$etcd_ep
  "$java" -jar "$jar" bench "${lat[@]}" --total "$lat_total" --endpoints "$ep" >/dev/null
done
for r in $(seq 1 "$rounds"); do
  lat_run "lat $r cairn idle" "$cairn_ep" "$cairn_pid"
  lat_run "lat $r cairn etcdctl save" "$cairn_ep" "$cairn_pid" \
    etcdctl --endpoints "$cairn_ep" snapshot save "$work/loop.snap"
  lat_run "lat $r cairn agent backup" "$cairn_ep" "$cairn_pid" \
    "$java" -jar "$agent" backup --endpoints "$cairn_ep" "${s3[@]}" --tmp-dir "$work/tmp"
  lat_run "lat $r etcd idle" "$etcd_ep" "$etcd_pid"
  lat_run "lat $r etcd etcdctl save" "$etcd_ep" "$etcd_pid" \
    etcdctl --endpoints "$etcd_ep" snapshot save "$work/loop.snap"
done
[ ! -s "$work/loop.err" ] || { echo "errors in the background snapshots:"; sort -u "$work/loop.err" | head; }

echo "medians over $rounds rounds"
# Groups the result lines by their label without the round number; prints each field's median.
awk '
  { label = $1; for (i = 3; i <= NF && $i !~ /=/ && $i != "RESULT"; i++) label = label " " $i
    n[label]++; if (!(label in order)) order[label] = ++k
    for (i = 1; i <= NF; i++) if (split($i, kv, "=") == 2) v[label, kv[1], n[label]] = kv[2] }
  function med(label, f,   a, m, i, j, t) {
    m = n[label]; for (i = 1; i <= m; i++) a[i] = v[label, f, i] + 0
    for (i = 1; i <= m; i++) for (j = i + 1; j <= m; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
    return m % 2 ? a[(m + 1) / 2] : (a[m / 2] + a[m / 2 + 1]) / 2 }
  END { for (l in order) idx[order[l]] = l
    for (o = 1; o <= k; o++) { l = idx[o]; line = sprintf("%-28s", l)
      split("MBps secs bytes requests_per_sec p50_ms p99_ms server_cores client_cpu_s snapshots_done", fs, " ")
      for (f = 1; f <= 9; f++) if ((l, fs[f], 1) in v) line = line sprintf(" %s=%.10g", fs[f], med(l, fs[f]))
      print line } }' "$work/results"
