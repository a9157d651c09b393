package dev.atomkv.server.raft;

import java.util.concurrent.atomic.LongAdder;

/** Events of a member's Raft life that its metrics count. Thread-safe. */
public final class ClusterCounters {
  private final LongAdder leaderChanges = new LongAdder();
  private final LongAdder forwardedWrites = new LongAdder();

  /** The member learned of a new leader (or of none). */
  void leaderChanged() {
    leaderChanges.increment();
  }

  /** A write was proposed through this member while another member led. */
  void writeForwarded() {
    forwardedWrites.increment();
  }

  long leaderChanges() {
    return leaderChanges.sum();
  }

  long forwardedWrites() {
    return forwardedWrites.sum();
  }
}
