package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.QueueCounts;
import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's queue: storage with the request, leases, settling, and restarts. */
class LmdbQueueTest {
  @TempDir Path dir;

  private final List<LmdbEngine> opened = new ArrayList<>();

  @AfterEach
  void tearDown() {
    opened.forEach(LmdbEngine::close);
  }

  @Test
  void aMessageIsCommittedWithItsRequestDeliveredOnceAndRemovedOnSuccess() throws Exception {
    LmdbEngine engine = open();
    CommitResult r = commit(engine, enqueue("hello", 0, List.of(), new long[] {10}));
    assertTrue(r.ok());
    assertArrayEquals(new long[] {1, 0}, engine.queueEntries());
    assertEquals(1, engine.stats().queueWaiting());

    Sink sink = new Sink();
    QueueSubscription sub = engine.listen(1, sink);
    QueueDelivery d = sink.next();
    assertEquals(Value.string("hello"), d.payload());
    assertEquals(1, d.attempt());
    assertEquals(r.versionstamp(), d.versionstamp());
    assertArrayEquals(new long[] {0, 1}, engine.queueEntries(), "moved to the in-flight table");
    assertEquals(0, engine.stats().queueWaiting());
    assertEquals(1, engine.stats().queueInFlight());

    engine.ack(d.leaseId(), true).get(5, TimeUnit.SECONDS);
    assertArrayEquals(new long[] {0, 0}, engine.queueEntries());
    ExecutionException again = assertThrows(ExecutionException.class,
        () -> engine.ack(d.leaseId(), true).get(5, TimeUnit.SECONDS));
    assertEquals(ErrorKind.FAILED_PRECONDITION,
        assertInstanceOf(KvException.class, again.getCause()).kind());
    assertNull(sink.poll(200), "nothing else to deliver");
    sub.close();
  }

  @Test
  void aRequestWhoseCheckFailsEnqueuesNothing() throws Exception {
    LmdbEngine engine = open();
    commit(engine, new AtomicWrite(List.of(), List.of(dev.atomkv.server.model.Mutation.set(
        LmdbEngineTest.key("taken"), Value.string("x")))));

    CommitResult r = engine.commit(new AtomicWrite(List.of(Check.absent(LmdbEngineTest.key("taken"))),
        List.of(), Long.MAX_VALUE, List.of(enqueue("lost", 0, List.of(), new long[0]))))
        .get(5, TimeUnit.SECONDS);

    assertFalse(r.ok());
    assertArrayEquals(new long[] {0, 0}, engine.queueEntries());
  }

  @Test
  void aFailureWithNoIntervalLeftWritesThePayloadToEveryUndeliveredKey() throws Exception {
    LmdbEngine engine = open();
    byte[] a = LmdbEngineTest.key("dead", "a");
    byte[] longKey = LmdbEngineTest.key("dead", "x".repeat(1500));
    commit(engine, enqueue("payload", 0, List.of(a, longKey), new long[] {20}));
    Sink sink = new Sink();
    engine.listen(1, sink);

    QueueDelivery first = sink.next();
    engine.ack(first.leaseId(), false).get(5, TimeUnit.SECONDS);
    QueueDelivery second = sink.next();
    assertEquals(2, second.attempt());
    assertTrue(second.leaseExpiresAtMs() > 0);
    engine.ack(second.leaseId(), false).get(5, TimeUnit.SECONDS);

    List<StoredEntry> dead = engine.get(List.of(a, longKey));
    assertNotNull(dead.get(0));
    assertEquals(Value.string("payload"), dead.get(0).value());
    assertEquals(Value.string("payload"), dead.get(1).value());
    assertEquals(dead.get(0).versionstamp(), dead.get(1).versionstamp(), "one commit");
    assertArrayEquals(new long[] {0, 0}, engine.queueEntries());
  }

  @Test
  void aLeaseThatExpiresCountsAsAFailure() throws Exception {
    LmdbEngine engine = open(200);
    commit(engine, enqueue("slow", 0, List.of(), new long[] {0}));
    Sink sink = new Sink();
    engine.listen(1, sink);

    QueueDelivery first = sink.next();
    QueueDelivery second = sink.next();

    assertEquals(2, second.attempt());
    assertThrows(ExecutionException.class,
        () -> engine.ack(first.leaseId(), true).get(5, TimeUnit.SECONDS));
    engine.ack(second.leaseId(), true).get(5, TimeUnit.SECONDS);
    assertArrayEquals(new long[] {0, 0}, engine.queueEntries());
  }

