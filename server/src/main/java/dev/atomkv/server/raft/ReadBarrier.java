package dev.atomkv.server.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.ratis.protocol.RaftClientReply;

/**
 * Linearizable reads sharing ReadIndex rounds. A round (ask the leader for its commit index,
 * wait until this member has applied that far) proves that every write acknowledged before the
 * round began is visible here. A read that arrives while a round is on its way cannot use it (a
 * write may have been acknowledged between that round's start and the read's arrival), so it
 * waits for the next round, which starts as soon as the current one ends and serves every read
 * that arrived meanwhile. Under load this member sends one ReadIndex request per round instead of
 * one per read; a lone read starts its round at once.
 */
final class ReadBarrier {
  private final Supplier<CompletableFuture<RaftClientReply>> round;
  /** Guarded by this: whether a round is on its way, and the one to start when it ends. */
  private boolean running;
  private CompletableFuture<RaftClientReply> next;

  /** @param round starts one ReadIndex round through this member's Raft client */
  ReadBarrier(Supplier<CompletableFuture<RaftClientReply>> round) {
    this.round = round;
  }

  /** Completes with the reply of a round that began after this call. */
  CompletableFuture<RaftClientReply> await() {
    CompletableFuture<RaftClientReply> waiter;
    synchronized (this) {
      if (running) {
        if (next == null) {
          next = new CompletableFuture<>();
        }
        return next;
      }
      running = true;
      waiter = new CompletableFuture<>();
    }
    start(waiter);
    return waiter;
  }

  private void start(CompletableFuture<RaftClientReply> waiter) {
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = round.get();
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((reply, failure) -> {
      CompletableFuture<RaftClientReply> following;
      synchronized (this) {
        following = next;
        next = null;
        running = following != null;
      }
      if (failure != null) {
        waiter.completeExceptionally(failure);
      } else {
        waiter.complete(reply);
      }
      if (following != null) {
        start(following);
      }
    });
  }
}
