package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.KvException;
import org.lmdbjava.Txn;

/** Something the single writer runs in a child transaction of a batch. */
abstract sealed class WriterJob permits ClientRequest, ReplicatedEntry, ReplicatedSweep,
    ReplicatedTask, ExpirySweep, InternalWrite, StoreReplacement, WriterJob.Stop {
  /**
   * Runs in {@code child}, committing it when the job's writes are to stay with the batch (closing
   * it uncommitted rolls them back), and reports to {@code batch}.
   */
  abstract void run(Txn<byte[]> child, Batch batch);

  /**
   * Its child hit MDB_MAP_FULL or MDB_TXN_FULL and was rolled back. True: the batch goes on
   * without it (the job has answered, or will be retried). False: it cannot be skipped (a
   * replicated log entry: the store must stay at the entry before it), and the whole batch is
   * rolled back and failed.
   */
  abstract boolean didNotFit(Batch batch);

  /** The batch failed as a whole. */
  abstract void fail(KvException e);

  /** Approximate bytes it adds to a batch, for bounding batches. */
  long bytes() {
    return 0;
  }

  /**
   * Whether the job queued right after it must run in the same batch (part of one replicated log
   * entry, whose position is stored once all of it is): a batch is never cut after it.
   */
  boolean keepsWithNext() {
    return false;
  }

  /** Whether it is a client request, the only kind the writer queue's capacity bounds. */
  boolean isClientRequest() {
    return false;
  }

  /**
   * Called as the job leaves the queue: false when it must not run (answered already, e.g. its
   * deadline passed while it waited).
   */
  boolean admit() {
    return true;
  }

  /** The last job: the writer finishes what was queued before it, then exits. */
  static final class Stop extends WriterJob {
    static final Stop INSTANCE = new Stop();

    private Stop() {}

    @Override
    void run(Txn<byte[]> child, Batch batch) {
      throw new IllegalStateException("the stop job is never run");
    }

    @Override
    boolean didNotFit(Batch batch) {
      return true;
    }

    @Override
    void fail(KvException e) {}
  }
}
