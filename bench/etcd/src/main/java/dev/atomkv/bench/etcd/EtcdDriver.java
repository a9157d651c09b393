package dev.atomkv.bench.etcd;

import dev.atomkv.bench.core.AsyncOp;
import dev.atomkv.bench.core.CpuWatch;
import dev.atomkv.bench.core.Dataset;
import dev.atomkv.bench.core.DriverLoop;
import dev.atomkv.bench.core.LoadLoop;
import dev.atomkv.bench.core.Outcome;
import dev.atomkv.bench.core.Result;
import io.etcd.jetcd.ByteSequence;
import io.etcd.jetcd.Client;
import io.etcd.jetcd.KV;
import io.etcd.jetcd.KeyValue;
import io.etcd.jetcd.kv.GetResponse;
import io.etcd.jetcd.kv.TxnResponse;
import io.etcd.jetcd.op.Cmp;
import io.etcd.jetcd.op.CmpTarget;
import io.etcd.jetcd.op.Op;
import io.etcd.jetcd.options.GetOption;
import io.etcd.jetcd.options.PutOption;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;

/**
 * The etcd side, through jetcd: Txn (compare the key's mod revision with the last acknowledged
 * one, then put a 100-byte value) on the same 16-byte keys, values and concurrency as atomkv's
 * Atomic; Range of one key (the Get counterpart) and a 100-key prefix Range (the List one).
 */
public final class EtcdDriver {
  private static final String LIST_PREFIX = "l/";

  private final Client client;
  private final KV kv;
  private final ByteSequence[] keys;
  private final byte[][] rawKeys;
  /** Mod revision and value sequence number of each key's newest acknowledged put. */
  private final AtomicLongArray revisions = new AtomicLongArray(Dataset.KEYS);
  private final AtomicLongArray seqs = new AtomicLongArray(Dataset.KEYS);
  private final AtomicIntegerArray uncertain = new AtomicIntegerArray(Dataset.KEYS);
  private final AtomicLong seq = new AtomicLong();
  private final Set<Long> windowRevisions = ConcurrentHashMap.newKeySet();
  private final LongAdder windowOk = new LongAdder();
  private final LongAdder totalOk = new LongAdder();
  private volatile boolean inWindow;

  /** Reads of the current run: linearizable unless the run asks for "serializable": true. */
  private volatile GetOption readOption = GetOption.DEFAULT;

  /** @param endpoints one URL, or several (the members of one etcd cluster), comma-separated */
  private EtcdDriver(String endpoints) {
    // A small fixed pool for jetcd's callbacks instead of its default cached one: the client shares
    // two cores with the servers.
    ExecutorService executor = Executors.newFixedThreadPool(2, r -> {
      Thread t = new Thread(r, "driver-jetcd");
      t.setDaemon(true);
      return t;
    });
    // Round robin over the members, as the atomkv driver spreads its calls over a cluster's.
    client = Client.builder().endpoints(endpoints.split(",")).loadBalancerPolicy("round_robin")
        .executorService(executor).build();
    kv = client.getKVClient();
    byte[][] raw = Dataset.keys();
    rawKeys = raw;
    keys = new ByteSequence[raw.length];
    for (int i = 0; i < raw.length; i++) {
      keys[i] = ByteSequence.from(raw[i]);
    }
  }

  public static void main(String[] args) throws Exception {
    String endpoint = "http://127.0.0.1:2379";
    for (int i = 0; i < args.length - 1; i++) {
      if (args[i].equals("--endpoint")) {
        endpoint = args[i + 1];
      }
    }
    EtcdDriver d = new EtcdDriver(endpoint);
    try {
      DriverLoop.serve(d::handle);
    } finally {
      d.client.close();
    }
  }

  private Map<String, Object> handle(Map<String, Object> cmd) throws Exception {
    String what = String.valueOf(cmd.get("cmd"));
    return switch (what) {
      case "preload" -> preload();
      case "run" -> run(cmd);
      case "verify" -> verify(DriverLoop.intArg(cmd, "sample", 10_000));
      default -> throw new IllegalArgumentException("unknown command " + what);
    };
  }

  private static ByteSequence listKey(int group, int i) {
    return ByteSequence.from(String.format("%s%04d/%03d", LIST_PREFIX, group, i),
        StandardCharsets.UTF_8);
  }

  private static ByteSequence listPrefix(int group) {
    return ByteSequence.from(String.format("%s%04d/", LIST_PREFIX, group), StandardCharsets.UTF_8);
  }

