package dev.atomkv.server.model;

import java.util.List;

/**
 * A validated atomic request, ready for the writer.
 *
 * @param checks evaluated together against the state before the request
 * @param mutations applied in order when every check holds
 * @param deadlineNanos {@link System#nanoTime()} after which the request must not start;
 *     {@link Long#MAX_VALUE} for none
 * @param enqueues queue messages committed with the request, only if it commits
 */
public record AtomicWrite(List<Check> checks, List<Mutation> mutations, long deadlineNanos,
    List<Enqueue> enqueues) {
  public AtomicWrite {
    checks = List.copyOf(checks);
    mutations = List.copyOf(mutations);
    enqueues = List.copyOf(enqueues);
  }

  public AtomicWrite(List<Check> checks, List<Mutation> mutations, long deadlineNanos) {
    this(checks, mutations, deadlineNanos, List.of());
  }

  public AtomicWrite(List<Check> checks, List<Mutation> mutations) {
    this(checks, mutations, Long.MAX_VALUE);
  }
}
