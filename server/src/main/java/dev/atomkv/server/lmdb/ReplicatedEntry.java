package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.Txn;

/**
 * A request from a replicated log, applied at the entry's time and stamped from it, so that the
 * result is the same on every replica. Its log position is stored with the batch.
 */
final class ReplicatedEntry extends WriterJob {
  private final AtomicWrite write;
  private final long entryTimeMicros;
  private final LogPosition position;
  private final boolean moreOfEntry;
  private final CompletableFuture<CommitResult> future = new CompletableFuture<>();

  /**
   * @param moreOfEntry whether another request of the same log entry follows it: they must
   *     commit together, with the entry's position
   */
  ReplicatedEntry(AtomicWrite write, long entryTimeMicros, LogPosition position,
      boolean moreOfEntry) {
    this.write = write;
    this.entryTimeMicros = entryTimeMicros;
    this.position = position;
    this.moreOfEntry = moreOfEntry;
  }

  @Override
  boolean keepsWithNext() {
    return moreOfEntry;
  }

  CompletableFuture<CommitResult> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    Versionstamp vs = batch.startEntry(entryTimeMicros);
    batch.applied(position);
    RequestApplication.apply(child, batch, write, vs, entryTimeMicros / 1000, future);
  }

  @Override
  boolean didNotFit(Batch batch) {
    return false; // a replica cannot skip a log entry
  }

  @Override
  void fail(KvException e) {
    future.completeExceptionally(e);
  }
}
