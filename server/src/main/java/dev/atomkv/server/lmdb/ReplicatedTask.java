package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.model.KvException;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.LmdbException;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A queue entry from a replicated log: one of the {@link QueueWrites} tasks the single node runs
 * as its own writes, run here at the entry's time. A task that writes user keys (dead letters)
 * is a commit of its own stamped from the entry, like a write entry, so every replica that
 * applies the same entries holds the same queue tables and the same keys.
 */
final class ReplicatedTask<T> extends WriterJob {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedTask.class);

  private final WriterTask<T> body;
  private final long entryTimeMicros;
  private final LogPosition position;
  private final CompletableFuture<T> future = new CompletableFuture<>();

  ReplicatedTask(WriterTask<T> body, long entryTimeMicros, LogPosition position) {
    this.body = body;
    this.entryTimeMicros = entryTimeMicros;
    this.position = position;
  }

  CompletableFuture<T> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    batch.applied(position);
    WriterTask.Context context = new WriterTask.Context(
        () -> batch.startEntry(entryTimeMicros), entryTimeMicros / 1000);
    T result;
    try {
      result = body.run(child, context);
    } catch (LmdbException e) {
      throw e; // whether it fits is the writer's to judge
    } catch (RuntimeException e) {
      // Every replica meets the same entry alike, so every one rolls it back alike.
      LOG.error("replicated queue entry failed; rolled back: index={}", position.index(), e);
      batch.answer(() -> future.completeExceptionally(e));
      return;
    }
    child.commit();
    batch.committed(context.changes(), context.stamped(), false);
    context.afterCommitActions().forEach(batch::answer);
    batch.answer(() -> future.complete(result));
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
