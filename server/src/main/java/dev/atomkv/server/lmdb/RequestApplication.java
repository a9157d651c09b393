package dev.atomkv.server.lmdb;

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

/** One request applied in its child transaction, for every job that carries a request. */
final class RequestApplication {
  private RequestApplication() {}

  /**
   * Applies {@code write} in {@code child}, commits the child when the request commits, and
   * queues the request's answer for when the batch is durable.
   *
   * @return what the request came to
   * @throws LmdbException a storage failure: whether the request fits, or the batch survives, is
   *     the writer's to judge
   */
  static RequestOutcome apply(Txn<byte[]> child, Batch batch, AtomicWrite write, Versionstamp vs,
      long nowMs, CompletableFuture<CommitResult> future) {
    RequestOutcome outcome = evaluate(child, batch, write, vs, nowMs);
    batch.answer(() -> outcome.answer(future));
    return outcome;
  }

  private static RequestOutcome evaluate(Txn<byte[]> child, Batch batch, AtomicWrite write,
      Versionstamp vs, long nowMs) {
    Applied applied;
    try {
      applied = AtomicApplier.apply(new TxnWriteView(batch.store(), child), write, vs, nowMs);
    } catch (KvException e) {
      return RequestOutcome.failed(e); // closing the child rolls the whole request back
    } catch (LmdbException e) {
      throw e;
    } catch (RuntimeException e) {
      // A bug met by this request alone: it must not take the rest of the batch down with it.
      // The edge that answers INTERNAL logs the cause.
      return RequestOutcome.failed(new KvException(ErrorKind.INTERNAL,
          "internal error while applying the request: it was rolled back", e));
    }
    if (applied.result().ok()) {
      child.commit();
      batch.committed(applied.changes(), true, true);
    }
    return RequestOutcome.of(applied.result());
  }
}
