package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.MutationKind;
import dev.atomkv.server.model.Value;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The spec format of {@link FailurePoints} and what each point does to the write path. */
class FailurePointsTest {
  @TempDir Path dir;

  private LmdbEngine engine;

  @AfterEach
  void tearDown() {
    FailurePoints.disarmAll();
    if (engine != null) {
      engine.close();
    }
  }

  @Test
  void malformedSpecsAreRejectedNamingTheProblem() {
    assertEquals("unknown failure point 'nowhere' in atomkv.failpoints; known: before-commit, "
            + "after-commit-before-ack, in-batch, in-sweep, leader-applied-before-reply",
        assertThrows(IllegalArgumentException.class,
            () -> FailurePoints.configure("nowhere=halt")).getMessage());
    assertEquals("unknown failure point action 'explode' for in-batch; known: halt, throw, "
            + "sleep(ms), each optionally @n",
        assertThrows(IllegalArgumentException.class,
            () -> FailurePoints.configure("in-batch=explode")).getMessage());
    assertEquals("failure point action 'halt@0' needs a positive number, got '0'",
        assertThrows(IllegalArgumentException.class,
            () -> FailurePoints.configure("before-commit=halt@0")).getMessage());
    assertEquals("failure point item 'halt' in atomkv.failpoints is not point=action[@n]",
        assertThrows(IllegalArgumentException.class,
            () -> FailurePoints.configure("halt")).getMessage());
    assertEquals("", FailurePoints.describeArmed(), "a rejected spec arms nothing");
  }

  @Test
  void anActionWithACountFiresFromThatReachOn() throws Exception {
    engine = open(3_600_000);
    FailurePoints.configure("before-commit=throw@3");
    assertEquals("before-commit", FailurePoints.describeArmed());

    assertTrue(commit(set("a")).get(5, TimeUnit.SECONDS).ok());
    assertTrue(commit(set("b")).get(5, TimeUnit.SECONDS).ok());
    assertEquals(ErrorKind.RESOURCE_EXHAUSTED, failure(commit(set("c"))).kind());
    assertEquals(ErrorKind.RESOURCE_EXHAUSTED, failure(commit(set("d"))).kind());
    FailurePoints.disarmAll();

    assertTrue(commit(set("e")).get(5, TimeUnit.SECONDS).ok());
    assertNotNull(get("b"));
    assertNull(get("c"), "a batch that failed before its commit wrote nothing");
    assertNull(get("d"));
  }

  @Test
  void aFailureInsideABatchLeavesNothingOfTheBatch() throws Exception {
    engine = open(3_600_000);
    LmdbEngineTest.Gate gate = LmdbEngineTest.Gate.at(FailurePoints.Point.BEFORE_COMMIT);
    CompletableFuture<CommitResult> first = commit(set("first"));
    gate.awaitReached();
    // These queue up behind the held batch and are drained as one batch when it is released.
    List<CompletableFuture<CommitResult>> batch = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      batch.add(commit(set("k" + i), Mutation.arithmetic(LmdbEngineTest.key("n"),
          MutationKind.SUM, 1)));
    }
    // The held batch is past in-batch, so the count starts with the next batch: its fifth
    // request fails after four others were applied into the parent transaction.
    FailurePoints.configure("in-batch=throw@5");
    gate.release();

    assertTrue(first.get(5, TimeUnit.SECONDS).ok());
    for (CompletableFuture<CommitResult> f : batch) {
      assertEquals(ErrorKind.INTERNAL, failure(f).kind());
    }
    FailurePoints.disarmAll();
    for (int i = 0; i < 20; i++) {
      assertNull(get("k" + i), "k" + i);
    }
    assertNull(engine.get(List.of(LmdbEngineTest.key("n"))).get(0));
    assertTrue(commit(set("after")).get(5, TimeUnit.SECONDS).ok(), "the writer carries on");
  }

  @Test
  void aFailedSweepKeepsExpiredKeysInvisibleAndTheNextSweepDeletesThem() throws Exception {
    engine = open(20);
    FailurePoints.configure("in-sweep=throw");
    long expiresAt = System.currentTimeMillis() + 50;
    assertTrue(commit(new Mutation(LmdbEngineTest.key("short"), MutationKind.SET,
        Value.string("v"), expiresAt, false, null)).get(5, TimeUnit.SECONDS).ok());
    Thread.sleep(300);

    assertNull(get("short"), "expired, so invisible even though no sweep could delete it");
    assertEquals(1, engine.expiryEntries(), "every sweep failed, so the key is still stored");

    FailurePoints.disarmAll();
    assertTrue(commit(set("other")).get(5, TimeUnit.SECONDS).ok());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (engine.expiryEntries() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertEquals(0, engine.expiryEntries());
    assertEquals(1, engine.dataEntries(), "only 'other' is left");
  }

  @Test
  void sleepDelaysTheStep() throws Exception {
    engine = open(3_600_000);
    FailurePoints.configure("after-commit-before-ack=sleep(300)");
    long start = System.nanoTime();
    assertTrue(commit(set("slow")).get(5, TimeUnit.SECONDS).ok());
    assertTrue(System.nanoTime() - start >= TimeUnit.MILLISECONDS.toNanos(300));
  }

  private LmdbEngine open(long sweepMs) {
    return LmdbEngine.open(EngineOptions.builder(dir).mapSizeBytes(64L << 20)
        .syncMode(SyncMode.FULL).sweepIntervalMs(sweepMs).build());
  }

  private CompletableFuture<CommitResult> commit(Mutation... mutations) {
    return engine.commit(new AtomicWrite(List.of(), List.of(mutations)));
  }

  private Object get(String key) {
    return engine.get(List.of(LmdbEngineTest.key(key))).get(0);
  }

  private static Mutation set(String key) {
    return Mutation.set(LmdbEngineTest.key(key), Value.string("v"));
  }

  private static KvException failure(CompletableFuture<CommitResult> f) {
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> f.get(5, TimeUnit.SECONDS));
    return (KvException) e.getCause();
  }
}
