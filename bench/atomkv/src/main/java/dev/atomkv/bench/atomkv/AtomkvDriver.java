package dev.atomkv.bench.atomkv;

import com.google.protobuf.ByteString;
import dev.atomkv.bench.core.AsyncOp;
import dev.atomkv.bench.core.CpuWatch;
import dev.atomkv.bench.core.Dataset;
import dev.atomkv.bench.core.DriverLoop;
import dev.atomkv.bench.core.LoadLoop;
import dev.atomkv.bench.core.Outcome;
import dev.atomkv.bench.core.Result;
import dev.atomkv.bench.proto.NoopServiceGrpc;
import dev.atomkv.bench.proto.StatsRequest;
import dev.atomkv.bench.proto.StatsResponse;
import dev.atomkv.bench.proto.StatsServiceGrpc;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Consistency;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.nio.NioEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.socket.nio.NioSocketChannel;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The atomkv side of the load: Atomic (check the key's last acknowledged versionstamp + set a
 * 100-byte value), Get (one key), List (a 100-entry prefix), the no-op ceiling (the very same
 * Atomic request to the no-op service), the LMDB synced single-put microbench, the custom-entity
 * cases ({@link EntityLoad}), and the final verification of every acknowledged write. Commands
 * come from the coordinator (see DriverLoop).
 *
 * <p>Lean on purpose, since it shares the cores with the server: one connection, one Netty event
 * loop, direct executor (callbacks and re-issues run on the event loop thread).
 */
public final class AtomkvDriver {
  private static final Comparator<ByteString> VS_ORDER = ByteString.unsignedLexicographicalComparator();
  private static final long DEADLINE_MS = 10_000;

  /** The last acknowledged write of a key: its versionstamp and the value's sequence number. */
  private record Ack(ByteString versionstamp, long seq) {}

  /** One channel per server given in --target; the first also serves Noop and Stats. */
  private final List<ManagedChannel> channels = new ArrayList<>();
  /** Calls go to the servers in turn: a cluster's members share the load as clients would. */
  private final KvServiceGrpc.KvServiceStub[] kvs;
  private final AtomicInteger nextKv = new AtomicInteger();
  /** Reads of the current run: STRONG unless the run asks for "consistency":"eventual". */
  private volatile Consistency consistency = Consistency.CONSISTENCY_STRONG;
  private final NoopServiceGrpc.NoopServiceStub noop;
  private final StatsServiceGrpc.StatsServiceBlockingStub stats;
  private final Key[] keys;
  private final byte[][] rawKeys;
  private final AtomicReferenceArray<Ack> acks = new AtomicReferenceArray<>(Dataset.KEYS);
  /** Keys with a write whose outcome is unknown (an error): verification accepts newer stamps. */
  private final AtomicIntegerArray uncertain = new AtomicIntegerArray(Dataset.KEYS);
  private final AtomicLong seq = new AtomicLong();
  /** Commit versions seen in the current timed window: one per synced batch. */
  private final Set<Long> windowVersions = ConcurrentHashMap.newKeySet();
  private volatile boolean inWindow;
  private final LongAdder windowOk = new LongAdder();
  /** Over the driver's whole life: acknowledged commits, and batches (position-0 answers). */
  private final LongAdder totalOk = new LongAdder();
  private final LongAdder totalBatches = new LongAdder();
  private LmdbPutBench lmdb;
  /** The tenant's scenarios, once the Coordinator asked for them ({@code tenant_setup}). */
  private TenantScenarios tenant;
  /** The custom-entity cases and the plain-key cases they are compared with. */
  private final EntityLoad entities;

