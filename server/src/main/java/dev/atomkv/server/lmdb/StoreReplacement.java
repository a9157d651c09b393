package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.KvException;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.Txn;

/**
 * Replaces the whole store with a closed LMDB copy (a cluster member rebuilt from a peer). The
 * writer runs it alone, between batches, so no write transaction spans the swap.
 */
final class StoreReplacement extends WriterJob {
  private final Path copyDir;
  private final CompletableFuture<Void> future = new CompletableFuture<>();

  StoreReplacement(Path copyDir) {
    this.copyDir = copyDir;
  }

  Path copyDir() {
    return copyDir;
  }

  CompletableFuture<Void> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    throw new IllegalStateException("a store replacement never runs in a batch");
  }

  @Override
  boolean didNotFit(Batch batch) {
    return true;
  }

  @Override
  void fail(KvException e) {
    future.completeExceptionally(e);
  }
}
