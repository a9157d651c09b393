#!/usr/bin/env bash
# `make bench`: atomkv vs etcd vs a no-op gRPC ceiling, and the custom-entity cases, on this
# machine, in about 13 minutes on 2 cores.
# Installs etcd-server (and strace, linux-perf for the profile) from Debian if missing, builds the server and the bench, then
# hands over to the coordinator (bench/core Coordinator.java), which starts etcd and the atomkv
# bench server on free loopback ports with data in a temp directory, runs every scenario 3 times,
# and writes bench/results/<timestamp>.json, the generated section of docs/benchmarks.md and its
# charts, docs/bench/*.svg (`make bench-charts` redraws both from a results file).
#
# Extra arguments go to the coordinator, e.g. `make bench BENCH_ARGS=--quick` (1 run of 1 s
# windows, a smoke test that leaves docs/benchmarks.md alone) or BENCH_ARGS="--server-jvm-opts -Xmx256m".
set -euo pipefail
cd "$(dirname "$0")/.."

MVN=${MVN:-mvn -B}
JAVA=${JAVA:-java}

# shellcheck source=bench/deps.sh
. bench/deps.sh
bench_deps etcd:etcd-server strace:strace perf:linux-perf

echo "bench: building the server (mvn install) and the bench (mvn -f bench/pom.xml package)"
$MVN -q -DskipTests -pl server -am install
$MVN -q -f bench/pom.xml -DskipTests package

jar() { ls "bench/$1/target/atomkv-bench-$1-"*.jar | head -n 1; }
CORE_CP="$(jar core):$(cat bench/core/target/classpath.txt)"
ATOMKV_CP="$(jar atomkv):$(cat bench/atomkv/target/classpath.txt)"
ETCD_CP="$(jar etcd):$(cat bench/etcd/target/classpath.txt)"

exec "$JAVA" -cp "$CORE_CP" dev.atomkv.bench.core.Coordinator --repo . \
  --atomkv-cp "$ATOMKV_CP" --etcd-cp "$ETCD_CP" --etcd-bin "$(command -v etcd)" "$@"
