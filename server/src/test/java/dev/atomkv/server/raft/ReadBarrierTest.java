package dev.atomkv.server.raft;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.protocol.RaftClientReply;
import org.junit.jupiter.api.Test;

/** Reads share ReadIndex rounds, but never one that began before they arrived. */
class ReadBarrierTest {
  private final List<CompletableFuture<RaftClientReply>> rounds = new ArrayList<>();
  private final ReadBarrier barrier = new ReadBarrier(() -> {
    CompletableFuture<RaftClientReply> round = new CompletableFuture<>();
    rounds.add(round);
    return round;
  });

  @Test
  void readsArrivingDuringARoundWaitForTheNextOneAndShareIt() {
    CompletableFuture<RaftClientReply> first = barrier.await();
    assertEquals(1, rounds.size(), "a lone read starts its round at once");
    CompletableFuture<RaftClientReply> second = barrier.await();
    CompletableFuture<RaftClientReply> third = barrier.await();
    assertEquals(1, rounds.size(), "no second round while the first is on its way");

    rounds.get(0).complete(null);
    assertTrue(first.isDone());
    assertFalse(second.isDone(), "the first round began before the second read arrived");
    assertSame(second, third);
    assertEquals(2, rounds.size(), "the next round starts as the first ends");

    rounds.get(1).complete(null);
    assertTrue(second.isDone());
    CompletableFuture<RaftClientReply> later = barrier.await();
    assertEquals(3, rounds.size(), "with no round on its way a read starts one");
    rounds.get(2).complete(null);
    assertTrue(later.isDone());
  }

  @Test
  void aFailedRoundFailsItsReadsAndTheNextRoundStillRuns() {
    CompletableFuture<RaftClientReply> first = barrier.await();
    CompletableFuture<RaftClientReply> second = barrier.await();
    rounds.get(0).completeExceptionally(new IllegalStateException("no leader"));
    CompletionException e = assertThrows(CompletionException.class, first::join);
    assertEquals("no leader", e.getCause().getMessage());
    assertEquals(2, rounds.size());
    rounds.get(1).complete(null);
    assertTrue(second.isDone() && !second.isCompletedExceptionally());
  }
}
