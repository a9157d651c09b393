package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.QueueCounts;
import dev.atomkv.server.model.tenant.TenantKeys;
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
 *   <li>{@code queue}: {@code tenant prefix ‖ readyAtMs:8 BE ‖ id:12} → record: waiting, one
 *       partition per tenant ({@link TenantKeys#dataPrefix}: empty for the default tenant, so a
 *       store from before tenants had queues is the default tenant's partition), each in delivery
 *       order (ready time, then enqueue order), so a tenant's due messages are a prefix of its
 *       partition and no tenant's backlog lies in the way of another's. A real ready time's
 *       first byte is 0x00, so the default partition sorts before every 0xFF-prefixed one
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
    queue.put(txn, queueKey(m.tenant(), m.readyAtMs(), m.id()), m.record());
  }

  /**
   * Up to {@code max} messages of {@code tenant} ready at {@code nowMs}, in delivery order,
   * leaving out those whose id is in {@code skip}; {@code nextReadyAtMs} is the ready time of
   * the tenant's first later message, or {@link Long#MAX_VALUE} when there is none.
   */
  Due due(Txn<byte[]> txn, String tenant, long nowMs, int max, Set<ByteBuffer> skip) {
    List<QueuedMessage> due = new ArrayList<>();
    byte[] prefix = TenantKeys.dataPrefix(tenant);
    try (TableCursor c = queue.cursor(txn)) {
      for (boolean on = seek(c, prefix); on && inPartition(c.key(), prefix); on = c.next()) {
        byte[] key = c.key();
        long readyAt = readyAt(key, prefix.length);
        if (readyAt > nowMs) {
          return new Due(due, readyAt);
        }
        byte[] id = Arrays.copyOfRange(key, prefix.length + Long.BYTES, key.length);
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

  /** The ready time of {@code tenant}'s first waiting message; {@link Long#MAX_VALUE} if none. */
  long nextReadyAtMs(Txn<byte[]> txn, String tenant) {
    byte[] prefix = TenantKeys.dataPrefix(tenant);
    try (TableCursor c = queue.cursor(txn)) {
      return seek(c, prefix) && inPartition(c.key(), prefix)
          ? readyAt(c.key(), prefix.length) : Long.MAX_VALUE;
    }
  }

  /**
   * Moves a waiting message to the in-flight table, counting the delivery; null when it is no
   * longer waiting there.
   */
  QueuedMessage lease(Txn<byte[]> txn, QueuedMessage m) {
    return lease(txn, m, null);
  }

  /** As {@link #lease(Txn, QueuedMessage)}, recording a replicated lease when one is given. */
  QueuedMessage lease(Txn<byte[]> txn, QueuedMessage found, QueuedMessage.Lease lease) {
    byte[] id = found.id();
    byte[] key = queueKey(found.tenant(), found.readyAtMs(), id);
    byte[] record = queue.get(txn, key);
    if (record == null) {
      return null;
    }
    queue.delete(txn, key);
    QueuedMessage waiting = QueuedMessage.decode(id, found.readyAtMs(), record);
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
   * {@code leaseIndex} for a message of {@code tenant}; null when that lease has ended (or is
   * another tenant's, which to {@code tenant} is as good as ended).
   */
  QueuedMessage takeLeased(Txn<byte[]> txn, String tenant, byte[] id, long leaseIndex) {
    byte[] record = inflight.get(txn, id);
    if (record == null) {
      return null;
    }
    QueuedMessage m = QueuedMessage.decode(id, 0, record);
    if (m.lease() == null || m.lease().index() != leaseIndex || !m.tenant().equals(tenant)) {
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
   * The first waiting message's ready time over every tenant, and the earliest replicated lease
   * expiry (each {@link Long#MAX_VALUE} when there is none). In-flight messages are few
   * (listeners bound them), so scanning them is cheap; the waiting ones cost one seek per tenant
   * with a queue.
   */
  long[] nextReadyAndLeaseExpiry(Txn<byte[]> txn) {
    long[] ready = {Long.MAX_VALUE};
    eachPartition(txn, readyAt -> {
      ready[0] = Math.min(ready[0], readyAt);
      return Walk.NEXT_PARTITION;
    });
    long expiry = Long.MAX_VALUE;
    try (TableCursor c = inflight.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        QueuedMessage m = QueuedMessage.decode(c.key(), 0, c.value());
        if (m.lease() != null) {
          expiry = Math.min(expiry, m.lease().expiresAtMs());
        }
      }
    }
    return new long[] {ready[0], expiry};
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

  /** Removes every message of {@code tenant}, waiting or in flight; returns how many. */
  int dropTenant(Txn<byte[]> txn, String tenant) {
    byte[] prefix = TenantKeys.dataPrefix(tenant);
    List<byte[]> doomed = new ArrayList<>();
    try (TableCursor c = queue.cursor(txn)) {
      for (boolean on = seek(c, prefix); on && inPartition(c.key(), prefix); on = c.next()) {
        doomed.add(c.key());
      }
    }
    for (byte[] key : doomed) {
      queue.delete(txn, key);
    }
    List<byte[]> held = new ArrayList<>();
    try (TableCursor c = inflight.cursor(txn)) {
      for (boolean on = c.first(); on; on = c.next()) {
        if (QueuedMessage.decode(c.key(), 0, c.value()).tenant().equals(tenant)) {
          held.add(c.key());
        }
      }
    }
    for (byte[] id : held) {
      inflight.delete(txn, id);
    }
    return doomed.size() + held.size();
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
   * Ready, delayed and in-flight messages at {@code nowMs}, over every tenant. Each tenant's due
   * messages are a prefix of its partition, so only they are walked (at most {@code maxReady} in
   * all); the rest of the waiting messages are delayed, and both totals come from LMDB's
   * statistics.
   */
  QueueCounts counts(Txn<byte[]> txn, long nowMs, int maxReady) {
    long waiting = queue.rawEntries(txn);
    long[] ready = {0};
    boolean[] exact = {true};
    eachPartition(txn, readyAt -> {
      if (readyAt > nowMs) {
        return Walk.NEXT_PARTITION;
      }
      if (ready[0] == maxReady) {
        exact[0] = false;
        return Walk.STOP;
      }
      ready[0]++;
      return Walk.NEXT;
    });
    return new QueueCounts(ready[0], waiting - ready[0], inflight.rawEntries(txn), exact[0]);
  }

  private enum Walk { NEXT, NEXT_PARTITION, STOP }

  /** Visits each partition's messages in order (their ready times) for as long as told to. */
  private void eachPartition(Txn<byte[]> txn, java.util.function.LongFunction<Walk> visit) {
    try (TableCursor c = queue.cursor(txn)) {
      boolean on = c.first();
      while (on) {
        byte[] prefix = Arrays.copyOf(c.key(), TenantKeys.prefixLength(c.key()));
        Walk w = Walk.NEXT;
        while (on && inPartition(c.key(), prefix)
            && (w = visit.apply(readyAt(c.key(), prefix.length))) == Walk.NEXT) {
          on = c.next();
        }
        if (w == Walk.STOP) {
          return;
        }
        on = on && c.seekGE(partitionEnd(prefix));
      }
    }
  }

  /** Positions {@code c} at the first key at or after a partition's start. */
  private static boolean seek(TableCursor c, byte[] prefix) {
    return prefix.length == 0 ? c.first() : c.seekGE(prefix);
  }

  private static boolean inPartition(byte[] key, byte[] prefix) {
    if (prefix.length == 0) {
      return key.length > 0 && key[0] != (byte) 0xFF;
    }
    return key.length > prefix.length
        && Arrays.equals(key, 0, prefix.length, prefix, 0, prefix.length);
  }

  /** The first key after a partition: 0xFF after the default tenant's, else its prefix's 0x01. */
  private static byte[] partitionEnd(byte[] prefix) {
    if (prefix.length == 0) {
      return new byte[] {(byte) 0xFF};
    }
    byte[] end = prefix.clone();
    end[end.length - 1] = 0x01;
    return end;
  }

  private static byte[] queueKey(String tenant, long readyAtMs, byte[] id) {
    byte[] prefix = TenantKeys.dataPrefix(tenant);
    return ByteBuffer.allocate(prefix.length + Long.BYTES + id.length).put(prefix)
        .putLong(readyAtMs).put(id).array();
  }

  private static long readyAt(byte[] queueKey, int prefixLength) {
    return ByteBuffer.wrap(queueKey, prefixLength, Long.BYTES).getLong();
  }
}
