package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.apply.Applied;
import dev.atomkv.server.engine.apply.AtomicApplier;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;

/**
 * A request from a replicated log, applied at the entry's time and stamped from it, so that the
 * result is the same on every replica. Its log position is stored with the batch.
 */
final class ReplicatedEntry extends WriterJob {
  private final AtomicWrite write;
  private final long entryTimeMicros;
  private final LogPosition position;
  private final CompletableFuture<CommitResult> future = new CompletableFuture<>();

  ReplicatedEntry(AtomicWrite write, long entryTimeMicros, LogPosition position) {
    this.write = write;
    this.entryTimeMicros = entryTimeMicros;
    this.position = position;
  }

  CompletableFuture<CommitResult> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    Versionstamp vs = batch.startEntry(entryTimeMicros);
    batch.applied(position);
    Applied applied;
    try {
      applied = AtomicApplier.apply(new TxnWriteView(batch.store(), child), write, vs,
          entryTimeMicros / 1000);
    } catch (KvException e) {
      batch.answer(() -> future.completeExceptionally(e));
      return;
    } catch (LmdbException e) {
      throw e;
    } catch (RuntimeException e) {
      KvException internal = new KvException(ErrorKind.INTERNAL,
          "internal error while applying the request: it was rolled back", e);
      batch.answer(() -> future.completeExceptionally(internal));
      return;
    }
    if (applied.result().ok()) {
      child.commit();
      batch.committed(applied.changes(), true, true);
    }
    batch.answer(() -> future.complete(applied.result()));
  }

  @Override
  void didNotFit(Batch batch) {
    // A replica cannot skip an entry: the log must stop here until there is room.
    batch.answer(() -> future.completeExceptionally(
        new KvException(ErrorKind.RESOURCE_EXHAUSTED, GroupCommitWriter.DATABASE_FULL)));
  }

  @Override
  void fail(KvException e) {
    future.completeExceptionally(e);
  }
}
