package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.Txn;

/**
 * An expiry sweep from a replicated log: the keys due at the entry's time, deleted as one commit
 * stamped from that time, so that every replica deletes the same keys at the same versionstamp.
 */
final class ReplicatedSweep extends WriterJob {
  private final long entryTimeMicros;
  private final LogPosition position;
  private final CompletableFuture<Integer> future = new CompletableFuture<>();

  ReplicatedSweep(long entryTimeMicros, LogPosition position) {
    this.entryTimeMicros = entryTimeMicros;
    this.position = position;
  }

  CompletableFuture<Integer> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    batch.applied(position);
    Store.Swept result = batch.store().sweep(child, entryTimeMicros / 1000, ExpirySweep.MAX_KEYS);
    if (result.due() == 0) {
      batch.answer(() -> future.complete(0));
      return;
    }
    child.commit();
    List<KeyChange> deleted = new ArrayList<>(result.deleted().size());
    if (!result.deleted().isEmpty()) {
      Versionstamp vs = batch.startEntry(entryTimeMicros);
      for (byte[] key : result.deleted()) {
        deleted.add(new KeyChange(key, vs, true));
      }
    }
    batch.committed(deleted, !deleted.isEmpty(), false);
    batch.answer(() -> future.complete(deleted.size()));
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
