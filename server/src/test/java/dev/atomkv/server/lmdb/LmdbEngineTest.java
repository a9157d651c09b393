package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.EngineStats;
import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LmdbEngineTest {
  private static final long MAP_SIZE = 256L << 20;
  private static final long NO_SWEEP_MS = 3_600_000;
  private static final ToLongFunction<StoredEntry> ONE_EACH = e -> 1;

  @TempDir Path dir;

  private final List<LmdbEngine> opened = new ArrayList<>();

  @AfterEach
  void tearDown() {
    FailurePoints.disarmAll();
    opened.forEach(LmdbEngine::close);
  }

  // ---- reads -----------------------------------------------------------------------------------

  @Test
  void getReturnsEntriesInRequestOrderAndNullForMissing() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    Versionstamp vs = commitOk(engine, set(key("p", "a"), "A"), set(key("p", "c"), "C"));

    List<StoredEntry> got = engine.get(List.of(key("p", "c"), key("p", "b"), key("p", "a")));

    assertEquals(3, got.size());
    assertEntry(got.get(0), key("p", "c"), "C");
    assertEquals(vs, got.get(0).versionstamp());
    assertEquals(0, got.get(0).expiresAtMs());
    assertNull(got.get(1));
    assertEntry(got.get(2), key("p", "a"), "A");
  }

  @Test
  void listPagesInBothDirectionsAndLooksAhead() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    commitOk(engine, set(key("p", "a"), "A"), set(key("p", "b"), "B"), set(key("p", "c"), "C"),
        set(key("p"), "not in the prefix range"), set(key("q"), "Q"));
    byte[] start = append(key("p"), 0x00);
    byte[] end = append(key("p"), 0xff);

    ListPage page = engine.list(start, end, false, 2, Long.MAX_VALUE, ONE_EACH);
    assertKeys(page, key("p", "a"), key("p", "b"));
    assertTrue(page.more());

    page = engine.list(start, end, false, 3, Long.MAX_VALUE, ONE_EACH);
    assertKeys(page, key("p", "a"), key("p", "b"), key("p", "c"));
    assertFalse(page.more());

    page = engine.list(start, end, true, 2, Long.MAX_VALUE, ONE_EACH);
    assertKeys(page, key("p", "c"), key("p", "b"));
    assertTrue(page.more());

    page = engine.list(start, end, true, 10, Long.MAX_VALUE, ONE_EACH);
    assertKeys(page, key("p", "c"), key("p", "b"), key("p", "a"));
    assertFalse(page.more());

    assertFalse(engine.list(start, start, false, 10, Long.MAX_VALUE, ONE_EACH).more());
    assertTrue(engine.list(end, start, false, 10, Long.MAX_VALUE, ONE_EACH).entries().isEmpty());
  }

  @Test
  void listStopsBeforeTheByteCapButReturnsAtLeastOneEntry() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    commitOk(engine, set(key("a"), "1"), set(key("b"), "2"), set(key("c"), "3"));
    byte[] all = {};
    byte[] end = {(byte) 0xff};
    ToLongFunction<StoredEntry> tenEach = e -> 10;

    ListPage page = engine.list(all, end, false, 10, 25, tenEach);
    assertKeys(page, key("a"), key("b"));
    assertTrue(page.more());

    page = engine.list(all, end, false, 10, 0, tenEach);
    assertKeys(page, key("a"));
    assertTrue(page.more());

    page = engine.list(all, end, true, 10, 30, tenEach);
    assertKeys(page, key("c"), key("b"), key("a"));
    assertFalse(page.more());
  }

  @Test
  void longKeysListInBothDirections() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    byte[] prefix = Arrays.copyOf(key("long", "x".repeat(700)), 600);
    TreeMap<byte[], String> expected = new TreeMap<>(Arrays::compareUnsigned);
    List<Mutation> sets = new ArrayList<>(List.of(set(prefix, "prefix")));
    expected.put(prefix, "prefix");
    for (int len : new int[] {601, 700, 1000, 1001, 1023, 1024, 1500, 2000, 2047, 2048}) {
      for (char c : new char[] {'a', 'b'}) {
        byte[] k = Arrays.copyOf(prefix, len);
        Arrays.fill(k, prefix.length, len, (byte) c);
        sets.add(set(k, c + "" + len));
        expected.put(k, c + "" + len);
      }
    }
    commitOk(engine, sets.toArray(Mutation[]::new));
    byte[] start = Arrays.copyOf(prefix, 599);
    byte[] end = append(Arrays.copyOf(prefix, 599), 0xff);

    List<byte[]> forward = pageThrough(engine, start, end, false, 4);
    List<byte[]> reverse = pageThrough(engine, start, end, true, 3);

    List<byte[]> want = new ArrayList<>(expected.keySet());
    assertKeyLists(want, forward);
    List<byte[]> wantReversed = new ArrayList<>(want);
    Collections.reverse(wantReversed);
    assertKeyLists(wantReversed, reverse);
    for (Map.Entry<byte[], String> e : expected.entrySet()) {
      assertEntry(engine.get(List.of(e.getKey())).get(0), e.getKey(), e.getValue());
    }
  }

  // ---- atomic semantics ------------------------------------------------------------------------

  @Test
  void failedChecksAreAllReportedAndNothingIsWritten() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    Versionstamp vs = commitOk(engine, set(key("k1"), "v"));

    CommitResult result = engine.commit(new AtomicWrite(
        List.of(Check.versionstamp(key("k1"), vs), Check.absent(key("k1")),
            Check.absent(key("k2")), Check.versionstamp(key("k2"), vs)),
        List.of(set(key("k3"), "never")))).get(5, TimeUnit.SECONDS);

    assertFalse(result.ok());
    assertNull(result.versionstamp());
    assertEquals(List.of(1, 3), result.failedChecks());
    assertNull(engine.get(List.of(key("k3"))).get(0));

    CommitResult ok = engine.commit(new AtomicWrite(
        List.of(Check.versionstamp(key("k1"), vs), Check.absent(key("k2"))),
        List.of(set(key("k3"), "now")))).get(5, TimeUnit.SECONDS);
    assertTrue(ok.ok());
    assertTrue(ok.versionstamp().compareTo(vs) > 0);
  }

  @Test
  void requestWithoutMutationsCommitsWithAVersionstamp() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    CommitResult r = engine.commit(new AtomicWrite(List.of(Check.absent(key("x"))), List.of()))
        .get(5, TimeUnit.SECONDS);
    assertTrue(r.ok());
    assertNotNull(r.versionstamp());
  }

  @Test
  void sumWrapsAroundModulo2To64() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    commitOk(engine, Mutation.arithmetic(key("n"), MutationKind.SUM, -1L)); // 2^64 - 1
    commitOk(engine, Mutation.arithmetic(key("n"), MutationKind.SUM, 2));
    assertEquals(1, u64(engine, key("n")));
  }

  @Test
  void minAndMaxStoreTheOperandWhenMissingAndCompareUnsigned() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    commitOk(engine, Mutation.arithmetic(key("lo"), MutationKind.MIN, 7),
        Mutation.arithmetic(key("hi"), MutationKind.MAX, 7));
    assertEquals(7, u64(engine, key("lo")));
    assertEquals(7, u64(engine, key("hi")));

    commitOk(engine, Mutation.arithmetic(key("lo"), MutationKind.MIN, -1L),
        Mutation.arithmetic(key("hi"), MutationKind.MAX, -1L));
    assertEquals(7, u64(engine, key("lo")), "2^64-1 is not below 7");
    assertEquals(-1L, u64(engine, key("hi")), "2^64-1 is above 7");

    commitOk(engine, Mutation.arithmetic(key("lo"), MutationKind.MIN, 3));
    assertEquals(3, u64(engine, key("lo")));
  }

  @Test
  void arithmeticOnAnotherKindFailsAndRollsTheWholeRequestBack() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    Versionstamp before = commitOk(engine, set(key("s"), "text"), set(key("d"), "doomed?"));

    for (MutationKind kind : List.of(MutationKind.SUM, MutationKind.MIN, MutationKind.MAX)) {
      KvException e = commitFails(engine, write(set(key("a"), "A"), Mutation.delete(key("d")),
          Mutation.arithmetic(key("s"), kind, 1)));
      assertEquals(ErrorKind.FAILED_PRECONDITION, e.kind());
      assertEquals("Failed to perform '" + kind.wireName()
          + "' mutation on a non-U64 value in the database", e.getMessage());
    }
    // The set and the delete came before the failing mutation in the same request: both undone.
    List<StoredEntry> got = engine.get(List.of(key("a"), key("d"), key("s")));
    assertNull(got.get(0));
    assertEntry(got.get(1), key("d"), "doomed?");
    assertEntry(got.get(2), key("s"), "text");
    assertEquals(before, got.get(2).versionstamp());
  }

  @Test
  void arithmeticMessageNamesTheOperation() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    commitOk(engine, set(key("s"), "text"));
    KvException e = commitFails(engine, write(Mutation.arithmetic(key("s"), MutationKind.MAX, 1)));
    assertEquals("Failed to perform 'max' mutation on a non-U64 value in the database",
        e.getMessage());
  }

  @Test
  void setThenDeleteLeavesNothingAndDeleteThenSetLeavesTheValue() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    commitOk(engine, set(key("a"), "1"), Mutation.delete(key("a")),
        Mutation.delete(key("b")), set(key("b"), "2"), Mutation.delete(key("missing")));
    List<StoredEntry> got = engine.get(List.of(key("a"), key("b")));
    assertNull(got.get(0));
    assertEntry(got.get(1), key("b"), "2");
  }

  @Test
  void versionstampSuffixAppendsTheCommitVersionstamp() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    Mutation append = new Mutation(key("log"), MutationKind.SET, Value.string("entry"), 0, true, null);
    Versionstamp vs = commitOk(engine, append);

    byte[] expectedKey = KeyCodec.encode(Key.of(new KeyPart.Text("log"),
        new KeyPart.Text(vs.toString())));
    ListPage page = engine.list(append(key("log"), 0), append(key("log"), 0xff), false, 10,
        Long.MAX_VALUE, ONE_EACH);
    assertKeys(page, expectedKey);
    assertEquals(vs, page.entries().get(0).versionstamp());
    assertNull(engine.get(List.of(key("log"))).get(0));
  }

  // ---- expiry ----------------------------------------------------------------------------------

  @Test
  void expiredEntriesAreInvisibleFromTheirExpiryTime() throws Exception {
    MutableClock clock = new MutableClock(1_800_000_000_000L);
    LmdbEngine engine = open(clock);
    long at = clock.millis() + 1_000;
    commitOk(engine, setExpiring(key("gone"), "g", at), setExpiring(key("n"), "x", at),
        set(key("stays"), "s"));
    assertEquals(at, engine.get(List.of(key("gone"))).get(0).expiresAtMs());

    clock.advance(Duration.ofMillis(1_000));

    assertNull(engine.get(List.of(key("gone"))).get(0));
    assertKeys(engine.list(new byte[0], new byte[] {(byte) 0xff}, false, 10, Long.MAX_VALUE,
        ONE_EACH), key("stays"));
    assertKeys(engine.list(new byte[0], new byte[] {(byte) 0xff}, true, 10, Long.MAX_VALUE,
        ONE_EACH), key("stays"));
    // Checks and mutations see the expired key as missing: a sum on a non-u64 starts over.
    CommitResult r = engine.commit(new AtomicWrite(List.of(Check.absent(key("gone"))),
        List.of(Mutation.arithmetic(key("n"), MutationKind.SUM, 5)))).get(5, TimeUnit.SECONDS);
    assertTrue(r.ok());
    assertEquals(5, u64(engine, key("n")));
    assertEquals(0, engine.get(List.of(key("n"))).get(0).expiresAtMs(), "sum clears the expiry");
  }

  @Test
  void overwritingOrDeletingKeepsTheExpiryTableInStep() throws Exception {
    MutableClock clock = new MutableClock(1_800_000_000_000L);
    LmdbEngine engine = open(clock);
    long at = clock.millis() + 10_000;
    commitOk(engine, setExpiring(key("a"), "1", at), setExpiring(key("b"), "1", at),
        setExpiring(key("c"), "1", at), setExpiring(key("d"), "1", at));
    assertEquals(4, engine.expiryEntries());

    commitOk(engine, set(key("a"), "no expiry"), Mutation.delete(key("b")),
        setExpiring(key("c"), "later", at + 1), Mutation.arithmetic(key("x"), MutationKind.SUM, 1));

    assertEquals(2, engine.expiryEntries(), "c moved, d untouched");
    assertEquals(at + 1, engine.get(List.of(key("c"))).get(0).expiresAtMs());
  }

  @Test
  void expiredKeysAreSwept() throws Exception {
    LmdbEngine engine = LmdbEngine.open(options(Clock.systemUTC(), 10_000, 20));
    opened.add(engine);
    long at = System.currentTimeMillis() + 100;
    List<Mutation> sets = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      sets.add(setExpiring(key("tmp", String.valueOf(i)), "v", at));
    }
    byte[] longKey = Arrays.copyOf(key("tmp", "long"), 1500);
    sets.add(setExpiring(longKey, "v", at));
    sets.add(setExpiring(key("renewed"), "v", at));
    sets.add(set(key("kept"), "v"));
    commitOk(engine, sets.toArray(Mutation[]::new));
    commitOk(engine, set(key("renewed"), "no longer expires"));

    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // generous: CI machines can be busy
    while ((engine.dataEntries() != 2 || engine.expiryEntries() != 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(2, engine.dataEntries());
    assertEquals(0, engine.expiryEntries());
    List<StoredEntry> left = engine.get(List.of(key("kept"), key("renewed")));
    assertNotNull(left.get(0));
    assertNotNull(left.get(1));
  }

  @Test
  void aSweepIsACommitOfItsOwnWithAVersionstamp() throws Exception {
    MutableClock clock = new MutableClock(1_800_000_000_000L);
    LmdbEngine engine = LmdbEngine.open(options(clock, 10_000, 20));
    opened.add(engine);
    commitOk(engine, setExpiring(key("gone"), "g", clock.millis() + 100));
    clock.advance(Duration.ofMillis(1_000));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20); // generous: CI machines can be busy
    while (engine.dataEntries() != 0 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertEquals(0, engine.dataEntries());
    // The clock stood still since the sweep committed at its reading, so a commit now can only be
    // above the sweep's commit version: one more than the clock, not the clock itself.
    long clockMicros = clock.millis() * 1000;
    assertEquals(clockMicros + 1, commitOk(engine, set(key("after"), "v")).commitVersion());
  }

  // ---- stats -----------------------------------------------------------------------------------

  @Test
  void statsCountBatchesRequestsKeysAndSweeps() throws Exception {
    MutableClock clock = new MutableClock(1_800_000_000_000L);
    LmdbEngine engine = LmdbEngine.open(options(clock, 10_000, 20));
    opened.add(engine);
    EngineStats before = engine.stats();
    assertEquals(MAP_SIZE, before.mapSizeBytes());
    assertTrue(before.mapUsedBytes() > 0, "the meta pages are in use");
    assertEquals(before.mapSizeBytes() - before.mapUsedBytes(), before.mapFreeBytes());
    assertEquals(0, before.keys());
    assertEquals(0, before.batchedRequests());

    commitOk(engine, set(key("a"), "A"), set(key("b"), "B"));
    commitOk(engine, setExpiring(key("gone"), "g", clock.millis() + 100));
    CommitResult failed = engine.commit(new AtomicWrite(List.of(Check.absent(key("a"))),
        List.of(set(key("c"), "C")))).get(5, TimeUnit.SECONDS);
    assertFalse(failed.ok());

    EngineStats written = engine.stats();
    assertEquals(3, written.keys());
    assertEquals(2, written.batchedRequests(), "a failed check commits nothing");
    assertTrue(written.batches() >= 2 && written.batches() <= 2 + before.batches());
    assertTrue(written.mapUsedBytes() >= before.mapUsedBytes());

    clock.advance(Duration.ofMillis(1_000));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (engine.stats().sweptKeys() < 1 && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    EngineStats swept = engine.stats();
    assertEquals(1, swept.sweptKeys());
    assertEquals(1, swept.sweeps());
    assertEquals(2, swept.keys());
    assertEquals(written.batches() + 1, swept.batches());
    assertEquals(2, swept.batchedRequests());

    engine.close();
    assertEquals(ErrorKind.UNAVAILABLE,
        assertThrows(KvException.class, engine::stats).kind());
  }

  // ---- versionstamps ---------------------------------------------------------------------------

  @Test
  void versionstampsIncreaseAndSurviveARestartEvenIfTheClockGoesBack() throws Exception {
    MutableClock clock = new MutableClock(1_800_000_000_000L);
    LmdbEngine engine = open(clock);
    Versionstamp previous = null;
    for (int i = 0; i < 5; i++) {
      Versionstamp vs = commitOk(engine, set(key("k"), "v" + i));
      assertEquals(0, vs.position());
      if (previous != null) {
        assertTrue(vs.compareTo(previous) > 0);
      }
      previous = vs;
    }
    assertEquals(1_800_000_000_000_000L, previous.commitVersion() - 4,
        "the first commit takes the clock's microseconds, the next ones last + 1");
    engine.close();

    clock.advance(Duration.ofHours(-1));
    LmdbEngine reopened = open(clock);
    assertEquals(engine.databaseId(), reopened.databaseId());
    assertEntry(reopened.get(List.of(key("k"))).get(0), key("k"), "v4");
    Versionstamp next = commitOk(reopened, set(key("k"), "after restart"));
    assertEquals(previous.commitVersion() + 1, next.commitVersion());
  }

  @Test
  void concurrentRequestsShareABatchWithOrderedPositions() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    commitOk(engine, set(key("taken"), "x"), set(key("text"), "x"));
    Held held = hold(engine, "first");

    List<CompletableFuture<CommitResult>> futures = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      AtomicWrite w = switch (i % 10) {
        case 3 -> new AtomicWrite(List.of(Check.absent(key("taken"))),
            List.of(set(key("bad", i), "x")));
        case 7 -> new AtomicWrite(List.of(),
            List.of(set(key("bad", i), "x"), Mutation.arithmetic(key("text"), MutationKind.SUM, 1)));
        default -> write(set(key("good", i), "v" + i));
      };
      futures.add(engine.commit(w));
    }
    held.release();

    assertTrue(held.first().get(5, TimeUnit.SECONDS).ok());
    Versionstamp previous = null;
    int sharing = 0;
    for (int i = 0; i < 200; i++) {
      CompletableFuture<CommitResult> f = futures.get(i);
      if (i % 10 == 3) {
        assertEquals(List.of(0), f.get(5, TimeUnit.SECONDS).failedChecks());
        assertNull(engine.get(List.of(key("bad", i))).get(0));
      } else if (i % 10 == 7) {
        ExecutionException e = assertThrows(ExecutionException.class,
            () -> f.get(5, TimeUnit.SECONDS));
        assertEquals(ErrorKind.FAILED_PRECONDITION, ((KvException) e.getCause()).kind());
        assertNull(engine.get(List.of(key("bad", i))).get(0));
      } else {
        Versionstamp vs = f.get(5, TimeUnit.SECONDS).versionstamp();
        StoredEntry stored = engine.get(List.of(key("good", i))).get(0);
        assertEquals(vs, stored.versionstamp());
        if (previous != null && previous.commitVersion() == vs.commitVersion()) {
          // Refused requests consume no position: committed ones are numbered without gaps.
          assertEquals(previous.position() + 1, vs.position());
          sharing++;
        } else {
          assertEquals(0, vs.position());
          if (previous != null) {
            assertTrue(vs.commitVersion() > previous.commitVersion());
          }
        }
        previous = vs;
      }
    }
    assertTrue(sharing > 0, "some requests should have shared a commit version");
  }

  // ---- overload, deadlines, failures, shutdown ---------------------------------------------------

  @Test
  void fullQueueRefusesWithNotApplied() throws Exception {
    LmdbEngine engine = LmdbEngine.open(options(Clock.systemUTC(), 1, NO_SWEEP_MS));
    opened.add(engine);
    Held held = hold(engine, "a");
    CompletableFuture<CommitResult> b = engine.commit(write(set(key("b"), "1")));
    CompletableFuture<CommitResult> c = engine.commit(write(set(key("c"), "1")));

    assertTrue(c.isCompletedExceptionally());
    KvException e = cause(c);
    assertEquals(ErrorKind.NOT_APPLIED, e.kind());
    assertEquals("writer queue full", e.getMessage());

    held.release();
    assertTrue(held.first().get(5, TimeUnit.SECONDS).ok());
    assertTrue(b.get(5, TimeUnit.SECONDS).ok());
    assertNull(engine.get(List.of(key("c"))).get(0));
  }

  @Test
  void aWaitingSweepDoesNotCountAgainstTheQueueCapacity() throws Exception {
    // Capacity 1 and a sweep every 5 ms: while the writer is held, a sweep job waits in the queue.
    LmdbEngine engine = LmdbEngine.open(options(Clock.systemUTC(), 1, 5));
    opened.add(engine);
    Held held = hold(engine, "a");
    Thread.sleep(200); // many sweep intervals
    CompletableFuture<CommitResult> b = engine.commit(write(set(key("b"), "1")));
    assertFalse(b.isCompletedExceptionally(), "refused although no client request was waiting");
    held.release();
    assertTrue(held.first().get(5, TimeUnit.SECONDS).ok());
    assertTrue(b.get(5, TimeUnit.SECONDS).ok());
  }

  @Test
  void requestWhoseDeadlinePassedInTheQueueIsNotApplied() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    Held held = hold(engine, "a");
    CompletableFuture<CommitResult> late = engine.commit(new AtomicWrite(List.of(),
        List.of(set(key("late"), "1")), System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(20)));
    CompletableFuture<CommitResult> patient = engine.commit(new AtomicWrite(List.of(),
        List.of(set(key("patient"), "1")), System.nanoTime() + TimeUnit.SECONDS.toNanos(60)));
    Thread.sleep(50);
    held.release();

    assertTrue(held.first().get(5, TimeUnit.SECONDS).ok());
    assertTrue(patient.get(5, TimeUnit.SECONDS).ok());
    KvException e = cause(late);
    assertEquals(ErrorKind.NOT_APPLIED, e.kind());
    assertEquals("deadline exceeded before the request was applied", e.getMessage());
    assertNull(engine.get(List.of(key("late"))).get(0));
  }

  @Test
  void failedParentCommitFailsTheWholeBatchAndTheWriterCarriesOn() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    AtomicBoolean once = new AtomicBoolean();
    FailurePoints.arm(FailurePoints.Point.BEFORE_COMMIT, () -> {
      if (once.compareAndSet(false, true)) {
        throw new IllegalStateException("injected: disk full");
      }
    });

    KvException e = commitFails(engine, write(set(key("a"), "1")));
    assertEquals(ErrorKind.RESOURCE_EXHAUSTED, e.kind());
    assertNull(engine.get(List.of(key("a"))).get(0));

    commitOk(engine, set(key("b"), "1"));
    assertNotNull(engine.get(List.of(key("b"))).get(0));
  }

  @Test
  void failureAfterTheCommitLeavesTheWriteDurableButUnacknowledged() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    FailurePoints.arm(FailurePoints.Point.AFTER_COMMIT_BEFORE_ACK, () -> {
      throw new IllegalStateException("injected: crash before the answer");
    });

    KvException e = commitFails(engine, write(set(key("a"), "1")));

    // Durable, so never an error that says nothing was written: the outcome is unknown.
    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
    assertEquals("commit outcome unknown: re-read before retrying", e.getMessage());
    FailurePoints.disarmAll();
    // The client cannot know the outcome; a re-read finds the write.
    assertNotNull(engine.get(List.of(key("a"))).get(0));
    commitOk(engine, set(key("b"), "the writer is still alive"));
  }

  @Test
  void anErrorAfterTheCommitAnswersEveryRequestOfTheBatchOutcomeUnknown() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    // Hold the first batch so the next requests queue up and commit together in one batch.
    Held held = hold(engine, "first");
    List<CompletableFuture<CommitResult>> batch = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      batch.add(engine.commit(write(set(key("batched", i), "v"))));
    }
    AtomicInteger reached = new AtomicInteger();
    FailurePoints.arm(FailurePoints.Point.AFTER_COMMIT_BEFORE_ACK, () -> {
      if (reached.incrementAndGet() == 2) {
        // An Error, as an unexpected failure of the writer would be, not a tidy exception.
        throw new AssertionError("injected: the writer fails after the batch is durable");
      }
    });
    held.release();
    assertTrue(held.first().get(5, TimeUnit.SECONDS).ok());

    for (int i = 0; i < batch.size(); i++) {
      ExecutionException e = assertThrows(ExecutionException.class,
          batch.get(i)::get, "request " + i + " of the durable batch");
      KvException cause = (KvException) e.getCause();
      assertEquals(ErrorKind.UNAVAILABLE, cause.kind(), "never a status that means not written");
      assertEquals("commit outcome unknown: re-read before retrying", cause.getMessage());
      assertNotNull(engine.get(List.of(key("batched", i))).get(0), "the batch is durable");
    }
    FailurePoints.disarmAll();
    commitOk(engine, set(key("after"), "the writer is still alive"));
  }

  @Test
  void mapFullIsResourceExhaustedAndOtherRequestsOfTheBatchCommit() throws Exception {
    EngineOptions small = EngineOptions.builder(dir).mapSizeBytes(2L << 20)
        .syncMode(SyncMode.NONE).maxBatchBytes(64L << 20).sweepIntervalMs(NO_SWEEP_MS).build();
    LmdbEngine engine = LmdbEngine.open(small);
    opened.add(engine);
    Held held = hold(engine, "first");
    List<CompletableFuture<CommitResult>> futures = new ArrayList<>();
    for (int i = 0; i < 60; i++) {
      futures.add(engine.commit(write(Mutation.set(key("big", i), Value.bytes(new byte[60_000])))));
    }
    held.release();
    assertTrue(held.first().get(5, TimeUnit.SECONDS).ok());

    int ok = 0;
    int full = 0;
    for (int i = 0; i < futures.size(); i++) {
      try {
        assertTrue(futures.get(i).get(10, TimeUnit.SECONDS).ok());
        assertNotNull(engine.get(List.of(key("big", i))).get(0));
        ok++;
      } catch (ExecutionException e) {
        KvException kv = (KvException) e.getCause();
        assertEquals(ErrorKind.RESOURCE_EXHAUSTED, kv.kind());
        assertEquals(GroupCommitWriter.DATABASE_FULL, kv.getMessage());
        assertNull(engine.get(List.of(key("big", i))).get(0));
        full++;
      }
    }
    assertTrue(ok > 0 && full > 0, "ok=" + ok + " full=" + full);
    // Small writes may still fit, and reads keep working.
    assertNotNull(engine.get(List.of(key("first"))).get(0));
  }

  @Test
  void anUnexpectedErrorInOneRequestRollsBackThatRequestAloneAndAnswersItInternal()
      throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    Held held = hold(engine, "first");
    CompletableFuture<CommitResult> before = engine.commit(write(set(key("before"), "1")));
    CompletableFuture<CommitResult> broken = engine.commit(write(set(key("partial"), "1"),
        Mutation.merge(key("m"), Value.string("1"), current -> {
          throw new IllegalStateException("a merge with a bug");
        })));
    CompletableFuture<CommitResult> after = engine.commit(write(set(key("after"), "1")));
    held.release();

    assertTrue(held.first().get(5, TimeUnit.SECONDS).ok());
    Versionstamp b = before.get(5, TimeUnit.SECONDS).versionstamp();
    Versionstamp a = after.get(5, TimeUnit.SECONDS).versionstamp();
    assertEquals(b.commitVersion(), a.commitVersion(), "the batch committed around it");
    KvException e = cause(broken);
    assertEquals(ErrorKind.INTERNAL, e.kind());
    assertEquals("internal error while applying the request: it was rolled back",
        e.getMessage());
    assertTrue(e.getCause() instanceof IllegalStateException, "the cause is kept for the log");
    List<StoredEntry> got = engine.get(List.of(key("before"), key("partial"), key("m"),
        key("after")));
    assertNotNull(got.get(0));
    assertNull(got.get(1), "the failed request's earlier mutation was rolled back");
    assertNull(got.get(2));
    assertNotNull(got.get(3));
  }

  @Test
  void closeCommitsWhatIsQueuedThenRefuses() throws Exception {
    LmdbEngine engine = open(Clock.systemUTC());
    Held held = hold(engine, "a");
    CompletableFuture<CommitResult> b = engine.commit(write(set(key("b"), "1")));
    CompletableFuture<CommitResult> c = engine.commit(write(set(key("c"), "1")));
    Thread closer = new Thread(engine::close);
    closer.start();
    while (closer.getState() != Thread.State.WAITING) {
      Thread.sleep(1);
    }

    KvException refused = cause(engine.commit(write(set(key("d"), "1"))));
    assertEquals(ErrorKind.NOT_APPLIED, refused.kind());
    assertEquals("server is shutting down", refused.getMessage());

    held.release();
    closer.join(5_000);
    assertFalse(closer.isAlive());
    assertTrue(held.first().get(1, TimeUnit.SECONDS).ok());
    assertTrue(b.get(1, TimeUnit.SECONDS).ok());
    assertTrue(c.get(1, TimeUnit.SECONDS).ok());
    engine.close(); // idempotent
    KvException read = assertThrows(KvException.class, () -> engine.get(List.of(key("a"))));
    assertEquals(ErrorKind.UNAVAILABLE, read.kind());

    LmdbEngine reopened = open(Clock.systemUTC());
    List<StoredEntry> got = reopened.get(List.of(key("a"), key("b"), key("c"), key("d")));
    assertNotNull(got.get(0));
    assertNotNull(got.get(1));
    assertNotNull(got.get(2));
    assertNull(got.get(3));
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private EngineOptions options(Clock clock, int queueCapacity, long sweepMs) {
    return EngineOptions.builder(dir).mapSizeBytes(MAP_SIZE).syncMode(SyncMode.FULL)
        .writeQueueCapacity(queueCapacity).sweepIntervalMs(sweepMs).clock(clock).build();
  }

  private LmdbEngine open(Clock clock) {
    LmdbEngine engine = LmdbEngine.open(options(clock, 10_000, NO_SWEEP_MS));
    opened.add(engine);
    return engine;
  }

  static byte[] key(Object... parts) {
    List<KeyPart> list = new ArrayList<>();
    for (Object p : parts) {
      list.add(p instanceof Integer i ? KeyPart.Int.of(i) : new KeyPart.Text((String) p));
    }
    return KeyCodec.encode(new Key(list));
  }

  private static byte[] append(byte[] key, int b) {
    byte[] out = Arrays.copyOf(key, key.length + 1);
    out[key.length] = (byte) b;
    return out;
  }

  private static Mutation set(byte[] key, String value) {
    return Mutation.set(key, Value.string(value));
  }

  private static Mutation setExpiring(byte[] key, String value, long expiresAtMs) {
    return new Mutation(key, MutationKind.SET, Value.string(value), expiresAtMs, false, null);
  }

  private static AtomicWrite write(Mutation... mutations) {
    return new AtomicWrite(List.of(), List.of(mutations));
  }

  private static Versionstamp commitOk(LmdbEngine engine, Mutation... mutations)
      throws Exception {
    CommitResult r = engine.commit(write(mutations)).get(5, TimeUnit.SECONDS);
    assertTrue(r.ok());
    return r.versionstamp();
  }

  private static KvException commitFails(LmdbEngine engine, AtomicWrite w) {
    return cause(engine.commit(w));
  }

  private static KvException cause(CompletableFuture<CommitResult> f) {
    ExecutionException e = assertThrows(ExecutionException.class, () -> f.get(5, TimeUnit.SECONDS));
    return (KvException) e.getCause();
  }

  private static long u64(LmdbEngine engine, byte[] key) {
    StoredEntry e = engine.get(List.of(key)).get(0);
    assertEquals(ValueKind.U64, e.value().kind());
    return e.value().asU64();
  }

  private static void assertEntry(StoredEntry e, byte[] key, String value) {
    assertNotNull(e);
    assertArrayEquals(key, e.key());
    assertEquals(Value.string(value), e.value());
  }

  private static void assertKeys(ListPage page, byte[]... keys) {
    assertKeyLists(List.of(keys), page.entries().stream().map(StoredEntry::key).toList());
  }

  private static void assertKeyLists(List<byte[]> want, List<byte[]> got) {
    assertEquals(want.size(), got.size(), "number of keys");
    for (int i = 0; i < want.size(); i++) {
      assertArrayEquals(want.get(i), got.get(i), "key " + i);
    }
  }

  /** Pages through [start, end) the way the edge resumes after the last key of a page. */
  private static List<byte[]> pageThrough(LmdbEngine engine, byte[] start, byte[] end,
      boolean reverse, int limit) {
    List<byte[]> keys = new ArrayList<>();
    while (true) {
      ListPage page = engine.list(start, end, reverse, limit, Long.MAX_VALUE, ONE_EACH);
      page.entries().forEach(e -> keys.add(e.key()));
      if (!page.more()) {
        return keys;
      }
      byte[] last = keys.get(keys.size() - 1);
      if (reverse) {
        end = last;
      } else {
        start = append(last, 0);
      }
    }
  }

  /**
   * The writer held before the commit of a batch of one request (a set of {@code key}), so that
   * requests sent meanwhile queue up and go together into the next batch once it is released.
   */
  private static Held hold(LmdbEngine engine, String key) throws InterruptedException {
    Gate gate = Gate.at(FailurePoints.Point.BEFORE_COMMIT);
    CompletableFuture<CommitResult> first = engine.commit(write(set(key(key), "1")));
    gate.awaitReached();
    return new Held(gate, first);
  }

  private record Held(Gate gate, CompletableFuture<CommitResult> first) {
    void release() {
      gate.release();
    }
  }

  /** Holds the writer at a failure point, the first time it is reached, until released. */
  static final class Gate implements Runnable {
    private final CountDownLatch reached = new CountDownLatch(1);
    private final CountDownLatch released = new CountDownLatch(1);
    private final AtomicBoolean used = new AtomicBoolean();

    static Gate at(FailurePoints.Point point) {
      Gate gate = new Gate();
      FailurePoints.arm(point, gate);
      return gate;
    }

    @Override
    public void run() {
      if (used.compareAndSet(false, true)) {
        reached.countDown();
        try {
          released.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    void awaitReached() throws InterruptedException {
      assertTrue(reached.await(5, TimeUnit.SECONDS), "writer never reached the gate");
    }

    void release() {
      released.countDown();
    }
  }

  /** A settable clock: expiry and commit versions follow it. */
  static final class MutableClock extends Clock {
    private volatile Instant now;

    MutableClock(long epochMillis) {
      now = Instant.ofEpochMilli(epochMillis);
    }

    void advance(Duration d) {
      now = now.plus(d);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneId getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
      return this;
    }
  }
}
