package dev.atomkv.server.lmdb;

import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;

/**
 * The writes that move queue messages between the tables, each a {@link WriterTask} for the single
 * writer: what delivery decided, turned into storage changes.
 */
final class QueueWrites {
  private final Store store;

  QueueWrites(Store store) {
    this.store = store;
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
        moved.add(store.queues.lease(txn, m.readyAtMs(), m.id()));
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
      if (success || m == null) {
        return null;
      }
      if (m.canRetry()) {
        store.queues.add(txn, m.retried(ctx.nowMs()));
      } else if (!m.keysIfUndelivered().isEmpty()) {
        // Given up on: one commit of its own writes the payload to every undelivered key.
        Versionstamp vs = ctx.versionstamp();
        for (byte[] key : m.keysIfUndelivered()) {
          store.put(txn, key, m.payload(), vs, 0);
          ctx.wrote(key);
        }
      }
      return null;
    };
  }
}
