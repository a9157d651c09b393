package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class ReadBarrierTest {
  /** Rounds the test ends by hand, in the order they were started. */
  private final List<CompletableFuture<Void>> rounds = new ArrayList<>();
  private final ReadBarrier barrier = new ReadBarrier(() -> {
    CompletableFuture<Void> r = new CompletableFuture<>();
    rounds.add(r);
    return r;
  });

  @Test
  void aReadThatArrivesDuringARoundWaitsForTheNextOneWhichServesEveryReadQueuedBehindIt() {
    CompletableFuture<Void> first = barrier.await();
    assertEquals(1, rounds.size());
    CompletableFuture<Void> second = barrier.await();
    CompletableFuture<Void> third = barrier.await();
    assertEquals(1, rounds.size(), "no second round while the first is out");

    rounds.get(0).complete(null);
    assertTrue(first.isDone());
    assertFalse(second.isDone(), "the first round may have begun before the second read did");
    assertFalse(third.isDone());
    assertEquals(2, rounds.size(), "the next round starts as soon as the first returns");

    rounds.get(1).complete(null);
    assertTrue(second.isDone() && third.isDone());
    assertEquals(2, rounds.size(), "three reads, two rounds");

    CompletableFuture<Void> later = barrier.await();
    assertEquals(3, rounds.size(), "with nothing in flight a read starts a round at once");
    rounds.get(2).complete(null);
    assertTrue(later.isDone());
  }

  @Test
  void aFailedRoundFailsOnlyItsOwnReadsAndTheNextRoundStillRuns() {
    CompletableFuture<Void> first = barrier.await();
    CompletableFuture<Void> second = barrier.await();
    rounds.get(0).completeExceptionally(new IllegalStateException("no leader"));
    assertTrue(first.isCompletedExceptionally());
    assertFalse(second.isDone());
    rounds.get(1).complete(null);
    assertTrue(second.isDone() && !second.isCompletedExceptionally());
  }

  @Test
  void aRoundThatCannotStartFailsItsReadsAndLeavesTheBarrierUsable() {
    boolean[] refuse = {true};
    ReadBarrier refusing = new ReadBarrier(() -> {
      if (refuse[0]) {
        throw new IllegalStateException("client closed");
      }
      return CompletableFuture.completedFuture(null);
    });
    assertTrue(refusing.await().isCompletedExceptionally());
    refuse[0] = false;
    CompletableFuture<Void> next = refusing.await();
    assertTrue(next.isDone() && !next.isCompletedExceptionally());
  }
}
