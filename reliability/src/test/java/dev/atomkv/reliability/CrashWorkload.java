package dev.atomkv.reliability;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.Versionstamp;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One round of the crash test's load: each client sends Atomic requests one after another until
 * stopped. Every request writes several keys that must agree plus a log key of its own ({@code
 * ["log", round, client, seq]}), so that after a crash each request is either wholly there or
 * wholly absent, and the log tells which requests landed and with which versionstamp:
 * <ul>
 *   <li>{@code GROUP}: sets the three keys of a group to the request's id;
 *   <li>{@code SUM}: adds 1 to a counter and to its twin;
 *   <li>{@code CAS}: reads a pair, then sets both halves if the first is unchanged (a versionstamp
 *       check); the log value records the versionstamp it checked;
 *   <li>{@code EXPIRING}: sets a key that expires within 200 ms, so the sweeper has work.
 * </ul>
 * A third of the calls are reads instead: one Get of a whole group, or of a counter and its twin,
 * which must agree in every snapshot while the load runs, not only after the crash.
 */
final class CrashWorkload {
  static final int GROUPS = 16;
  static final int GROUP_KEYS = 3;
  static final int COUNTERS = 8;
  static final int PAIRS = 16;

  enum Kind { GROUP, SUM, CAS, EXPIRING }

  /**
   * One request as sent.
   *
   * @param target the group, counter or pair index
   * @param checked for CAS, the versionstamp the request checked (null: checked absent)
   */
  record Op(int round, int client, long seq, Kind kind, int target, Versionstamp checked,
      Attempt attempt) {
    String id() {
      return round + "/" + client + "/" + seq;
    }

    /** The value of the request's log key. */
    String logValue() {
      return kind + " " + target + (kind == Kind.CAS ? " " + checked : "");
    }
  }

  private final int round;
  private final List<KvClient> clients;
  private final long seed;
  private final AtomicBoolean stop = new AtomicBoolean();
  private final AtomicInteger acknowledged = new AtomicInteger();
  private final AtomicInteger reads = new AtomicInteger();
  private final ConcurrentLinkedQueue<Op> ops = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();
  private final List<Thread> threads = new ArrayList<>();
  private long startNanos;
  private long stopNanos;

  CrashWorkload(int round, List<KvClient> clients, long seed) {
    this.round = round;
    this.clients = clients;
    this.seed = seed;
  }

  static Key log(int round, int client, long seq) {
    return Key.of("log", round, client, seq);
  }

  static Key logs(int round) {
    return Key.of("log", round);
  }

  static Key group(int g, int part) {
    return Key.of("group", g, part);
  }

  static Key counter(int k) {
    return Key.of("counter", k);
  }

  static Key twin(int k) {
    return Key.of("counter", k, "twin");
  }

  static Key pair(int p, String half) {
    return Key.of("pair", p, half);
  }

  void start() {
    startNanos = System.nanoTime();
    for (int c = 0; c < clients.size(); c++) {
      int client = c;
      Thread t = new Thread(() -> run(client), "crash-client-" + c);
      t.setDaemon(true);
      threads.add(t);
      t.start();
    }
  }

  /** Acknowledged commits so far. */
  int acknowledged() {
    return acknowledged.get();
  }

  /** Stops sending and waits for every client's last call to end. */
  void stop() throws InterruptedException {
    stop.set(true);
    for (Thread t : threads) {
      t.join(120_000);
      if (t.isAlive()) {
        throw new AssertionError(t.getName() + " did not stop");
      }
    }
    stopNanos = System.nanoTime();
  }

  /** Get calls made. */
  int reads() {
    return reads.get();
  }

  /** Snapshots read during the load in which the keys of one request disagreed. */
  List<String> problems() {
    return List.copyOf(problems);
  }

  List<Op> ops() {
    return List.copyOf(ops);
  }

  int round() {
    return round;
  }

