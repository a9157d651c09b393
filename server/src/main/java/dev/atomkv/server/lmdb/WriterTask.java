package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.Versionstamp;
import org.lmdbjava.Txn;

/**
 * A write of the engine's own that the single writer runs in a child transaction of a batch, like
 * a client request: its changes commit with the batch, or roll back alone when it throws.
 */
@FunctionalInterface
interface WriterTask<T> {
  T run(Txn<byte[]> txn, Context context);

  /** Where the task stands in its batch. */
  final class Context {
    private final Versionstamp versionstamp;
    private final long nowMs;
    private boolean stamped;

    Context(Versionstamp versionstamp, long nowMs) {
      this.versionstamp = versionstamp;
      this.nowMs = nowMs;
    }

    /**
     * The versionstamp for user keys the task writes; asking for it makes the task a commit of its
     * own that takes a position in the batch.
     */
    Versionstamp versionstamp() {
      stamped = true;
      return versionstamp;
    }

    /** The batch's clock reading. */
    long nowMs() {
      return nowMs;
    }

    boolean stamped() {
      return stamped;
    }
  }
}
