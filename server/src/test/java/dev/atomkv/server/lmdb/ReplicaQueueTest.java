package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.QueueOutcome;
import dev.atomkv.server.engine.QueueState;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queue entries of a replicated log applied to two replicas: each step answers alike on both and
 * depends on the entry's time and index only (the entries' times here are far from the clock).
 */
class ReplicaQueueTest {
  /** Entry times in milliseconds: a day in 2001, nowhere near the machine's clock. */
  private static final long T = 1_000_000_000_000L;
  private static final String D = TenantKeys.DEFAULT;

  @TempDir Path dir;

  private final List<ReplicaStore> replicas = new ArrayList<>();
  private long index;

  @AfterEach
  void tearDown() {
    replicas.forEach(ReplicaStore::close);
  }

  @Test
  void leasesRetriesExpiryRequeueAndDeadLettersFollowTheEntriesAloneAndAlikeOnEveryReplica()
      throws Exception {
    open(2);
    byte[] dead = "dead/1".getBytes(StandardCharsets.UTF_8);
    Enqueue retried = new Enqueue(Value.string("a"), T, List.of(dead), new long[] {100});
    Enqueue once = new Enqueue(Value.string("b"), T, List.of(), new long[0]);
    Enqueue delayed = new Enqueue(Value.string("c"), T + 10_000, List.of(), new long[0]);
    each(r -> apply(r, new AtomicWrite(List.of(), List.of(), Long.MAX_VALUE,
        List.of(retried, once, delayed)), micros(T), next()));
    assertEquals(new QueueState(T, Long.MAX_VALUE), same(r -> CompletableFuture.completedFuture(
        r.queueState())));

    // Leased at the entry's time: the delayed one is not due yet.
    long leaseIndex = index + 1;
    List<QueueDelivery> first = same(r -> r.leaseQueued(D, 10, 1000, micros(T + 5), next()));
    assertEquals(List.of("a", "b"), payloads(first));
    assertEquals(1, first.get(0).attempt());
    assertEquals(T + 5 + 1000, first.get(0).leaseExpiresAtMs());
    assertTrue(first.get(0).leaseId().startsWith(Long.toHexString(leaseIndex) + "."),
        "named by the lease entry's index: " + first.get(0).leaseId());
    assertEquals(new QueueState(T + 10_000, T + 1005), same(r ->
        CompletableFuture.completedFuture(r.queueState())));

    // "a" failed: retried 100 ms after the settle entry's time; settling it again finds it ended.
    String a1 = first.get(0).leaseId();
    assertTrue(this.<Boolean>same(r -> r.settleLease(D, a1, QueueOutcome.FAILED, micros(T + 20), next())));
    assertFalse(this.<Boolean>same(r -> r.settleLease(D, a1, QueueOutcome.ACKED, micros(T + 21), next())));
    assertFalse(this.<Boolean>same(r -> r.settleLease(D, "not a lease", QueueOutcome.ACKED, micros(T + 21),
        next())));
    assertEquals(List.of(), same(r -> r.leaseQueued(D, 10, 1000, micros(T + 119), next())));

    // "b" is not settled: at the entry's time past its expiry it fails, with no retry left.
    assertEquals(List.of(), same(r -> r.expireLeases(micros(T + 1004), next())));
    assertEquals(List.of(first.get(1).leaseId()),
        same(r -> r.expireLeases(micros(T + 1005), next())));

    List<QueueDelivery> second = same(r -> r.leaseQueued(D, 10, 1000, micros(T + 2000), next()));
    assertEquals(List.of("a"), payloads(second));
    assertEquals(2, second.get(0).attempt());

    // A new leader's requeue: ready at once, the lost delivery not counted; the old lease ended.
    assertEquals(1, (int) this.<Integer>same(r -> r.requeueLeases(micros(T + 2100), next())));
    assertFalse(this.<Boolean>same(r -> r.settleLease(D, second.get(0).leaseId(), QueueOutcome.ACKED,
        micros(T + 2101), next())));
    List<QueueDelivery> third = same(r -> r.leaseQueued(D, 1, 1000, micros(T + 2200), next()));
    assertEquals(List.of("a"), payloads(third));
    assertEquals(2, third.get(0).attempt());

    // Its schedule is spent: the failure gives it up and writes the dead letter, stamped from
    // the entry's time, alike on both replicas.
    assertTrue(this.<Boolean>same(r -> r.settleLease(D, third.get(0).leaseId(), QueueOutcome.FAILED,
        micros(T + 2300), next())));
    List<StoredEntry> deadLetters = new ArrayList<>();
    for (ReplicaStore r : replicas) {
      deadLetters.add(r.get(List.of(dead)).get(0));
    }
    assertEquals(Value.string("a"), deadLetters.get(0).value());
    assertEquals(micros(T + 2300), deadLetters.get(0).versionstamp().commitVersion());
    assertEquals(deadLetters.get(0).versionstamp(), deadLetters.get(1).versionstamp());

    // A returned message is ready at once, uncounted; an acked one is gone.
    List<QueueDelivery> last = same(r -> r.leaseQueued(D, 5, 1000, micros(T + 10_000), next()));
    assertEquals(List.of("c"), payloads(last));
    assertTrue(this.<Boolean>same(r -> r.settleLease(D, last.get(0).leaseId(), QueueOutcome.RETURNED,
        micros(T + 10_001), next())));
    QueueDelivery again = same(r -> r.leaseQueued(D, 5, 1000, micros(T + 10_002), next())).get(0);
    assertEquals(1, again.attempt());
    assertTrue(this.<Boolean>same(r -> r.settleLease(D, again.leaseId(), QueueOutcome.ACKED, micros(T + 10_003),
        next())));
    assertEquals(new QueueState(Long.MAX_VALUE, Long.MAX_VALUE), same(r ->
        CompletableFuture.completedFuture(r.queueState())));
    for (ReplicaStore r : replicas) {
      assertEquals(new LogPosition(1, index), r.lastApplied());
    }
  }

