package dev.atomkv.server.lmdb;

import static dev.atomkv.server.lmdb.LmdbEngineTest.key;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.engine.WatchedKey;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The engine's change feed through {@link LmdbEngine#watch}. */
class LmdbEngineWatchTest {
  private static final long WAIT_S = 10;

  @TempDir Path dir;

  private final List<LmdbEngine> opened = new ArrayList<>();

  @AfterEach
  void tearDown() {
    opened.forEach(LmdbEngine::close);
  }

  @Test
  void firstPollHoldsEveryKeyAndLaterPollsOnlyWhatChanged() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Versionstamp a1 = commit(engine, set(key("a"), "A1"));
    Signal signal = new Signal();
    KeyWatch watch = engine.watch(List.of(key("a"), key("b")), null, signal);

    WatchUpdate first = watch.poll();
    assertEntry(first.keys().get(0), key("a"), "A1", a1, true);
    assertMissing(first.keys().get(1), true);
    assertNull(watch.poll(), "nothing changed since the first poll");

    Versionstamp b1 = commit(engine, set(key("b"), "B1"));
    signal.await();
    WatchUpdate second = watch.poll();
    assertEntry(second.keys().get(0), key("a"), "A1", a1, false);
    assertEntry(second.keys().get(1), key("b"), "B1", b1, true);

    Versionstamp a2 = commit(engine, set(key("a"), "A2"));
    signal.await();
    WatchUpdate overwrite = watch.poll();
    assertEntry(overwrite.keys().get(0), key("a"), "A2", a2, true);
    assertFalse(overwrite.keys().get(1).changed());

