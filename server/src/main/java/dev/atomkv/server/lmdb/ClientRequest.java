package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.apply.Applied;
import dev.atomkv.server.engine.apply.AtomicApplier;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/** A client's atomic request, applied by {@link AtomicApplier} in its own child transaction. */
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
    Applied applied;
    try {
      applied = AtomicApplier.apply(new TxnWriteView(batch.store(), child), write,
          batch.nextVersionstamp(), batch.nowMs());
    } catch (KvException e) {
      batch.answer(() -> future.completeExceptionally(e));
      return; // closing the child rolls the whole request back
    } catch (LmdbException e) {
      throw e; // the storage's state is the writer's to judge (no room, or the batch failed)
    } catch (RuntimeException e) {
      // A bug met by this request alone: it must not take the rest of the batch down with it.
      // The edge that answers INTERNAL logs the cause.
      KvException internal = new KvException(ErrorKind.INTERNAL,
          "internal error while applying the request: it was rolled back", e);
      batch.answer(() -> future.completeExceptionally(internal));
      return;
    }
    if (applied.result().ok()) {
      child.commit();
      batch.committed(applied.changes(), true, true);
      FailurePoints.reach(FailurePoints.Point.IN_BATCH);
    }
    batch.answer(() -> future.complete(applied.result()));
  }

  @Override
  void didNotFit(Batch batch) {
    if (batch.alone()) {
      batch.answer(() -> future.completeExceptionally(
          new KvException(ErrorKind.RESOURCE_EXHAUSTED, GroupCommitWriter.DATABASE_FULL)));
    } else {
      batch.retryAlone(this);
    }
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