  /** Puts every key once, 100 puts per Txn (etcd's default limit is 128 operations). */
  private Map<String, Object> preload() throws Exception {
    long t0 = System.nanoTime();
    // Wait until etcd answers (it may still be starting).
    for (int attempt = 0; ; attempt++) {
      try {
        kv.get(keys[0]).get(2, TimeUnit.SECONDS);
        break;
      } catch (Exception e) {
        if (attempt > 30) {
          throw e;
        }
        Thread.sleep(500);
      }
    }
    List<CompletableFuture<?>> pending = new ArrayList<>();
    int requests = 0;
    int[] order = Dataset.sortedOrder(rawKeys);
    for (int from = 0; from < Dataset.KEYS; from += 100) {
      int[] idx = java.util.Arrays.copyOfRange(order, from, Math.min(Dataset.KEYS, from + 100));
      List<Op> puts = new ArrayList<>();
      long[] s = new long[idx.length];
      for (int j = 0; j < idx.length; j++) {
        s[j] = seq.incrementAndGet();
        puts.add(Op.put(keys[idx[j]], ByteSequence.from(Dataset.value(idx[j], s[j])),
            PutOption.DEFAULT));
      }
      pending.add(kv.txn().Then(puts.toArray(new Op[0])).commit().thenAccept(resp -> {
        long rev = resp.getHeader().getRevision();
        for (int j = 0; j < idx.length; j++) {
          revisions.set(idx[j], rev);
          seqs.set(idx[j], s[j]);
        }
      }));
      requests++;
      drainTo(pending, 16);
    }
    for (int g = 0; g < Dataset.LIST_GROUPS; g++) {
      List<Op> puts = new ArrayList<>();
      for (int i = 0; i < Dataset.LIST_GROUP_SIZE; i++) {
        puts.add(Op.put(listKey(g, i),
            ByteSequence.from(Dataset.value(g * Dataset.LIST_GROUP_SIZE + i, 0)),
            PutOption.DEFAULT));
      }
      pending.add(kv.txn().Then(puts.toArray(new Op[0])).commit());
      requests++;
      drainTo(pending, 16);
    }
    drainTo(pending, 0);
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("keys", Dataset.KEYS);
    out.put("list_keys", Dataset.LIST_GROUPS * Dataset.LIST_GROUP_SIZE);
    out.put("requests", requests);
    out.put("secs", (System.nanoTime() - t0) / 1e9);
    return out;
  }

  private static void drainTo(List<CompletableFuture<?>> pending, int max) throws Exception {
    while (pending.size() > max) {
      pending.remove(0).get(60, TimeUnit.SECONDS);
    }
  }

  private AsyncOp txnOp() {
    return done -> {
      int k = ThreadLocalRandom.current().nextInt(Dataset.KEYS);
      long s = seq.incrementAndGet();
      long rev = revisions.get(k);
      kv.txn()
          .If(new Cmp(keys[k], Cmp.Op.EQUAL, CmpTarget.modRevision(rev)))
          .Then(Op.put(keys[k], ByteSequence.from(Dataset.value(k, s)), PutOption.DEFAULT))
          .commit()
          .whenComplete((TxnResponse resp, Throwable err) -> {
            if (err != null) {
              uncertain.set(k, 1);
              done.complete(Outcome.ERROR, err);
            } else if (resp.isSucceeded()) {
              acknowledge(k, resp.getHeader().getRevision(), s);
              done.complete(Outcome.OK, null);
            } else {
              done.complete(Outcome.NOT_OK, null);
            }
          });
    };
  }

  private void acknowledge(int k, long rev, long s) {
    totalOk.increment();
    if (inWindow) {
      windowOk.increment();
      windowRevisions.add(rev);
    }
    // Keep the newest: answers may arrive out of order. The pair is updated under the key's lock.
    synchronized (keys[k]) {
      if (rev > revisions.get(k)) {
        revisions.set(k, rev);
        seqs.set(k, s);
      }
    }
  }

  private AsyncOp getOp() {
    return done -> {
      int k = ThreadLocalRandom.current().nextInt(Dataset.KEYS);
      kv.get(keys[k], readOption).whenComplete((GetResponse resp, Throwable err) -> {
        if (err != null) {
          done.complete(Outcome.ERROR, err);
        } else {
          done.complete(resp.getKvs().size() == 1 ? Outcome.OK : Outcome.NOT_OK, null);
        }
      });
    };
  }

