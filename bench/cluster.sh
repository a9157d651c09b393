#!/usr/bin/env bash
# `make bench-cluster`: a quick figure for cluster mode. Atomic (a versionstamp check + a set of
# 100 B) at 64 in flight, sent to one member of a three-member cluster on this machine, and the
# same load on a single node in the same run, for the ratio. All four servers are the bench
# server (the production start-up plus the bench's Stats service), each with its data in a
# temporary directory; members talk Raft over loopback ports the OS picks. Writes
# bench/results/<UTC timestamp>-cluster.txt. About 2 minutes after the build.
set -euo pipefail
cd "$(dirname "$0")/.."

MVN=${MVN:-mvn -B}
JAVA=${JAVA:-java}
SERVER_JVM_OPTS=${SERVER_JVM_OPTS:--Xms64m -Xmx256m}
CONCURRENCY=${CONCURRENCY:-64}
MEASURE_MS=${MEASURE_MS:-10000}

echo "bench-cluster: building the server (mvn install) and the bench (mvn -f bench/pom.xml package)"
$MVN -q -DskipTests -pl server -am install
$MVN -q -f bench/pom.xml -DskipTests package
ATOMKV_CP="$(ls bench/atomkv/target/atomkv-bench-atomkv-*.jar | head -n 1):$(cat bench/atomkv/target/classpath.txt)"
OPENS="--add-opens=java.base/java.nio=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED"

work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# Starts a bench server with the given flags; prints its gRPC port once it serves.
start_server() {
  local name=$1; shift
  # shellcheck disable=SC2086
  $JAVA $SERVER_JVM_OPTS $OPENS -cp "$ATOMKV_CP" dev.atomkv.bench.atomkv.BenchServer \
    --port 0 --console-port -1 --data-dir "$work/$name" "$@" > "$work/$name.out" 2> "$work/$name.log" &
  pids+=($!)
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

# One driver session: preload the bench's 100 000 keys, then the timed Atomic run.
drive() {
  printf '%s\n' '{"cmd":"preload","list_data":false}' \
    "{\"cmd\":\"run\",\"scenario\":\"atomic\",\"concurrency\":$CONCURRENCY,\"warmup_ms\":3000,\"measure_ms\":$MEASURE_MS}" \
    '{"cmd":"quit"}' \
    | $JAVA -Xms256m -Xmx1g -XX:+UseParallelGC -cp "$ATOMKV_CP" dev.atomkv.bench.atomkv.AtomkvDriver \
        --target "127.0.0.1:$1" 2>> "$work/driver.log" | grep '"scenario"' || {
      echo "bench-cluster: the driver failed; its log:" >&2; tail -20 "$work/driver.log" >&2; exit 1; }
}

peers="n1=127.0.0.1:$(free_port),n2=127.0.0.1:$(free_port),n3=127.0.0.1:$(free_port)"
for i in 1 2 3; do
  start_server "n$i" --cluster-id bench --node-id "n$i" --peers "$peers"
done
for i in 1 2 3; do port_of "n$i" > "$work/n$i.port"; done
echo "bench-cluster: three members up ($peers); Atomic at $CONCURRENCY in flight through n1"
cluster=$(drive "$(cat "$work/n1.port")")
for p in "${pids[@]}"; do kill "$p"; done; wait 2>/dev/null || true; pids=()

start_server single
echo "bench-cluster: a single node; the same load"
single=$(drive "$(port_of single)")

ok() { sed -n 's/.*"ops_per_s":\([0-9.E]*\).*/\1/p' <<< "$1" | awk '{ printf "%.0f", $1 }'; }
p99() { sed -n 's/.*"p99_us":\([0-9.E]*\).*/\1/p' <<< "$1" | awk '{ printf "%.2f", $1 / 1000 }'; }
mkdir -p bench/results
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)-cluster.txt"
{
  echo "machine: $(nproc) cores, $(uname -r), $($JAVA -version 2>&1 | head -n 1)"
  echo "server JVM: $SERVER_JVM_OPTS; Atomic (check versionstamp + set 100 B), $CONCURRENCY in flight, ${MEASURE_MS} ms window"
  echo "3-member cluster (through n1): ok/s $(ok "$cluster"), p99 $(p99 "$cluster") ms"
  echo "single node:                   ok/s $(ok "$single"), p99 $(p99 "$single") ms"
  awk -v c="$(ok "$cluster")" -v s="$(ok "$single")" 'BEGIN { if (s > 0) printf "cluster / single: %.2f\n", c / s }'
  echo "raw cluster run: $cluster"
  echo "raw single run:  $single"
} | tee "$out"
echo "bench-cluster: wrote $out"
