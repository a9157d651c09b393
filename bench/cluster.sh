#!/usr/bin/env bash
# `make bench-cluster`: what replication costs, beside etcd's. On this machine, in one run: a
# three-member atomkv cluster and a three-member etcd cluster (Debian's etcd-server, default flags
# apart from where it listens), each preloaded with the bench's 100 000 keys and driven by one
# client spreading its calls round robin over the three members:
#   Atomic (versionstamp check + set of 100 B)  vs etcd's Txn (mod-revision compare + put)
#   strong Get (ReadIndex)                       vs etcd's linearizable Range
#   eventual Get (the member's own store)        vs etcd's serializable Range
#   strong List of 100                           vs etcd's linearizable prefix Range of 100
# then the same Atomic on one single-node server, for the cost of replication. Every atomkv server
# is the bench server (the production start-up plus the bench's Stats service) with its data in a
# temporary directory; members talk over loopback ports the OS picks. Writes
# bench/results/<UTC timestamp>-cluster.txt. About 8 minutes after the build.
set -euo pipefail
cd "$(dirname "$0")/.."

MVN=${MVN:-mvn -B}
JAVA=${JAVA:-java}
SERVER_JVM_OPTS=${SERVER_JVM_OPTS:--Xms64m -Xmx256m}
CONCURRENCY=${CONCURRENCY:-64}
# Three JVMs on the bench machine's two cores keep their JIT compilers busy for tens of seconds
# (docs/benchmarks.md): a short warm-up would measure the compilers more than the cluster.
WARMUP_MS=${WARMUP_MS:-20000}
MEASURE_MS=${MEASURE_MS:-10000}

# shellcheck source=bench/deps.sh
. bench/deps.sh
bench_deps etcd:etcd-server