  private AsyncOp listOp() {
    return done -> {
      int g = ThreadLocalRandom.current().nextInt(Dataset.LIST_GROUPS);
      GetOption opt = GetOption.builder().isPrefix(true).withLimit(Dataset.LIST_GROUP_SIZE)
          .withSerializable(readOption.isSerializable()).build();
      kv.get(listPrefix(g), opt).whenComplete((GetResponse resp, Throwable err) -> {
        if (err != null) {
          done.complete(Outcome.ERROR, err);
        } else {
          done.complete(resp.getKvs().size() == Dataset.LIST_GROUP_SIZE ? Outcome.OK
              : Outcome.NOT_OK, null);
        }
      });
    };
  }

  private Map<String, Object> run(Map<String, Object> cmd) throws Exception {
    String scenario = String.valueOf(cmd.get("scenario"));
    readOption = Boolean.TRUE.equals(cmd.get("serializable"))
        ? GetOption.builder().withSerializable(true).build() : GetOption.DEFAULT;
    int concurrency = DriverLoop.intArg(cmd, "concurrency", 1);
    long warmup = DriverLoop.longArg(cmd, "warmup_ms", 2000);
    long measure = DriverLoop.longArg(cmd, "measure_ms", 5000);
    AsyncOp op = switch (scenario) {
      case "txn" -> txnOp();
      case "get" -> getOp();
      case "list" -> listOp();
      default -> throw new IllegalArgumentException("unknown scenario " + scenario);
    };
    boolean writes = scenario.equals("txn");
    Map<String, Long> pids = CpuWatch.parsePids(cmd.get("pids"));
    LoadLoop.Window window = new LoadLoop.Window() {
      @Override
      public void started() {
        windowRevisions.clear();
        windowOk.reset();
        inWindow = writes;
      }

      @Override
      public void ended(Result r) {
        inWindow = false;
        if (writes) {
          // One revision per successful Txn: etcd's batching is not visible in revisions.
          r.put("revisions", windowRevisions.size());
        }
        Long etcdPid = pids.get("etcd");
        if (etcdPid != null) {
          r.put("etcd_rss_anon", dev.atomkv.bench.core.Proc.statusBytes(etcdPid, "RssAnon"));
        }
      }
    };
    return LoadLoop.run("etcd", scenario, op, concurrency, warmup, measure,
        new CpuWatch(pids, window)).fields();
  }

  /** Reads a sample of the keys back and compares them with the newest acknowledged put. */
  private Map<String, Object> verify(int sample) throws Exception {
    long checked = 0;
    long mismatches = 0;
    long unknownApplied = 0;
    List<String> samples = new ArrayList<>();
    int step = Math.max(1, Dataset.KEYS / Math.max(1, sample));
    List<CompletableFuture<Void>> pending = new ArrayList<>();
    long[] counts = new long[3];
    for (int i = 0; i < Dataset.KEYS; i += step) {
      int k = i;
      pending.add(kv.get(keys[k]).thenAccept(resp -> {
        synchronized (counts) {
          counts[0]++;
          KeyValue kvp = resp.getKvs().isEmpty() ? null : resp.getKvs().get(0);
          long rev = kvp == null ? -1 : kvp.getModRevision();
          long s = kvp == null ? -1 : Dataset.seqOf(kvp.getValue().getBytes());
          if (rev == revisions.get(k) && s == seqs.get(k)) {
            return;
          }
          if (rev > revisions.get(k) && uncertain.get(k) == 1) {
            counts[2]++;
            return;
          }
          counts[1]++;
          if (samples.size() < 5) {
            samples.add("key#" + k + " stored rev " + rev + "/seq " + s + " acknowledged rev "
                + revisions.get(k) + "/seq " + seqs.get(k));
          }
        }
      }));
      if (pending.size() > 64) {
        pending.remove(0).get(30, TimeUnit.SECONDS);
      }
    }
    for (CompletableFuture<Void> f : pending) {
      f.get(30, TimeUnit.SECONDS);
    }
    checked = counts[0];
    mismatches = counts[1];
    unknownApplied = counts[2];
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("checked", checked);
    out.put("acknowledged_commits", totalOk.sum());
    out.put("mismatches", mismatches);
    out.put("unknown_outcome_applied", unknownApplied);
    out.put("samples", samples);
    return out;
  }
}
