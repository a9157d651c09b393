package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.QueueCounts;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.lmdbjava.DbiFlags;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;

/**
 * The two queue tables. A message lives in exactly one of them:
 *
 * <ul>
 *   <li>{@code queue}: {@code readyAtMs:8 BE ‖ id:12} → record: waiting, in delivery order (ready
 *       time, then enqueue order), so the due ones are a prefix of the table
 *   <li>{@code inflight}: {@code id:12} → record: handed to a listener and not yet settled; after a
 *       restart every one of them is ready again
 * </ul>
 *
 * Records ({@link QueuedMessage#record()}) carry the undelivered keys (up to 2048 bytes each) as
 * values, not as LMDB keys; they reach the data table through {@link Store#put}, whose long-key
 * layer stores them like any other key. Every method works in the caller's transaction.
 */
final class QueueTables {
  final LongKeyTable queue;
  final LongKeyTable inflight;

  QueueTables(Env<byte[]> env) {
    queue = new LongKeyTable(env.openDbi("queue", DbiFlags.MDB_CREATE));
    inflight = new LongKeyTable(env.openDbi("inflight", DbiFlags.MDB_CREATE));
  }

  /** Messages due at {@code nowMs}, and when the first one that is not due becomes ready. */
  record Due(List<QueuedMessage> messages, long nextReadyAtMs) {}

  void add(Txn<byte[]> txn, QueuedMessage m) {
    queue.put(txn, queueKey(m.readyAtMs(), m.id()), m.record());
  }