  @Test
  void eachTenantLeasesAndSettlesOnlyItsOwnMessagesAndOneBacklogHidesNoOtherTenantsMessages()
      throws Exception {
    open(2);
    // Tenant "a" has a backlog due long before anything of "b" or the default tenant.
    List<Enqueue> backlog = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      backlog.add(new Enqueue(Value.string("a" + i), T - 1000 + i, List.of(), new long[0], "a"));
    }
    byte[] deadB = TenantKeys.dataPrefix("b");
    deadB = java.util.Arrays.copyOf(deadB, deadB.length + 1);
    deadB[deadB.length - 1] = 7;
    byte[] deadKey = deadB;
    each(r -> apply(r, new AtomicWrite(List.of(), List.of(), Long.MAX_VALUE, backlog),
        micros(T), next()));
    each(r -> apply(r, new AtomicWrite(List.of(), List.of(), Long.MAX_VALUE, List.of(
        new Enqueue(Value.string("b"), T + 5, List.of(deadKey), new long[0], "b"),
        new Enqueue(Value.string("d"), T + 7, List.of(), new long[0]))), micros(T), next()));
    assertEquals(T - 1000, same(r -> CompletableFuture.completedFuture(r.queueState()))
        .nextReadyAtMs());
    assertEquals(T + 5, (long) same(r -> CompletableFuture.completedFuture(
        r.nextReadyAtMs("b"))));
    assertEquals(T + 7, (long) same(r -> CompletableFuture.completedFuture(
        r.nextReadyAtMs(D))));
    assertEquals(Long.MAX_VALUE, (long) same(r -> CompletableFuture.completedFuture(
        r.nextReadyAtMs("c"))));

    // Each lease takes its own tenant's messages only, the backlog of "a" notwithstanding.
    List<QueueDelivery> b = same(r -> r.leaseQueued("b", 10, 1000, micros(T + 10), next()));
    assertEquals(List.of("b"), payloads(b));
    List<QueueDelivery> d = same(r -> r.leaseQueued(D, 10, 1000, micros(T + 10), next()));
    assertEquals(List.of("d"), payloads(d));
    List<QueueDelivery> a = same(r -> r.leaseQueued("a", 3, 1000, micros(T + 10), next()));
    assertEquals(List.of("a0", "a1", "a2"), payloads(a));

    // Another tenant's lease is, to the tenant naming it, one that has ended.
    assertFalse(this.<Boolean>same(r -> r.settleLease("a", b.get(0).leaseId(),
        QueueOutcome.ACKED, micros(T + 11), next())));
    assertFalse(this.<Boolean>same(r -> r.settleLease(D, a.get(0).leaseId(),
        QueueOutcome.ACKED, micros(T + 11), next())));
    assertTrue(this.<Boolean>same(r -> r.settleLease("a", a.get(0).leaseId(),
        QueueOutcome.ACKED, micros(T + 12), next())));
    // Given up on, "b"'s message writes into b's keyspace.
    assertTrue(this.<Boolean>same(r -> r.settleLease("b", b.get(0).leaseId(),
        QueueOutcome.FAILED, micros(T + 12), next())));
    assertEquals(Value.string("b"), replicas.get(1).get(List.of(deadKey)).get(0).value());

    // A requeue puts every message back in its own tenant's partition.
    assertEquals(3, (int) this.<Integer>same(r -> r.requeueLeases(micros(T + 20), next())));
    assertEquals(List.of("d"), payloads(same(r -> r.leaseQueued(D, 10, 1000, micros(T + 21),
        next()))));
    assertEquals(List.of(), same(r -> r.leaseQueued("b", 10, 1000, micros(T + 21), next())));
    List<QueueDelivery> restOfA = same(r -> r.leaseQueued("a", 100, 1000, micros(T + 21),
        next()));
    assertEquals(49, restOfA.size());

