package dev.atomkv.server.raft;

import java.util.List;

/**
 * What applying the log tells this member's queue delivery. Every member hears of every entry it
 * applies, whichever member proposed it; the calls come from the apply path and must return
 * quickly.
 */
interface QueueEvents {
  QueueEvents NONE = new QueueEvents() {};

  /** Messages may have become ready or been taken (an enqueue, a retry, a requeue). */
  default void queueChanged() {}

  /** These leases ended (acked, failed, returned or expired), through whichever member. */
  default void leasesEnded(List<String> leaseIds) {}

  /** Every lease taken by an entry before {@code index} ended: the messages are ready again. */
  default void requeued(long index) {}

  /** A deleted tenant's queue was dropped: its listeners here end. */
  default void tenantQueueDropped(String tenant) {}

  /** This member became leader and has applied every entry of earlier terms. */
  default void leaderReady() {}
}