  /** @param targets host:port of each server (several: the members of one cluster) */
  private AtomkvDriver(List<String> targets) {
    NioEventLoopGroup loop = new NioEventLoopGroup(1, r -> {
      Thread t = new Thread(r, "driver-netty");
      t.setDaemon(true);
      return t;
    });
    kvs = new KvServiceGrpc.KvServiceStub[targets.size()];
    for (String target : targets) {
      int colon = target.lastIndexOf(':');
      ManagedChannel channel = NettyChannelBuilder.forAddress(target.substring(0, colon),
              Integer.parseInt(target.substring(colon + 1)))
          .usePlaintext()
          .directExecutor()
          .eventLoopGroup(loop)
          .channelType(NioSocketChannel.class)
          .maxInboundMessageSize(16 << 20)
          .build();
      kvs[channels.size()] = KvServiceGrpc.newStub(channel);
      channels.add(channel);
    }
    noop = NoopServiceGrpc.newStub(channels.get(0));
    entities = new EntityLoad(channels.get(0), this::noteWindowCommit);
    stats = StatsServiceGrpc.newBlockingStub(channels.get(0));
    byte[][] raw = Dataset.keys();
    rawKeys = raw;
    keys = new Key[raw.length];
    for (int i = 0; i < raw.length; i++) {
      keys[i] = Key.newBuilder()
          .addParts(KeyPart.newBuilder().setBytes(ByteString.copyFrom(raw[i]))).build();
    }
  }

