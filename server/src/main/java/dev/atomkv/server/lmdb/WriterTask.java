package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
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
    private final Supplier<Versionstamp> stamp;
    private final long nowMs;
    private Versionstamp versionstamp;
    private boolean stamped;
    private final List<KeyChange> changes = new ArrayList<>();
    private final List<Runnable> afterCommit = new ArrayList<>();

    /**
     * @param stamp gives the versionstamp, asked at most once and only when the task writes a
     *     user key: a replicated entry takes a commit version only when it stamps one, or replicas
     *     that batch differently would number later entries differently
     */
    Context(Supplier<Versionstamp> stamp, long nowMs) {
      this.stamp = stamp;
      this.nowMs = nowMs;
    }

    /**
     * The versionstamp for user keys the task writes; asking for it makes the task a commit of its
     * own that takes a position in the batch.
     */
    Versionstamp versionstamp() {
      if (!stamped) {
        versionstamp = stamp.get();
        stamped = true;
      }
      return versionstamp;
    }

    /** Records a user key the task wrote, for the change feed (watchers see it like any write). */
    void wrote(byte[] key) {
      changes.add(new KeyChange(key, versionstamp(), false));
    }

    List<KeyChange> changes() {
      return changes;
    }

    /** Runs {@code action} once the batch is durably committed; never if it is not. */
    void afterCommit(Runnable action) {
      afterCommit.add(action);
    }

    List<Runnable> afterCommitActions() {
      return afterCommit;
    }

    /** The batch's clock reading (a replicated entry's: the entry's time). */
    long nowMs() {
      return nowMs;
    }

    boolean stamped() {
      return stamped;
    }
  }
}