  Duration duration() {
    return Duration.ofNanos(stopNanos - startNanos);
  }

  /**
   * Requests in flight when the server died: sent before the last answer the clients received, and
   * never answered. Those certainly reached a live server; a kill at an idle moment has none.
   */
  long inFlightAtDeath() {
    long lastAnswer = ops.stream().filter(o -> o.attempt().outcome() != Outcome.UNKNOWN)
        .mapToLong(o -> o.attempt().endNanos()).max().orElse(Long.MIN_VALUE);
    return ops.stream().filter(o -> o.attempt().outcome() == Outcome.UNKNOWN
        && o.attempt().startNanos() < lastAnswer).count();
  }

  private void run(int client) {
    KvClient kv = clients.get(client);
    Random rnd = new Random(seed * 31 + round * 1_000_003L + client);
    long seq = 0;
    while (!stop.get()) {
      if (rnd.nextInt(3) == 0) {
        readSnapshot(kv, rnd);
        continue;
      }
      int pick = rnd.nextInt(100);
      Kind kind = pick < 35 ? Kind.GROUP : pick < 60 ? Kind.SUM : pick < 90 ? Kind.CAS
          : Kind.EXPIRING;
      int target = rnd.nextInt(switch (kind) {
        case GROUP -> GROUPS;
        case SUM -> COUNTERS;
        case CAS -> PAIRS;
        case EXPIRING -> 1;
      });
      Versionstamp checked = null;
      AtomicOperation op = kv.atomic();
      String id = round + "/" + client + "/" + seq;
      switch (kind) {
        case GROUP -> {
          for (int part = 0; part < GROUP_KEYS; part++) {
            op.set(group(target, part), KvValue.of(id));
          }
        }
        case SUM -> op.sum(counter(target), 1).sum(twin(target), 1);
        case CAS -> {
          KvEntry first;
          try {
            reads.incrementAndGet();
            first = kv.get(pair(target, "a"));
          } catch (KvException e) {
            pause();
            continue; // nothing was sent: the server is gone or going
          }
          checked = first.versionstamp();
          op.check(first).set(pair(target, "a"), KvValue.of(id)).set(pair(target, "b"),
              KvValue.of(id));
        }
        case EXPIRING -> op.set(Key.of("expiring", client), KvValue.of(id),
            Duration.ofMillis(1 + rnd.nextInt(200)));
      }
      Op sent = new Op(round, client, seq, kind, target, checked, null);
      op.set(log(round, client, seq), KvValue.of(sent.logValue()));
      Attempt attempt = Attempt.commit(op);
      ops.add(new Op(round, client, seq, kind, target, checked, attempt));
      seq++;
      if (attempt.outcome() == Outcome.OK) {
        acknowledged.incrementAndGet();
      } else if (attempt.outcome() == Outcome.UNKNOWN) {
        pause();
      }
    }
  }

  private void readSnapshot(KvClient kv, Random rnd) {
    List<Key> keys = new ArrayList<>();
    if (rnd.nextBoolean()) {
      int g = rnd.nextInt(GROUPS);
      for (int part = 0; part < GROUP_KEYS; part++) {
        keys.add(group(g, part));
      }
    } else {
      int k = rnd.nextInt(COUNTERS);
      keys.add(counter(k));
      keys.add(twin(k));
    }
    List<KvEntry> got;
    try {
      reads.incrementAndGet();
      got = kv.getMany(keys);
    } catch (KvException e) {
      pause();
      return;
    }
    for (KvEntry e : got) {
      if (!Objects.equals(e.value(), got.get(0).value())
          || !Objects.equals(e.versionstamp(), got.get(0).versionstamp())) {
        problems.add("one snapshot of keys written together disagrees: " + got);
        return;
      }
    }
  }

  /** After a failed call: the server is probably dead; do not spin until the test notices. */
  private static void pause() {
    try {
      Thread.sleep(20);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