  public static void main(String[] args) throws Exception {
    String target = "127.0.0.1:50051";
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--target")) {
        target = args[i + 1];
      }
    }
    AtomkvDriver d = new AtomkvDriver(List.of(target.split(",")));
    try {
      DriverLoop.serve(d::handle);
    } finally {
      for (ManagedChannel c : d.channels) {
        c.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** The stub of the next server in turn. */
  private KvServiceGrpc.KvServiceStub kv() {
    return kvs[Math.floorMod(nextKv.getAndIncrement(), kvs.length)];
  }

  private Map<String, Object> handle(Map<String, Object> cmd) throws Exception {
    String what = String.valueOf(cmd.get("cmd"));
    return switch (what) {
      case "preload" -> preload(!Boolean.FALSE.equals(cmd.get("list_data")));
      case "tenant_setup" -> {
        tenant = TenantScenarios.setUp(channels.get(0), keys, this::noteCommitted);
        yield Map.of("tenant", TenantScenarios.TENANT, "keys", keys.length);
      }
      case "preload_entities" -> entities.preload();
      case "run" -> run(cmd);
      case "lmdb" -> lmdb(cmd);
      case "verify" -> verify();
      case "stats" -> statsMap(stats.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
          .stats(StatsRequest.newBuilder().setResetPeaks(Boolean.TRUE.equals(cmd.get("reset")))
              .build()));
      case "totals" -> Map.of("ok", totalOk.sum(), "batches", totalBatches.sum());
      default -> throw new IllegalArgumentException("unknown command " + what);
    };
  }

  // ---- data --------------------------------------------------------------------------------------

  private static Key listKey(int group, int i) {
    return Key.newBuilder()
        .addParts(KeyPart.newBuilder().setString("l"))
        .addParts(KeyPart.newBuilder().setInt(group))
        .addParts(KeyPart.newBuilder().setInt(i))
        .build();
  }

  private static Key listPrefix(int group) {
    return Key.newBuilder()
        .addParts(KeyPart.newBuilder().setString("l"))
        .addParts(KeyPart.newBuilder().setInt(group))
        .build();
  }

  private static Value value(int index, long seq) {
    return Value.newBuilder().setBytes(ByteString.copyFrom(Dataset.value(index, seq))).build();
  }

  /** Writes every key once (1000 sets per Atomic), remembering each key's versionstamp. */
  private Map<String, Object> preload(boolean withListData) throws Exception {
    long t0 = System.nanoTime();
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    int requests = 0;
    int[] order = Dataset.sortedOrder(rawKeys);
    for (int from = 0; from < Dataset.KEYS; from += 1000) {
      int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(Dataset.KEYS, from + 1000));
      AtomicRequest.Builder req = AtomicRequest.newBuilder();
      long[] seqs = new long[idx.length];
      for (int j = 0; j < idx.length; j++) {
        seqs[j] = seq.incrementAndGet();
        req.addMutations(Mutation.newBuilder().setKey(keys[idx[j]]).setSet(value(idx[j], seqs[j])));
      }
      pending.add(Calls.call(kv()::atomic, req.build()).thenAccept(resp -> {
        if (!resp.getOk()) {
          throw new IllegalStateException("preload commit refused");
        }
        noteCommitted(resp.getVersionstamp());
        for (int j = 0; j < idx.length; j++) {
          acks.set(idx[j], new Ack(resp.getVersionstamp(), seqs[j]));
        }
      }));
      requests++;
      drainTo(pending, 8);
    }
    for (int g = 0; withListData && g < Dataset.LIST_GROUPS; g++) {
      AtomicRequest.Builder req = AtomicRequest.newBuilder();
      for (int i = 0; i < Dataset.LIST_GROUP_SIZE; i++) {
        req.addMutations(Mutation.newBuilder().setKey(listKey(g, i))
            .setSet(value(g * Dataset.LIST_GROUP_SIZE + i, 0)));
      }
      pending.add(Calls.call(kv()::atomic, req.build()).thenAccept(resp -> {
        if (!resp.getOk()) {
          throw new IllegalStateException("preload commit refused");
        }
        noteCommitted(resp.getVersionstamp());
      }));
      requests++;
      drainTo(pending, 8);
    }
    drainTo(pending, 0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("keys", Dataset.KEYS);
    out.put("list_keys", Dataset.LIST_GROUPS * Dataset.LIST_GROUP_SIZE);
    out.put("requests", requests);
    out.put("secs", (System.nanoTime() - t0) / 1e9);
    return out;
  }

  private static void drainTo(List<CompletableFuture<Void>> pending, int max) throws Exception {
    while (pending.size() > max) {
      pending.remove(0).get(60, TimeUnit.SECONDS);
    }
  }

  private void noteCommitted(ByteString versionstamp) {
    totalOk.increment();
    ByteBuffer b = versionstamp.asReadOnlyByteBuffer();
    long version = b.getLong();
    int position = Short.toUnsignedInt(b.getShort());
    if (position == 0) {
      totalBatches.increment();
    }
    if (inWindow) {
      windowOk.increment();
      windowVersions.add(version);
    }
  }

  /** A timed write outside the verified key set: counted for the window's batches only. */
  private void noteWindowCommit(ByteString versionstamp) {
    if (inWindow) {
      windowOk.increment();
      windowVersions.add(versionstamp.asReadOnlyByteBuffer().getLong());
    }
  }

  // ---- the scenarios -----------------------------------------------------------------------------

  /** Check the key's last acknowledged versionstamp + set a new 100-byte value. */
  private AtomicRequest atomicRequest(int k, long s) {
    Ack ack = acks.get(k);
    return AtomicRequest.newBuilder()
        .addChecks(Check.newBuilder().setKey(keys[k]).setVersionstamp(ack.versionstamp()))
        .addMutations(Mutation.newBuilder().setKey(keys[k]).setSet(value(k, s)))
        .build();
  }

  private AsyncOp atomicOp() {
    return done -> {
      int k = ThreadLocalRandom.current().nextInt(Dataset.KEYS);
      long s = seq.incrementAndGet();
      AtomicRequest req = atomicRequest(k, s);
      kv().withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).atomic(req, new Calls.Observer<>(done) {
        @Override
        public void onNext(AtomicResponse resp) {
          if (resp.getOk()) {
            acknowledge(k, resp.getVersionstamp(), s);
            done.complete(Outcome.OK, null);
          } else {
            done.complete(Outcome.NOT_OK, null);
          }
        }

        @Override
        public void onError(Throwable t) {
          uncertain.set(k, 1);
          done.complete(Outcome.ERROR, t);
        }
      });
    };
  }

  /** Keeps the newest acknowledged write of the key (answers may arrive out of order). */
  private void acknowledge(int k, ByteString vs, long s) {
    noteCommitted(vs);
    Ack next = new Ack(vs, s);
    while (true) {
      Ack cur = acks.get(k);
      if (cur != null && VS_ORDER.compare(cur.versionstamp(), vs) >= 0) {
        return;
      }
      if (acks.compareAndSet(k, cur, next)) {
        return;
      }
    }
  }

  /** The same request as atomicOp, built the same way, to the no-op service. */
  private AsyncOp noopOp() {
    return done -> {
      int k = ThreadLocalRandom.current().nextInt(Dataset.KEYS);
      AtomicRequest req = atomicRequest(k, seq.incrementAndGet());
      noop.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).atomic(req, new Calls.Observer<>(done) {
        @Override
        public void onNext(AtomicResponse resp) {
          done.complete(resp.getOk() ? Outcome.OK : Outcome.NOT_OK, null);
        }
      });
    };
  }

  private AsyncOp getOp() {
    return done -> {
      int k = ThreadLocalRandom.current().nextInt(Dataset.KEYS);
      GetRequest req = GetRequest.newBuilder().addKeys(keys[k]).setConsistency(consistency)
          .build();
      kv().withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).get(req, new Calls.Observer<>(done) {
        @Override
        public void onNext(GetResponse resp) {
          boolean found = resp.getEntriesCount() == 1 && resp.getEntries(0).hasValue();
          done.complete(found ? Outcome.OK : Outcome.NOT_OK, null);
        }
      });
    };
  }

  private AsyncOp listOp() {
    return done -> {
      int g = ThreadLocalRandom.current().nextInt(Dataset.LIST_GROUPS);
      ListRequest req = ListRequest.newBuilder().setPrefix(listPrefix(g))
          .setLimit(Dataset.LIST_GROUP_SIZE).setConsistency(consistency).build();
      kv().withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS).list(req, new Calls.Observer<>(done) {
        @Override
        public void onNext(ListResponse resp) {
          boolean full = resp.getEntriesCount() == Dataset.LIST_GROUP_SIZE
              && resp.getCursor().isEmpty();
          done.complete(full ? Outcome.OK : Outcome.NOT_OK, null);
        }
      });
    };
  }

  private Map<String, Object> run(Map<String, Object> cmd) throws Exception {
    String scenario = String.valueOf(cmd.get("scenario"));
    consistency = "eventual".equals(cmd.get("consistency")) ? Consistency.CONSISTENCY_EVENTUAL
        : Consistency.CONSISTENCY_STRONG;
    int concurrency = DriverLoop.intArg(cmd, "concurrency", 1);
    long warmup = DriverLoop.longArg(cmd, "warmup_ms", 2000);
    long measure = DriverLoop.longArg(cmd, "measure_ms", 5000);
    AsyncOp op = switch (scenario) {
      case "atomic" -> atomicOp();
      case "noop" -> noopOp();
      case "get" -> getOp();
      case "list" -> listOp();
      case "atomic_tenant" -> tenant.atomicOp();
      case "get_tenant" -> tenant.getOp();
      default -> {
        AsyncOp entityOp = entities.op(scenario);
        if (entityOp == null) {
          throw new IllegalArgumentException("unknown scenario " + scenario);
        }
        yield entityOp;
      }
    };
    boolean writes = scenario.equals("atomic") || scenario.equals("atomic_tenant")
        || EntityLoad.writes(scenario);
    LoadLoop.Window serverStats = new LoadLoop.Window() {
      StatsResponse before;

      @Override
      public void started() {
        windowVersions.clear();
        windowOk.reset();
        inWindow = writes;
        before = stats.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
            .stats(StatsRequest.newBuilder().setResetPeaks(true).build());
      }

      @Override
      public void ended(Result r) {
        inWindow = false;
        StatsResponse after = stats.withDeadlineAfter(DEADLINE_MS, TimeUnit.MILLISECONDS)
            .stats(StatsRequest.getDefaultInstance());
        if (writes) {
          long batches = windowVersions.size();
          r.put("batches", batches);
          r.put("batches_per_s", batches / r.num("secs"));
          r.put("mean_batch", batches == 0 ? 0.0 : windowOk.sum() / (double) batches);
        }
        r.put("server_peak_rss_anon", after.getPeakRssAnonBytes());
        r.put("server_rss_anon", after.getRssAnonBytes());
        r.put("server_peak_heap_used", after.getPeakHeapUsedBytes());
        r.put("server_peak_heap_committed", after.getPeakHeapCommittedBytes());
        r.put("server_gcs", after.getGcCount() - before.getGcCount());
        r.put("server_gc_ms", after.getGcTimeMs() - before.getGcTimeMs());
      }
    };
    return LoadLoop.run("atomkv", scenario, op, concurrency, warmup, measure,
        new CpuWatch(CpuWatch.parsePids(cmd.get("pids")), serverStats)).fields();
  }

  private Map<String, Object> lmdb(Map<String, Object> cmd) throws Exception {
    if (lmdb == null) {
      lmdb = new LmdbPutBench(java.nio.file.Path.of(String.valueOf(cmd.get("dir"))));
    }
    return lmdb.run(DriverLoop.longArg(cmd, "warmup_ms", 1000),
        DriverLoop.longArg(cmd, "measure_ms", 5000),
        (int) DriverLoop.longArg(cmd, "concurrency", 1)).fields();
  }

  // ---- verification ------------------------------------------------------------------------------

  /**
   * Reads every key back and compares it with the newest acknowledged write: same versionstamp,
   * same value (by its sequence number). A key whose last write ended in an error may hold that
   * write instead (a newer versionstamp); nothing may be older than what was acknowledged.
   */
  private Map<String, Object> verify() throws Exception {
    long checked = 0;
    long mismatches = 0;
    long lostOrStale = 0;
    long unknownApplied = 0;
    List<String> samples = new ArrayList<>();
    for (int from = 0; from < Dataset.KEYS; from += 1000) {
      int end = Math.min(Dataset.KEYS, from + 1000);
      GetRequest.Builder req = GetRequest.newBuilder();
      for (int i = from; i < end; i++) {
        req.addKeys(keys[i]);
      }
      // Wait for ready: the coordinator may have just restarted the server (same port and data).
      GetResponse resp = Calls.call(kv().withWaitForReady().withDeadlineAfter(30, TimeUnit.SECONDS)::get,
          req.build()).get(30, TimeUnit.SECONDS);
      for (int i = from; i < end; i++) {
        Entry e = resp.getEntries(i - from);
        Ack ack = acks.get(i);
        checked++;
        int cmp = VS_ORDER.compare(e.getVersionstamp(), ack.versionstamp());
        byte[] v = e.getValue().getBytes().toByteArray();
        boolean same = cmp == 0 && Dataset.seqOf(v) == ack.seq() && Dataset.indexOf(v) == i;
        if (same) {
          continue;
        }
        if (cmp > 0 && uncertain.get(i) == 1 && Dataset.indexOf(v) == i) {
          unknownApplied++;
          continue;
        }
        mismatches++;
        if (cmp < 0 || !e.hasValue()) {
          lostOrStale++;
        }
        if (samples.size() < 5) {
          samples.add("key#" + i + " stored=" + hex(e.getVersionstamp()) + "/seq "
              + Dataset.seqOf(v) + " acknowledged=" + hex(ack.versionstamp()) + "/seq "
              + ack.seq());
        }
      }
    }
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("checked", checked);
    out.put("acknowledged_commits", totalOk.sum());
    out.put("mismatches", mismatches);
    out.put("lost_or_stale", lostOrStale);
    out.put("unknown_outcome_applied", unknownApplied);
    out.put("samples", samples);
    return out;
  }

  private static String hex(ByteString b) {
    return java.util.HexFormat.of().formatHex(b.toByteArray());
  }

  private static Map<String, Object> statsMap(StatsResponse s) {
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("rss_anon", s.getRssAnonBytes());
    out.put("peak_rss_anon", s.getPeakRssAnonBytes());
    out.put("heap_used", s.getHeapUsedBytes());
    out.put("peak_heap_used", s.getPeakHeapUsedBytes());
    out.put("heap_committed", s.getHeapCommittedBytes());
    out.put("peak_heap_committed", s.getPeakHeapCommittedBytes());
    out.put("gc_count", s.getGcCount());
    out.put("gc_ms", s.getGcTimeMs());
    out.put("cpu_ms", s.getCpuTimeNs() / 1_000_000);
    out.put("rss", s.getRssBytes());
    return out;
  }
}
