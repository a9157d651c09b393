package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.Txn;

/** A client's atomic request, applied in its own child transaction of the batch. */
final class ClientRequest extends WriterJob {
  /** Rough per-mutation cost (record header, expiry entry, page overhead) for batch sizing. */
  private static final long MUTATION_OVERHEAD = 64;

  private final AtomicWrite write;
  private final CompletableFuture<CommitResult> future = new CompletableFuture<>();
  private final long bytes;

  ClientRequest(AtomicWrite write) {
    this.write = write;
    this.bytes = approximateBytes(write);
  }

  CompletableFuture<CommitResult> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    if (RequestApplication.apply(child, batch, write, batch.nextVersionstamp(), batch.nowMs(),
        future).committed()) {
      FailurePoints.reach(FailurePoints.Point.IN_BATCH);
    }
  }

  @Override
  boolean didNotFit(Batch batch) {
    if (batch.alone()) {
      batch.answer(() -> future.completeExceptionally(
          GroupCommitWriter.databaseFull()));
    } else {
      batch.retryAlone(this);
    }
    return true;
  }

  @Override
  void fail(KvException e) {
    future.completeExceptionally(e);
  }

  @Override
  long bytes() {
    return bytes;
  }

  @Override
  boolean isClientRequest() {
    return true;
  }

  @Override
  boolean admit() {
    if (write.deadlineNanos() != Long.MAX_VALUE && System.nanoTime() - write.deadlineNanos() > 0) {
      future.completeExceptionally(new KvException(ErrorKind.NOT_APPLIED,
          "deadline exceeded before the request was applied"));
      return false;
    }
    return true;
  }

  private static long approximateBytes(AtomicWrite write) {
    long bytes = 0;
    for (Check c : write.checks()) {
      bytes += c.key().length;
    }
    for (Mutation m : write.mutations()) {
      bytes += 2L * m.key().length + MUTATION_OVERHEAD
          + (m.value() == null ? 0 : m.value().countedSize());
    }
    for (Enqueue e : write.enqueues()) {
      bytes += MUTATION_OVERHEAD + e.payload().countedSize();
      for (byte[] key : e.keysIfUndelivered()) {
        bytes += key.length;
      }
    }
    return bytes;
  }
}
