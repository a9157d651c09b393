# The project's commands. Logic lives in Maven; this file only names the entry points.
MVN  ?= mvn -B
JAVA ?= java
JAR  := server/target/atomkv-server-0.1.0-SNAPSHOT-all.jar
# Extra server flags for `make run`, e.g. make run ARGS="--port 6000".
ARGS ?=
# The server's JVM: a bounded heap keeps its memory flat (without it the JVM sizes the heap from
# the machine's RAM and grows it to hundreds of MiB under load). `make bench` runs the same.
SERVER_JVM_OPTS ?= -Xms64m -Xmx256m

BUF  ?= npx --yes @bufbuild/buf@1.75.0

.PHONY: run test lint clients-deps browser-deps build bench clean help cluster

## run: build the server and serve on localhost:50051 (gRPC), localhost:4512 (KV Connect, for
##      Deno.openKv) and http://localhost:4513/ (the web console) with data in ./data
run: build
	$(JAVA) $(SERVER_JVM_OPTS) -jar $(JAR) --data-dir ./data $(ARGS)

## test: buf lint of the .proto, unit tests, then integration tests against the real Netty server
##       (including the Node and Python clients, the Deno KV clients in clients/ and the web
##       console in headless Chromium)
test: lint clients-deps browser-deps
	$(MVN) verify

## clients-deps: what the clients in clients/ need: npm ci of clients/node and of clients/kvconnect
##               (deno and @deno/kv, their binaries inside the npm packages), and python3-grpcio +
##               python3-grpc-tools from apt when /usr/bin/python3 lacks them
clients-deps:
	npm ci --prefix clients/node --ignore-scripts --no-audit --no-fund --loglevel=error
	npm ci --prefix clients/kvconnect --ignore-scripts --no-audit --no-fund --loglevel=error
	@/usr/bin/python3 -c 'import grpc, grpc_tools.protoc' 2>/dev/null || { \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  echo "apt-get install python3-grpcio python3-grpc-tools (for clients/python)"; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-grpcio python3-grpc-tools >/dev/null; }

