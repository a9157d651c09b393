package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.KvException;
import java.util.concurrent.CompletableFuture;

/**
 * What one request came to: a result (committed, or refused by its checks) or the error it
 * failed with. Exactly one of the two is set.
 */
record RequestOutcome(CommitResult result, KvException failure) {
  static RequestOutcome of(CommitResult result) {
    return new RequestOutcome(result, null);
  }

  static RequestOutcome failed(KvException failure) {
    return new RequestOutcome(null, failure);
  }

  boolean committed() {
    return result != null && result.ok();
  }

  void answer(CompletableFuture<CommitResult> future) {
    if (failure != null) {
      future.completeExceptionally(failure);
    } else {
      future.complete(result);
    }
  }
}