  @Test
  void messagesInFlightAtAStopAreDeliveredAgainAfterTheRestartUncounted() throws Exception {
    LmdbEngine engine = open();
    commit(engine, enqueue("held", 0, List.of(), new long[0]));
    Sink sink = new Sink();
    engine.listen(1, sink);
    QueueDelivery held = sink.next();
    assertEquals(1, held.attempt());
    engine.close();
    assertNotNull(sink.ended.poll(5, TimeUnit.SECONDS), "the listener is told the engine stops");

    LmdbEngine reopened = open();
    Sink after = new Sink();
    reopened.listen(1, after);
    QueueDelivery again = after.next();
    assertEquals(Value.string("held"), again.payload());
    assertEquals(1, again.attempt(), "a delivery cut short by the stop is not counted");
    reopened.ack(again.leaseId(), true).get(5, TimeUnit.SECONDS);
    assertArrayEquals(new long[] {0, 0}, reopened.queueEntries());
  }

  @Test
  void countsTellReadyFromDelayedAndInFlightAndSayWhenTheReadyBoundWasReached() throws Exception {
    LmdbEngine engine = open();
    for (int i = 0; i < 3; i++) {
      commit(engine, enqueue("now " + i, 0, List.of(), new long[] {60_000}));
    }
    commit(engine, enqueue("later 1", 3_600_000, List.of(), new long[0]));
    commit(engine, enqueue("later 2", 7_200_000, List.of(), new long[0]));
    long now = System.currentTimeMillis();
    assertEquals(new QueueCounts(3, 2, 0, true), engine.queueCounts(now, 100));
    assertEquals(new QueueCounts(3, 2, 0, true), engine.queueCounts(now, 3),
        "exactly the bound ready is still exact");
    assertEquals(new QueueCounts(2, 3, 0, false), engine.queueCounts(now, 2));
    assertEquals(new QueueCounts(4, 1, 0, true), engine.queueCounts(now + 3_600_000, 100),
        "the first delayed message is ready once its time has come");

    Sink sink = new Sink();
    QueueSubscription sub = engine.listen(1, sink);
    sink.next();
    assertEquals(new QueueCounts(2, 2, 1, true), engine.queueCounts(now, 100));
    sub.close();
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private LmdbEngine open() {
    return open(EngineOptions.DEFAULT_QUEUE_LEASE_MS);
  }

  private LmdbEngine open(long leaseMs) {
    LmdbEngine engine = LmdbEngine.open(EngineOptions.builder(dir).mapSizeBytes(256L << 20)
        .syncMode(SyncMode.NONE).sweepIntervalMs(3_600_000).queueLeaseMs(leaseMs).build());
    opened.add(engine);
    return engine;
  }

  private static Enqueue enqueue(String payload, long delayMs, List<byte[]> keys, long[] backoff) {
    return Enqueue.of(Value.string(payload), delayMs, System.currentTimeMillis(), keys, backoff,
        backoff.length == 0);
  }

  private static CommitResult commit(LmdbEngine engine, Enqueue e) throws Exception {
    return commit(engine, new AtomicWrite(List.of(), List.of(), Long.MAX_VALUE, List.of(e)));
  }

  private static CommitResult commit(LmdbEngine engine, AtomicWrite w) throws Exception {
    return engine.commit(w).get(5, TimeUnit.SECONDS);
  }

  private static final class Sink implements QueueSink {
    final BlockingQueue<QueueDelivery> deliveries = new LinkedBlockingQueue<>();
    final BlockingQueue<KvException> ended = new LinkedBlockingQueue<>();

    @Override
    public void deliver(QueueDelivery delivery) {
      deliveries.add(delivery);
    }

    @Override
    public void end(KvException reason) {
      ended.add(reason);
    }

    QueueDelivery next() throws InterruptedException {
      QueueDelivery d = deliveries.poll(10, TimeUnit.SECONDS);
      assertNotNull(d, "a delivery within 10 s");
      return d;
    }

    QueueDelivery poll(long ms) throws InterruptedException {
      return deliveries.poll(ms, TimeUnit.MILLISECONDS);
    }
  }
}