    commit(engine, Mutation.delete(key("b")));
    signal.await();
    WatchUpdate deleted = watch.poll();
    assertFalse(deleted.keys().get(0).changed());
    assertMissing(deleted.keys().get(1), true);
  }

  @Test
  void commitsToOtherKeysDoNotWakeTheWatch() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Signal signal = new Signal();
    KeyWatch watch = engine.watch(List.of(key("mine")), null, signal);
    watch.poll();

    commit(engine, set(key("other"), "x"));
    commit(engine, Mutation.delete(key("mine"))); // deleting a missing key changes nothing
    commit(engine, set(key("mine"), "y"));
    signal.await();

    // The notifier handles commits in order: had the first two woken the watch, it would show.
    assertEquals(1, signal.calls.get());
    assertEquals("y", text(watch.poll().keys().get(0)));
  }

  @Test
  void commitsBetweenPollsCoalesceIntoTheLatestState() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Signal signal = new Signal();
    KeyWatch watch = engine.watch(List.of(key("n")), null, signal);
    watch.poll();

    Signal barrier = new Signal();
    engine.watch(List.of(key("barrier")), null, barrier).poll();

    commit(engine, set(key("n"), "1"));
    commit(engine, set(key("n"), "2"));
    Versionstamp last = commit(engine, set(key("n"), "3"));
    // The notifier handles commits in order: once the barrier is told, so was the watch.
    commit(engine, set(key("barrier"), "b"));
    barrier.await();

    assertEquals(1, signal.calls.get(), "told once until it polls");
    WatchUpdate update = watch.poll();
    assertEntry(update.keys().get(0), key("n"), "3", last, true);
    assertNull(watch.poll());
  }

  @Test
  void expiryIsAChangeWithTheSweepsVersionstamp() throws Exception {
    LmdbEngine engine = open(20);
    Signal signal = new Signal();
    long expiresAt = System.currentTimeMillis() + 300;
    Versionstamp set = commit(engine,
        new Mutation(key("e"), dev.atomkv.server.model.MutationKind.SET, Value.string("soon"),
            expiresAt, false, null));
    KeyWatch watch = engine.watch(List.of(key("e")), null, signal);
    assertEquals("soon", text(watch.poll().keys().get(0)));

    WatchUpdate expired = null;
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (expired == null && System.nanoTime() < deadline) {
      signal.await();
      expired = watch.poll();
    }
    assertNotNull(expired, "the sweep's deletion reached the watch");
    assertMissing(expired.keys().get(0), true);
    // A resumed watch from the set's versionstamp learns of the deletion from the deletion log.
    KeyWatch resumed = engine.watch(List.of(key("e")), set, () -> {});
    assertMissing(resumed.poll().keys().get(0), true);
  }

  @Test
  void resumeSendsNothingWhenNothingChangedSinceAfter() throws Exception {
    LmdbEngine engine = open(3_600_000);
    commit(engine, set(key("a"), "A"));
    Versionstamp after = commit(engine, set(key("x"), "unrelated"));

    KeyWatch watch = engine.watch(List.of(key("a"), key("never")), after, new Signal());

    assertNull(watch.poll(), "a is older than after and never was never written");
  }

  @Test
  void resumeReportsWritesAndDeletionsAfterAfter() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Versionstamp a1 = commit(engine, set(key("a"), "A"), set(key("b"), "B"));
    Versionstamp del = commit(engine, Mutation.delete(key("b")));

    WatchUpdate sinceA1 = engine.watch(List.of(key("a"), key("b")), a1, () -> {}).poll();
    assertEntry(sinceA1.keys().get(0), key("a"), "A", a1, false);
    assertMissing(sinceA1.keys().get(1), true);

    assertNull(engine.watch(List.of(key("a"), key("b")), del, () -> {}).poll(),
        "the deletion is not after its own versionstamp");

    Versionstamp a2 = commit(engine, set(key("a"), "A2"));
    WatchUpdate sinceDel = engine.watch(List.of(key("a"), key("b")), del, () -> {}).poll();
    assertEntry(sinceDel.keys().get(0), key("a"), "A2", a2, true);
    assertMissing(sinceDel.keys().get(1), false);
  }

  @Test
  void resumingFromAnUpdatesReadVersionstampSendsNothingUntilTheNextChange() throws Exception {
    LmdbEngine engine = open(3_600_000);
    commit(engine, set(key("a"), "A"), set(key("b"), "B"));
    commit(engine, Mutation.delete(key("b")));
    WatchUpdate seen = engine.watch(List.of(key("a"), key("b")), null, () -> {}).poll();

    KeyWatch resumed = engine.watch(List.of(key("a"), key("b")), seen.readVersionstamp(),
        () -> {});
    assertNull(resumed.poll(), "the update already held the deletion of b");

    Versionstamp b2 = commit(engine, set(key("b"), "B2"));
    assertTrue(b2.compareTo(seen.readVersionstamp()) > 0);
    WatchUpdate next = engine.watch(List.of(key("a"), key("b")), seen.readVersionstamp(),
        () -> {}).poll();
    assertFalse(next.keys().get(0).changed());
    assertEntry(next.keys().get(1), key("b"), "B2", b2, true);
    assertTrue(next.readVersionstamp().compareTo(b2) >= 0);
  }

  @Test
  void resumedWatchNotifiesLaterChanges() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Versionstamp after = commit(engine, set(key("a"), "A"));
    Signal signal = new Signal();
    KeyWatch watch = engine.watch(List.of(key("a")), after, signal);
    assertNull(watch.poll());

    commit(engine, Mutation.delete(key("a")));
    signal.await();

    assertMissing(watch.poll().keys().get(0), true);
  }

  @Test
  void resumeFromBeforeARestartCannotProveAMissingKeyUnchanged() throws Exception {
    LmdbEngine engine = open(3_600_000);
    commit(engine, set(key("a"), "A"), set(key("gone"), "G"));
    Versionstamp after = commit(engine, Mutation.delete(key("gone")));
    Versionstamp upToDate = engine.watch(List.of(key("gone")), null, () -> {}).poll()
        .readVersionstamp();
    engine.close();
    LmdbEngine reopened = open(3_600_000);

    assertNull(reopened.watch(List.of(key("a"), key("gone")), upToDate, () -> {}).poll(),
        "a watcher that had seen the last commit before the restart misses nothing");
    assertNull(reopened.watch(List.of(key("a")), after, () -> {}).poll(),
        "a stored key carries its own proof");
    WatchUpdate update = reopened.watch(List.of(key("a"), key("gone")), after, () -> {}).poll();
    assertFalse(update.keys().get(0).changed());
    assertMissing(update.keys().get(1), true);
  }

  @Test
  void resumeFromBeforeForgottenDeletionsCountsMissingKeysAsChanged() throws Exception {
    LmdbEngine engine = open(EngineOptions.defaults(dir).withWatchDeletionLogBytes(0), 3_600_000);
    commit(engine, set(key("a"), "A"), set(key("b"), "B"));
    Versionstamp seen = engine.watch(List.of(key("a")), null, () -> {}).poll()
        .readVersionstamp();
    commit(engine, Mutation.delete(key("b"))); // forgotten at once: the log holds nothing

    assertNull(engine.watch(List.of(key("a")), seen, () -> {}).poll(),
        "a stored key still carries its own proof");
    WatchUpdate update = engine.watch(List.of(key("a"), key("never")), seen, () -> {}).poll();
    assertFalse(update.keys().get(0).changed());
    assertMissing(update.keys().get(1), true);
  }

  @Test
  void aResumePointFromTheOriginalOfARestoredStoreProvesNothing(@TempDir Path backups)
      throws Exception {
    LmdbEngine original = open(3_600_000);
    Versionstamp backedUp = commit(original, set(key("k"), "in the backup"));
    Path backup = backups.resolve("copy");
    original.backup(backup);
    commit(original, set(key("k"), "lost by the restore"));
    Versionstamp seen = original.watch(List.of(key("k")), null, () -> {}).poll()
        .readVersionstamp();
    original.close();

    LmdbEngine restored = LmdbEngine.open(EngineOptions.defaults(backup));
    opened.add(restored);
    WatchUpdate beforeAnyCommit = restored.watch(List.of(key("k")), seen, () -> {}).poll();
    assertEntry(beforeAnyCommit.keys().get(0), key("k"), "in the backup", backedUp, true);
    commit(restored, set(key("other"), "x")); // stamped with the current time, above `seen`
    WatchUpdate afterACommit = restored.watch(List.of(key("k")), seen, () -> {}).poll();
    assertEntry(afterACommit.keys().get(0), key("k"), "in the backup", backedUp, true);
  }

  @Test
  void resumeFromAVersionstampNewerThanTheStoreSendsEverything() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Versionstamp a = commit(engine, set(key("a"), "A"));
    Versionstamp future = new Versionstamp(a.commitVersion() + 1_000_000, 0);

    WatchUpdate update = engine.watch(List.of(key("a")), future, () -> {}).poll();

    assertEntry(update.keys().get(0), key("a"), "A", a, true);
  }

  @Test
  void closedWatchIsNotToldAnyMore() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Signal closedOne = new Signal();
    Signal openOne = new Signal();
    KeyWatch watch = engine.watch(List.of(key("k")), null, closedOne);
    engine.watch(List.of(key("k")), null, openOne).poll();
    watch.poll();
    watch.close();
    watch.close();

    commit(engine, set(key("k"), "v"));
    openOne.await();

    assertEquals(0, closedOne.calls.get());
  }

  @Test
  void closingTheEngineWakesWatchesAndTheirPollFailsUnavailable() throws Exception {
    LmdbEngine engine = open(3_600_000);
    Signal signal = new Signal();
    KeyWatch watch = engine.watch(List.of(key("k")), null, signal);
    watch.poll();

    engine.close();
    signal.await();

    KvException e = assertThrows(KvException.class, watch::poll);
    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
    assertEquals(ErrorKind.UNAVAILABLE, assertThrows(KvException.class,
        () -> engine.watch(List.of(key("k")), null, () -> {})).kind());
  }

  @Test
  void thousandsOfIdleWatchesHoldNoThreads() throws Exception {
    LmdbEngine engine = open(3_600_000);
    int threadsBefore = ManagementFactory.getThreadMXBean().getThreadCount();
    AtomicInteger told = new AtomicInteger();
    List<KeyWatch> watches = new ArrayList<>();
    for (int i = 0; i < 5_000; i++) {
      KeyWatch w = engine.watch(List.of(key("hot"), key("own", i)), null, told::incrementAndGet);
      w.poll();
      watches.add(w);
    }
    assertTrue(ManagementFactory.getThreadMXBean().getThreadCount() <= threadsBefore + 2,
        "no thread per watch");

    commit(engine, set(key("hot"), "news"));
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (told.get() < watches.size() && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    assertEquals(watches.size(), told.get());
    assertEquals("news", text(watches.get(4_321).poll().keys().get(0)));
    watches.forEach(KeyWatch::close);
  }

  @Test
  void aCommitMadeOnlyOfMergesReachesWatchers() throws Exception {
    // KV Connect's sums of JavaScript numbers are merges: a watcher must hear of them like of a
    // set, also when they are all a batch holds.
    LmdbEngine engine = open(3_600_000);
    Signal signal = new Signal();
    KeyWatch watch = engine.watch(List.of(key("n")), null, signal);
    assertMissing(watch.poll().keys().get(0), true);

    Versionstamp vs = commit(engine, Mutation.merge(key("n"), Value.string("1"),
        current -> Value.string(current == null ? "1" : "more")));
    signal.await();
    assertEntry(watch.poll().keys().get(0), key("n"), "1", vs, true);
    watch.close();
  }

  // ---- helpers -----------------------------------------------------------------------------------

  /** A listener a test can wait on. */
  private static final class Signal implements WatchListener {
    final AtomicInteger calls = new AtomicInteger();
    private final Semaphore permits = new Semaphore(0);

    @Override
    public void onChange() {
      calls.incrementAndGet();
      permits.release();
    }

    void await() throws InterruptedException {
      assertTrue(permits.tryAcquire(WAIT_S, TimeUnit.SECONDS), "the watch was not told in time");
    }
  }

  private LmdbEngine open(long sweepIntervalMs) {
    return open(EngineOptions.defaults(dir), sweepIntervalMs);
  }

  private LmdbEngine open(EngineOptions o, long sweepIntervalMs) {
    LmdbEngine engine = LmdbEngine.open(o.toBuilder().dataDir(dir).mapSizeBytes(256L << 20)
        .syncMode(SyncMode.NONE).sweepIntervalMs(sweepIntervalMs).clock(Clock.systemUTC())
        .build());
    opened.add(engine);
    return engine;
  }

  private static Mutation set(byte[] key, String value) {
    return Mutation.set(key, Value.string(value));
  }

  private static Versionstamp commit(LmdbEngine engine, Mutation... mutations) throws Exception {
    CommitResult r = engine.commit(new AtomicWrite(List.of(), List.of(mutations)))
        .get(WAIT_S, TimeUnit.SECONDS);
    assertTrue(r.ok());
    return r.versionstamp();
  }

  private static String text(WatchedKey k) {
    return new String(k.entry().value().payload(), StandardCharsets.UTF_8);
  }

  private static void assertEntry(WatchedKey k, byte[] key, String value, Versionstamp vs,
      boolean changed) {
    assertArrayEquals(key, k.key());
    assertNotNull(k.entry(), "entry present");
    assertEquals(value, text(k));
    assertEquals(vs, k.entry().versionstamp());
    assertEquals(changed, k.changed(), "changed flag");
  }

  private static void assertMissing(WatchedKey k, boolean changed) {
    assertNull(k.entry(), "entry missing");
    assertEquals(changed, k.changed(), "changed flag");
  }
}