## browser-deps: Debian's chromium and chromium-driver from apt when /usr/bin/chromedriver is
##               missing, for the web console's browser tests (ConsoleBrowserIT)
browser-deps:
	@[ -x /usr/bin/chromedriver ] && [ -x /usr/bin/chromium ] || { \
	  SUDO=$$( [ "$$(id -u)" -eq 0 ] || echo sudo ); \
	  echo "apt-get install chromium chromium-driver (for the console's browser tests)"; \
	  $$SUDO apt-get update -qq && \
	  $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

## lint: buf lint (default rules, no exceptions) of the gRPC contract
lint:
	cd proto && $(BUF) lint

## build: the runnable server jar, without tests
build:
	$(MVN) -q -DskipTests -pl server -am package

## cluster: build, then run three cluster members on this machine (docs/cluster.md): gRPC on
##          127.0.0.1:50061-50063, KV Connect on 4531-4533, the console on 4541-4543, /metrics on
##          4551-4553, Raft on 4521-4523, data in ./data/cluster/n1..n3; Ctrl-C stops all three
CLUSTER_PEERS ?= n1=127.0.0.1:4521,n2=127.0.0.1:4522,n3=127.0.0.1:4523
cluster: build
	@trap 'kill $$(jobs -p) 2>/dev/null; wait' INT TERM EXIT; \
	for i in 1 2 3; do \
	  $(JAVA) $(SERVER_JVM_OPTS) -jar $(JAR) --data-dir ./data/cluster/n$$i --port 5006$$i \
	    --kv-connect-port 453$$i --console-port 454$$i --metrics-port 455$$i --cluster-id local \
	    --node-id n$$i --peers $(CLUSTER_PEERS) $(ARGS) & \
	done; wait

## soak: the crash, history and lost-update tests of reliability/ at length (about an hour on 2
##       cores): SOAK_CRASH_ROUNDS kill rounds of SOAK_CRASH_LOAD_MS load each, SOAK_HISTORY_OPS
##       calls per history run with SOAK_HISTORY_KILLS kills, SOAK_COUNTER_INCREMENTS per client;
##       the cluster history: SOAK_CLUSTER_CLIENTS clients, SOAK_CLUSTER_ROUNDS kill-and-restart
##       rounds of members, then SOAK_CLUSTER_PASSES passes of the other cluster faults (two
##       members killed in turn, the leader's clock stepped back, three partitions) and a member
##       added and removed, spread over at least SOAK_CLUSTER_OPS calls; prints the figures
##       (docs/reliability.md); then SOAK_DISK_FULL_RUNS runs of the full-disk cluster test
##       (a follower's and a leader's map filled); then make fuzz with SOAK_FUZZ_CASES requests
SOAK_CRASH_ROUNDS ?= 52
SOAK_CRASH_LOAD_MS ?= 12000
SOAK_HISTORY_OPS ?= 40000
SOAK_HISTORY_KILLS ?= 10
SOAK_COUNTER_INCREMENTS ?= 400
SOAK_CLUSTER_ROUNDS ?= 24
SOAK_CLUSTER_PASSES ?= 3
SOAK_CLUSTER_OPS ?= 500000
SOAK_CLUSTER_CLIENTS ?= 64
SOAK_DISK_FULL_RUNS ?= 5
# ... and the hostile-input fuzzer with SOAK_FUZZ_CASES requests (make fuzz).
SOAK_FUZZ_CASES ?= 50000
.PHONY: soak
soak:
	$(MVN) -pl reliability -am verify -Dtest=LinearizabilityCheckerTest \
	  -Dsurefire.failIfNoSpecifiedTests=false \
	  -Dreliability.crash.rounds=$(SOAK_CRASH_ROUNDS) \
	  -Dreliability.crash.load-ms=$(SOAK_CRASH_LOAD_MS) \
	  -Dreliability.history.ops=$(SOAK_HISTORY_OPS) \
	  -Dreliability.history.crash-rounds=$(SOAK_HISTORY_KILLS) \
	  -Dreliability.counter.increments=$(SOAK_COUNTER_INCREMENTS) \
	  -Dreliability.cluster.rounds=$(SOAK_CLUSTER_ROUNDS) \
	  -Dreliability.cluster.fault-passes=$(SOAK_CLUSTER_PASSES) \
	  -Dreliability.cluster.ops=$(SOAK_CLUSTER_OPS) \
	  -Dreliability.cluster.clients=$(SOAK_CLUSTER_CLIENTS)
	@cat reliability/target/reliability-figures.txt
	@awk -F'operations=' 'NF > 1 { split($$2, a, " "); n += a[1] } END { print "operations in all: " n }' \
	  reliability/target/reliability-figures.txt
	@for i in $$(seq $(SOAK_DISK_FULL_RUNS)); do \
	  echo "full-disk cluster run $$i of $(SOAK_DISK_FULL_RUNS)"; \
	  $(MVN) -pl integration-tests -am verify -Dit.test=ClusterDiskFullIT -Dtest=none \
	    -Dsurefire.failIfNoSpecifiedTests=false || exit 1; \
	done
	$(MAKE) fuzz FUZZ_CASES=$(SOAK_FUZZ_CASES)

## cli: the runnable atomkv command line jar (docs/cli.md), without tests
.PHONY: cli
cli:
	$(MVN) -q -DskipTests -pl cli -am package

## bench: atomkv vs etcd vs a no-op gRPC ceiling, and entity Query vs List and indexed vs plain
##        writes (about 13 min); writes bench/results/, docs/benchmarks.md and its charts
##        docs/bench/*.svg (apt-installs etcd-server, strace, linux-perf if missing;
##        BENCH_ARGS=--quick: a smoke test that leaves the page and the charts alone;
##        BENCH_ARGS=--no-entities: without the entity cases and their 1M-document load);
##        then, unless --quick, the cluster section (make bench-cluster)
bench:
	MVN="$(MVN)" JAVA="$(JAVA)" bench/run.sh --server-jvm-opts "$(SERVER_JVM_OPTS)" $(BENCH_ARGS)
	@case "$(BENCH_ARGS)" in *--quick*) ;; *) $(MAKE) bench-cluster ;; esac

## bench-charts: redraw docs/bench/*.svg and the generated section of docs/benchmarks.md from a
##               results file without running the bench: the newest full run in bench/results/,
##               or RESULTS=bench/results/<ts>.json
RESULTS ?=
.PHONY: bench-charts
bench-charts:
	MVN="$(MVN)" JAVA="$(JAVA)" bench/charts.sh $(RESULTS)

## bench-cluster: a three-member atomkv cluster beside a three-member etcd (Debian's etcd-server,
##                installed if missing) on this machine, in one run: Atomic vs Txn, strong and
##                eventual Get vs linearizable and serializable Range, List vs prefix Range, at
##                64 in flight over all members, then Atomic on a single node (about 8 minutes);
##                writes bench/results/<ts>-cluster.txt
.PHONY: bench-cluster
bench-cluster:
	MVN="$(MVN)" JAVA="$(JAVA)" SERVER_JVM_OPTS="$(SERVER_JVM_OPTS)" bench/cluster.sh

## fuzz: the hostile-input fuzzer (HostileInputIT) alone and longer: FUZZ_CASES requests
##       (default 20000, about 2 minutes); SEED=n varies the seed (make test runs 1500 with a fixed one)
FUZZ_CASES ?= 20000
.PHONY: fuzz
fuzz:
	ATOMKV_FUZZ_CASES=$(FUZZ_CASES) $(MVN) -pl integration-tests -am verify -Dit.test=HostileInputIT \
	  -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false $(if $(SEED),-Dtest.seed=$(SEED))

## clean: remove build output (never ./data)
clean:
	$(MVN) -q clean

help:
	@grep -E '^## ' Makefile | sed 's/^## //'
