package dev.atomkv.server.raft;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * Linearizable reads share ReadIndex rounds. A round confirms that this member has applied
 * every write the leader had committed when the round reached it; a read may use a round only
 * if the round began after the read did, or a write acknowledged between the round's start and
 * the read's start could be missed. So at most one round is in flight: reads that arrive while
 * it is out wait for the next one, which starts as soon as it returns and serves all of them.
 * Under load a member then runs one round per round-trip instead of one per read, and a read
 * waits at most two rounds.
 */
final class ReadBarrier {
  private final Supplier<CompletableFuture<Void>> round;
  /** The round the reads arriving now will use; null when none waits. Guarded by this. */
  private CompletableFuture<Void> next;
  private boolean inFlight;

  /** @param round starts one ReadIndex round; completes once this member has applied up to it */
  ReadBarrier(Supplier<CompletableFuture<Void>> round) {
    this.round = round;
  }

  /** Completes when a round begun after this call has returned (exceptionally if it failed). */
  CompletableFuture<Void> await() {
    CompletableFuture<Void> mine;
    boolean start;
    synchronized (this) {
      if (next == null) {
        next = new CompletableFuture<>();
      }
      mine = next;
      start = !inFlight;
      if (start) {
        inFlight = true;
        next = null;
      }
    }
    if (start) {
      run(mine);
    }
    return mine;
  }

  private void run(CompletableFuture<Void> readers) {
    CompletableFuture<Void> done;
    try {
      done = round.get();
    } catch (RuntimeException e) {
      done = CompletableFuture.failedFuture(e);
    }
    done.whenComplete((ok, failure) -> {
      CompletableFuture<Void> waiting;
      synchronized (this) {
        waiting = next;
        next = null;
        inFlight = waiting != null;
      }
      // The next round goes out before these readers are answered: they may take a while, and
      // the reads queued behind them should not wait for that.
      if (waiting != null) {
        run(waiting);
      }
      if (failure != null) {
        readers.completeExceptionally(failure);
      } else {
        readers.complete(null);
      }
    });
  }
}
