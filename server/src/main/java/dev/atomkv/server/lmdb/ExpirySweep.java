package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired keys. Expired entries are invisible to reads already; the sweep frees their
 * space, and its deletions reach watchers like any commit's.
 */
final class ExpirySweep extends WriterJob {
  private static final Logger LOG = LoggerFactory.getLogger(ExpirySweep.class);
  /** Expired keys one sweep deletes at most, so that a sweep never makes a batch huge. */
  static final int MAX_KEYS = 10_000;

  /** At most one sweep waits in the queue: set while this one does. */
  private final AtomicBoolean queued = new AtomicBoolean();

  /** Whether the caller should queue the sweep (none is waiting already). */
  boolean claim() {
    return queued.compareAndSet(false, true);
  }

  /** The sweep was not queued after all (the writer is stopping). */
  void unclaim() {
    queued.set(false);
  }

  @Override
  boolean admit() {
    queued.set(false);
    return true;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    Store.Swept result = batch.store().sweep(child, batch.nowMs(), MAX_KEYS);
    if (result.due() == 0) {
      return;
    }
    FailurePoints.reach(FailurePoints.Point.IN_SWEEP);
    child.commit();
    Versionstamp vs = batch.nextVersionstamp();
    List<KeyChange> deleted = new ArrayList<>(result.deleted().size());
    for (byte[] key : result.deleted()) {
      deleted.add(new KeyChange(key, vs, true));
    }
    // Stale expiry entries alone change no key: no versionstamp is spent on them.
    batch.committed(deleted, !deleted.isEmpty(), false);
    batch.swept(deleted.size(), result.due() >= MAX_KEYS);
  }

  @Override
  boolean didNotFit(Batch batch) {
    LOG.warn("expiry sweep did not fit in the map; will retry");
    return true;
  }

  @Override
  void fail(KvException e) {}
}
