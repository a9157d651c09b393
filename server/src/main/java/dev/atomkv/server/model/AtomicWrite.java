package dev.atomkv.server.model;

import java.util.List;

/**
 * A validated atomic request, ready for the writer.
 *
 * @param checks evaluated together against the state before the request
 * @param mutations applied in order when every check holds
 * @param deadlineNanos {@link System#nanoTime()} after which the request must not start;
 *     {@link Long#MAX_VALUE} for none
 */
public record AtomicWrite(List<Check> checks, List<Mutation> mutations, long deadlineNanos) {
  public AtomicWrite {
    checks = List.copyOf(checks);
    mutations = List.copyOf(mutations);
  }

  public AtomicWrite(List<Check> checks, List<Mutation> mutations) {
    this(checks, mutations, Long.MAX_VALUE);
  }
}
