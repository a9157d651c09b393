package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.DeadLetter;
import dev.atomkv.server.engine.DeadLetterLog;
import dev.atomkv.server.engine.QueueOutcome;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lmdbjava.Txn;

/**
 * The writes that move queue messages between the tables, each a {@link WriterTask} for the single
 * writer: what delivery decided, turned into storage changes.
 */
final class QueueWrites {
  private final Store store;
  private final DeadLetterLog deadLetters;

  QueueWrites(Store store, DeadLetterLog deadLetters) {
    this.store = store;
    this.deadLetters = deadLetters;
  }

  /** Makes every message left in flight ready again; returns how many there were. */
  WriterTask<Integer> requeueInflight() {
    return (txn, ctx) -> store.queues.requeueInflight(txn, ctx.nowMs());
  }

  /**
   * Moves messages to the in-flight table; the result holds each moved message, or null for one
   * that was no longer waiting.
   */
  WriterTask<List<QueuedMessage>> lease(List<QueuedMessage> messages) {
    return (txn, ctx) -> {
      List<QueuedMessage> moved = new ArrayList<>(messages.size());
      for (QueuedMessage m : messages) {
        moved.add(store.queues.lease(txn, m));
      }
      return moved;
    };
  }

  /** Makes an in-flight message ready again at once, the delivery not counted. */
  WriterTask<Void> returnUndelivered(byte[] id) {
    return (txn, ctx) -> {
      QueuedMessage m = store.queues.takeInflight(txn, id);
      if (m != null) {
        store.queues.add(txn, m.undelivered(ctx.nowMs()));
      }
      return null;
    };
  }

  /** Removes the message on success; else schedules its redelivery or gives it up. */
  WriterTask<Void> settle(byte[] id, boolean success) {
    return (txn, ctx) -> {
      QueuedMessage m = store.queues.takeInflight(txn, id);
      if (!success && m != null) {
        failed(txn, ctx, m);
      }
      return null;
    };
  }

  /** A delivery that failed, already taken from the in-flight table: retried or given up on. */
  private void failed(Txn<byte[]> txn, WriterTask.Context ctx, QueuedMessage m) {
    if (m.canRetry()) {
      store.queues.add(txn, m.retried(ctx.nowMs()));
      return;
    }
    Versionstamp vs = null;
    if (!m.keysIfUndelivered().isEmpty()) {
      // Given up on: one commit of its own writes the payload to every undelivered key.
      vs = ctx.versionstamp();
      for (byte[] key : m.keysIfUndelivered()) {
        store.put(txn, key, m.payload(), vs, 0);
        ctx.wrote(key);
      }
    }
    int size = m.payload().payload().length;
    DeadLetter letter = new DeadLetter(m.versionstamp(), ctx.nowMs(), m.deliveries(),
        size <= DeadLetterLog.MAX_KEPT_PAYLOAD ? m.payload() : null, size,
        m.keysIfUndelivered(), vs);
    ctx.afterCommit(() -> deadLetters.add(letter));
  }

  // ---- replicated leases: the task's time and the lease index come from the log entry --------

  /**
   * Leases up to {@code max} messages of {@code tenant} due at the task's time under the lease
   * named by {@code leaseIndex}, expiring {@code leaseMs} later; returns them in delivery order.
   */
  WriterTask<List<QueuedMessage>> leaseDue(String tenant, int max, long leaseIndex,
      long leaseMs) {
    return (txn, ctx) -> {
      QueuedMessage.Lease lease = new QueuedMessage.Lease(leaseIndex, ctx.nowMs() + leaseMs);
      List<QueuedMessage> leased = new ArrayList<>();
      for (QueuedMessage m : store.queues.due(txn, tenant, ctx.nowMs(), max, Set.of())
          .messages()) {
        leased.add(store.queues.lease(txn, m, lease));
      }
      return leased;
    };
  }

  /**
   * Ends a replicated lease of {@code tenant}'s; false when it had ended already (or never was,
   * or is another tenant's).
   */
  WriterTask<Boolean> settleLease(String tenant, String leaseId, QueueOutcome outcome) {
    return (txn, ctx) -> {
      Map.Entry<byte[], Long> named = QueuedMessage.parseLeaseId(leaseId);
      QueuedMessage m = named == null ? null
          : store.queues.takeLeased(txn, tenant, named.getKey(), named.getValue());
      if (m == null) {
        return false;
      }
      switch (outcome) {
        case ACKED -> { }
        case FAILED -> failed(txn, ctx, m);
        case RETURNED -> store.queues.add(txn, m.undelivered(ctx.nowMs()));
      }
      return true;
    };
  }

  /** Drops every message of {@code tenant}'s queue, waiting or in flight; returns how many. */
  WriterTask<Integer> dropTenantQueue(String tenant) {
    return (txn, ctx) -> store.queues.dropTenant(txn, tenant);
  }

  /** Ends every replicated lease expired at the task's time as failed; returns their ids. */
  WriterTask<List<String>> expireLeases() {
    return (txn, ctx) -> {
      List<String> ended = new ArrayList<>();
      for (QueuedMessage m : store.queues.expiredLeases(txn, ctx.nowMs())) {
        store.queues.takeInflight(txn, m.id());
        failed(txn, ctx, m);
        ended.add(m.leaseId());
      }
      return ended;
    };
  }
}
