#!/usr/bin/env bash
# `make bench-charts`: redraws the charts (docs/bench/*.svg) and the generated section of
# docs/benchmarks.md from a results file, without running the bench: the file given
# (make bench-charts RESULTS=bench/results/<ts>.json), else the newest full run in bench/results/
# (not a -quick smoke test; bench-cluster writes .txt, never .json).
set -euo pipefail
cd "$(dirname "$0")/.."

MVN=${MVN:-mvn -B}
JAVA=${JAVA:-java}

results=${1:-}
if [ -z "$results" ]; then
  results=$(ls bench/results/*.json | grep -v -e '-quick\.json$' -e '-cluster' | sort | tail -n 1)
fi
[ -f "$results" ] || { echo "bench-charts: no results file ${results:-in bench/results/}" >&2; exit 1; }

# The core module alone: drawing needs neither the server nor the load generators.
echo "bench: building the bench core (mvn -f bench/pom.xml -pl core package)"
$MVN -q -f bench/pom.xml -pl core -DskipTests package

CP="$(ls bench/core/target/atomkv-bench-core-*.jar | head -n 1):$(cat bench/core/target/classpath.txt)"
exec "$JAVA" -cp "$CP" dev.atomkv.bench.core.Report "$results" docs/benchmarks.md