echo "bench-cluster: building the server (mvn install) and the bench (mvn -f bench/pom.xml package)"
$MVN -q -DskipTests -pl server -am install
$MVN -q -f bench/pom.xml -DskipTests package
jar() { ls "bench/$1/target/atomkv-bench-$1-"*.jar | head -n 1; }
ATOMKV_CP="$(jar atomkv):$(cat bench/atomkv/target/classpath.txt)"
ETCD_CP="$(jar etcd):$(cat bench/etcd/target/classpath.txt)"
OPENS="--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"
DRIVER_JVM="-Xms256m -Xmx1g -XX:+UseParallelGC"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
# Peak resident memory of a process so far (VmHWM), in MiB.
peak_rss() { awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$1/status" 2>/dev/null || echo "?"; }

# Starts a bench server with the given flags; its pid goes to $work/<name>.pid.
start_server() {
  local name=$1; shift
  # shellcheck disable=SC2086
  $JAVA $SERVER_JVM_OPTS $OPENS -cp "$ATOMKV_CP" dev.atomkv.bench.atomkv.BenchServer \
    --port 0 --console-port -1 --data-dir "$work/$name" "$@" > "$work/$name.out" 2> "$work/$name.log" &
  pids+=($!); echo $! > "$work/$name.pid"
}
port_of() {
  for _ in $(seq 600); do
    if grep -q '^@@ ' "$work/$1.out" 2>/dev/null; then
      sed -n 's/^@@ {"port":\([0-9]*\).*/\1/p' "$work/$1.out" | head -n 1; return
    fi
    sleep 0.1
  done
  echo "bench-cluster: $1 did not start; its log:" >&2; tail -20 "$work/$1.log" >&2; exit 1
}

# One driver session: the commands on stdin (one JSON per line), the run results on stdout.
drive() {
  local main=$1 cp=$2; shift 2
  local target_flag=$1 target=$2; shift 2
  printf '%s\n' "$@" '{"cmd":"quit"}' \
    | $JAVA $DRIVER_JVM -cp "$cp" "$main" "$target_flag" "$target" 2>> "$work/driver.log" \
    | grep '"scenario"' || {
      echo "bench-cluster: the driver failed; its log:" >&2; tail -20 "$work/driver.log" >&2; exit 1; }
}
run() { # scenario [extra json fields]
  echo "{\"cmd\":\"run\",\"scenario\":\"$1\",\"concurrency\":$CONCURRENCY,\"warmup_ms\":$WARMUP_MS,\"measure_ms\":$MEASURE_MS${2:+,$2}}"
}

# ---- the atomkv cluster -------------------------------------------------------------------------
peers="n1=127.0.0.1:$(free_port),n2=127.0.0.1:$(free_port),n3=127.0.0.1:$(free_port)"
for i in 1 2 3; do
  start_server "n$i" --cluster-id bench --node-id "n$i" --peers "$peers"
done
targets=$(for i in 1 2 3; do printf '127.0.0.1:%s,' "$(port_of "n$i")"; done); targets=${targets%,}
echo "bench-cluster: atomkv members up ($targets); Atomic, Get strong/eventual, List at $CONCURRENCY in flight"
atomkv_runs=$(drive dev.atomkv.bench.atomkv.AtomkvDriver "$ATOMKV_CP" --target "$targets" \
  '{"cmd":"preload"}' "$(run atomic)" "$(run get)" "$(run get '"consistency":"eventual"')" "$(run list)")
atomkv_rss=$(for i in 1 2 3; do printf '%s ' "$(peak_rss "$(cat "$work/n$i.pid")")"; done)
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=()

# ---- the etcd cluster ---------------------------------------------------------------------------
cluster=""; endpoints=""
for i in 1 2 3; do
  echo "$(free_port) $(free_port)" > "$work/e$i.ports"
  read -r _ peer < "$work/e$i.ports"; cluster+="e$i=http://127.0.0.1:$peer,"
done
for i in 1 2 3; do
  read -r client peer < "$work/e$i.ports"
  endpoints+="http://127.0.0.1:$client,"
  etcd --name "e$i" --data-dir "$work/etcd-e$i" \
    --listen-client-urls "http://127.0.0.1:$client" --advertise-client-urls "http://127.0.0.1:$client" \
    --listen-peer-urls "http://127.0.0.1:$peer" --initial-advertise-peer-urls "http://127.0.0.1:$peer" \
    --initial-cluster "${cluster%,}" --initial-cluster-state new > "$work/etcd-e$i.log" 2>&1 &
  pids+=($!); echo $! > "$work/e$i.pid"
done
endpoints=${endpoints%,}
echo "bench-cluster: etcd members up ($endpoints); Txn, Range linearizable/serializable, prefix Range"
etcd_runs=$(drive dev.atomkv.bench.etcd.EtcdDriver "$ETCD_CP" --endpoint "$endpoints" \
  '{"cmd":"preload"}' "$(run txn)" "$(run get)" "$(run get '"serializable":true')" "$(run list)")
etcd_rss=$(for i in 1 2 3; do printf '%s ' "$(peak_rss "$(cat "$work/e$i.pid")")"; done)
for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; pids=()

# ---- one single node, for the cost of replication -----------------------------------------------
start_server single
echo "bench-cluster: a single atomkv node; Atomic at $CONCURRENCY in flight"
single=$(drive dev.atomkv.bench.atomkv.AtomkvDriver "$ATOMKV_CP" --target "127.0.0.1:$(port_of single)" \
  '{"cmd":"preload","list_data":false}' "$(run atomic)")

# ---- the report ---------------------------------------------------------------------------------
line() { sed -n "${2}p" <<< "$1"; }
field() { sed -n "s/.*\"$2\":\([0-9.E+-]*\).*/\1/p" <<< "$1" | head -n 1; }
ops() { awk -v v="$(field "$1" ops_per_s)" 'BEGIN { printf "%.0f", v }'; }
ms() { awk -v v="$(field "$1" "$2")" 'BEGIN { printf "%.2f", v / 1000 }'; }
ratio() { awk -v a="$(ops "$1")" -v b="$(ops "$2")" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'; }
row() { printf '%-34s %10s ops/s   p50 %8s ms   p99 %8s ms\n' "$1" "$(ops "$2")" "$(ms "$2" p50_us)" "$(ms "$2" p99_us)"; }

mkdir -p bench/results
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-cluster.txt"
{
  echo "machine: $(nproc) cores, $(uname -r), $($JAVA -version 2>&1 | head -n 1), $(etcd --version | head -n 1)"
  echo "server JVM: $SERVER_JVM_OPTS; $CONCURRENCY in flight; ${WARMUP_MS} ms warm-up, ${MEASURE_MS} ms window; one client spreading calls over the three members"
  row "atomkv 3 members  Atomic"          "$(line "$atomkv_runs" 1)"
  row "etcd   3 members  Txn"             "$(line "$etcd_runs" 1)"
  row "atomkv 3 members  Get strong"      "$(line "$atomkv_runs" 2)"
  row "etcd   3 members  Range lineariz." "$(line "$etcd_runs" 2)"
  row "atomkv 3 members  Get eventual"    "$(line "$atomkv_runs" 3)"
  row "etcd   3 members  Range serializ." "$(line "$etcd_runs" 3)"
  row "atomkv 3 members  List 100 strong" "$(line "$atomkv_runs" 4)"
  row "etcd   3 members  Range 100 lin."  "$(line "$etcd_runs" 4)"
  row "atomkv single node Atomic"         "$(line "$single" 1)"
  echo "Atomic / etcd Txn:            $(ratio "$(line "$atomkv_runs" 1)" "$(line "$etcd_runs" 1)")"
  echo "strong Get / linearizable:    $(ratio "$(line "$atomkv_runs" 2)" "$(line "$etcd_runs" 2)")"
  echo "eventual Get / serializable:  $(ratio "$(line "$atomkv_runs" 3)" "$(line "$etcd_runs" 3)")"
  echo "List / prefix Range:          $(ratio "$(line "$atomkv_runs" 4)" "$(line "$etcd_runs" 4)")"
  echo "3-member Atomic / single:     $(ratio "$(line "$atomkv_runs" 1)" "$(line "$single" 1)")"
  echo "peak RSS per member (MiB): atomkv $atomkv_rss; etcd $etcd_rss"
  echo "raw atomkv cluster runs:"; echo "$atomkv_runs"
  echo "raw etcd cluster runs:"; echo "$etcd_runs"
  echo "raw single-node run:"; echo "$single"
} | tee "$out"
echo "bench-cluster: wrote $out"