  /**
   * Up to {@code max} messages ready at {@code nowMs}, in delivery order, leaving out those whose
   * id is in {@code skip}; {@code nextReadyAtMs} is the ready time of the first later message, or
   * {@link Long#MAX_VALUE} when there is none.
   */
  Due due(Txn<byte[]> txn, long nowMs, int max, Set<ByteBuffer> skip) {
    List<QueuedMessage> due = new ArrayList<>();
    try (TableCursor c = queue.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        byte[] key = c.key();
        long readyAt = readyAt(key);
        if (readyAt > nowMs) {
          return new Due(due, readyAt);
        }
        byte[] id = Arrays.copyOfRange(key, Long.BYTES, key.length);
        if (skip.contains(ByteBuffer.wrap(id))) {
          continue;
        }
        if (due.size() >= max) {
          // More are due than wanted: the caller asks again once it has room.
          return new Due(due, readyAt);
        }
        due.add(QueuedMessage.decode(id, readyAt, c.value()));
      }
    }
    return new Due(due, Long.MAX_VALUE);
  }

  /**
   * Moves a waiting message to the in-flight table, counting the delivery; null when it is no
   * longer waiting there.
   */
  QueuedMessage lease(Txn<byte[]> txn, long readyAtMs, byte[] id) {
    return lease(txn, readyAtMs, id, null);
  }

  /** As {@link #lease(Txn, long, byte[])}, recording a replicated lease when one is given. */
  QueuedMessage lease(Txn<byte[]> txn, long readyAtMs, byte[] id, QueuedMessage.Lease lease) {
    byte[] key = queueKey(readyAtMs, id);
    byte[] record = queue.get(txn, key);
    if (record == null) {
      return null;
    }
    queue.delete(txn, key);
    QueuedMessage waiting = QueuedMessage.decode(id, readyAtMs, record);
    QueuedMessage m = lease == null ? waiting.delivered() : waiting.leased(lease);
    inflight.put(txn, id, m.record());
    return m;
  }

  /** Removes an in-flight message and returns it; null when it is not in flight. */
  QueuedMessage takeInflight(Txn<byte[]> txn, byte[] id) {
    byte[] record = inflight.get(txn, id);
    if (record == null) {
      return null;
    }
    inflight.delete(txn, id);
    return QueuedMessage.decode(id, 0, record);
  }

  /**
   * Removes and returns an in-flight message if it is held under the replicated lease taken at
   * {@code leaseIndex}; null when that lease has ended.
   */
  QueuedMessage takeLeased(Txn<byte[]> txn, byte[] id, long leaseIndex) {
    byte[] record = inflight.get(txn, id);
    if (record == null) {
      return null;
    }
    QueuedMessage m = QueuedMessage.decode(id, 0, record);
    if (m.lease() == null || m.lease().index() != leaseIndex) {
      return null;
    }
    inflight.delete(txn, id);
    return m;
  }

  /** In-flight messages whose replicated lease expired at or before {@code nowMs}. */
  List<QueuedMessage> expiredLeases(Txn<byte[]> txn, long nowMs) {
    List<QueuedMessage> expired = new ArrayList<>();
    try (TableCursor c = inflight.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        QueuedMessage m = QueuedMessage.decode(c.key(), 0, c.value());
        if (m.lease() != null && m.lease().expiresAtMs() <= nowMs) {
          expired.add(m);
        }
      }
    }
    return expired;
  }

  /**
   * The first waiting message's ready time, and the earliest replicated lease expiry (each
   * {@link Long#MAX_VALUE} when there is none). In-flight messages are few (listeners bound
   * them), so scanning them is cheap.
   */
  long[] nextReadyAndLeaseExpiry(Txn<byte[]> txn) {
    long ready = Long.MAX_VALUE;
    try (TableCursor c = queue.cursor(txn)) {
      if (c.first()) {
        ready = readyAt(c.key());
      }
    }
    long expiry = Long.MAX_VALUE;
    try (TableCursor c = inflight.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        QueuedMessage m = QueuedMessage.decode(c.key(), 0, c.value());
        if (m.lease() != null) {
          expiry = Math.min(expiry, m.lease().expiresAtMs());
        }
      }
    }
    return new long[] {ready, expiry};
  }

  /**
   * Makes every in-flight message ready again at {@code nowMs} without counting its delivery (the
   * listener never got to settle it); returns how many there were.
   */
  int requeueInflight(Txn<byte[]> txn, long nowMs) {
    List<QueuedMessage> held = new ArrayList<>();
    try (TableCursor c = inflight.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        held.add(QueuedMessage.decode(c.key(), 0, c.value()));
      }
    }
    for (QueuedMessage m : held) {
      inflight.delete(txn, m.id());
      add(txn, m.undelivered(nowMs));
    }
    return held.size();
  }

  /** Messages waiting, from LMDB's statistics (no scan: the keys are short, one entry each). */
  long waitingEntries(Txn<byte[]> txn) {
    return queue.rawEntries(txn);
  }

  /** Messages in flight, from LMDB's statistics. */
  long inFlightEntries(Txn<byte[]> txn) {
    return inflight.rawEntries(txn);
  }

  /**
   * Ready, delayed and in-flight messages at {@code nowMs}. The due messages are a prefix of the
   * queue table, so only they are walked (at most {@code maxReady}); the rest of the waiting
   * messages are delayed, and both totals come from LMDB's statistics.
   */
  QueueCounts counts(Txn<byte[]> txn, long nowMs, int maxReady) {
    long waiting = queue.rawEntries(txn);
    long ready = 0;
    boolean exact = true;
    try (TableCursor c = queue.cursor(txn)) {
      for (boolean on = c.first(); on && readyAt(c.key()) <= nowMs; on = c.next()) {
        if (ready == maxReady) {
          exact = false;
          break;
        }
        ready++;
      }
    }
    return new QueueCounts(ready, waiting - ready, inflight.rawEntries(txn), exact);
  }

  private static byte[] queueKey(long readyAtMs, byte[] id) {
    return ByteBuffer.allocate(Long.BYTES + id.length).putLong(readyAtMs).put(id).array();
  }

  private static long readyAt(byte[] queueKey) {
    return ByteBuffer.wrap(queueKey, 0, Long.BYTES).getLong();
  }
}