    // A deleted tenant's queue goes, waiting and in flight, and nothing else with it.
    each(r -> apply(r, new AtomicWrite(List.of(), List.of(), Long.MAX_VALUE, List.of(
        new Enqueue(Value.string("a late"), T + 22, List.of(), new long[0], "a"))),
        micros(T + 22), next()));
    assertEquals(50, (int) this.<Integer>same(r -> r.dropTenantQueue("a", micros(T + 23),
        next())));
    assertFalse(this.<Boolean>same(r -> r.settleLease("a", restOfA.get(0).leaseId(),
        QueueOutcome.ACKED, micros(T + 24), next())));
    assertEquals(Long.MAX_VALUE, (long) same(r -> CompletableFuture.completedFuture(
        r.nextReadyAtMs("a"))));
    assertEquals(1, (int) this.<Integer>same(r -> r.requeueLeases(micros(T + 25), next())));
    assertEquals(List.of("d"), payloads(same(r -> r.leaseQueued(D, 10, 1000, micros(T + 26),
        next()))));
  }

  @Test
  void aTenantsRecordCarriesItsNameAndTheDefaultTenantsIsUnchanged() {
    byte[] id = new byte[QueuedMessage.ID_LENGTH];
    QueuedMessage plain = new QueuedMessage(id, 0, 2, Value.string("x"), List.of(), new long[0]);
    QueuedMessage tenants = new QueuedMessage(id, 0, 2, Value.string("x"), List.of(),
        new long[] {5}, new QueuedMessage.Lease(3, 4), "acme-1");
    assertEquals(D, QueuedMessage.decode(id, 0, plain.record()).tenant());
    assertEquals(plain.record().length + 16 + 8 + 1 + "acme-1".length(),
        tenants.record().length);
    QueuedMessage back = QueuedMessage.decode(id, 0, tenants.record());
    assertEquals("acme-1", back.tenant());
    assertEquals(tenants.lease(), back.lease());
    assertEquals("acme-1", QueuedMessage.decode(id, 0, back.undelivered(1).record()).tenant());
  }

  @Test
  void aLeaseIdNamesItsEntryAndItsMessageAndNothingElseParses() {
    byte[] id = new byte[QueuedMessage.ID_LENGTH];
    id[0] = 7;
    id[11] = 9;
    QueuedMessage m = new QueuedMessage(id, 0, 0, Value.string("x"), List.of(), new long[0])
        .leased(new QueuedMessage.Lease(0x1f, 5));
    Map.Entry<byte[], Long> back = QueuedMessage.parseLeaseId(m.leaseId());
    assertArrayEquals(id, back.getKey());
    assertEquals(0x1f, back.getValue());
    QueuedMessage decoded = QueuedMessage.decode(id, 0, m.record());
    assertEquals(m.lease(), decoded.lease());
    assertEquals(1, decoded.deliveries());
    assertNull(QueuedMessage.decode(id, 0, m.undelivered(3).record()).lease());
    for (String bad : List.of("", "1f", ".0700", "zz." + "00".repeat(12), "1f." + "0".repeat(23),
        "1f." + "g".repeat(24), "6d1b2c-1")) {
      assertNull(QueuedMessage.parseLeaseId(bad), bad);
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private void open(int n) {
    for (int i = 0; i < n; i++) {
      replicas.add(LmdbEngine.openReplica(EngineOptions.builder(dir.resolve("r" + i))
          .mapSizeBytes(64L << 20).syncMode(SyncMode.NONE).build()));
    }
  }

  /** A write entry: each proposal once, named after its log index. */
  private static CompletableFuture<CommitResult> apply(ReplicaStore r, AtomicWrite write,
      long entryMicros, LogPosition position) {
    return r.apply(new ProposalId(0, 1, position.index()), write, entryMicros, position);
  }

  private LogPosition next() {
    return new LogPosition(1, ++index);
  }

  /**
   * Applies one entry to every replica (the same position: {@code step} is called once per
   * replica, so it must take its position before) and returns the answer they agree on.
   */
  private <T> T same(Function<ReplicaStore, CompletableFuture<T>> step) throws Exception {
    long at = index;
    List<T> answers = new ArrayList<>();
    for (ReplicaStore r : replicas) {
      index = at;
      answers.add(step.apply(r).get(10, TimeUnit.SECONDS));
    }
    for (T answer : answers) {
      assertEquals(answers.get(0), answer);
    }
    return answers.get(0);
  }

  private void each(Function<ReplicaStore, CompletableFuture<?>> step) throws Exception {
    same(r -> step.apply(r).thenApply(x -> 0));
  }

  private static long micros(long ms) {
    return ms * 1000;
  }

  private static List<String> payloads(List<QueueDelivery> deliveries) {
    return deliveries.stream()
        .map(d -> new String(d.payload().payload(), StandardCharsets.UTF_8)).toList();
  }
}
