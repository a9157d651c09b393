package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.KvException;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A write of the engine's own (queue moves), run in a child transaction like a request. */
final class InternalWrite<T> extends WriterJob {
  private static final Logger LOG = LoggerFactory.getLogger(InternalWrite.class);

  private final WriterTask<T> body;
  private final CompletableFuture<T> future = new CompletableFuture<>();

  InternalWrite(WriterTask<T> body) {
    this.body = body;
  }

  CompletableFuture<T> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    WriterTask.Context context = new WriterTask.Context(batch::nextVersionstamp, batch.nowMs());
    T result;
    try {
      result = body.run(child, context);
    } catch (RuntimeException e) {
      LOG.error("internal write failed; rolled back", e);
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
    batch.answer(() -> future.completeExceptionally(
        GroupCommitWriter.databaseFull()));
    return true;
  }

  @Override
  void fail(KvException e) {
    future.completeExceptionally(e);
  }
}
