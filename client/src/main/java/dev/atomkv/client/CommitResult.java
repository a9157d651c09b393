package dev.atomkv.client;

import java.util.List;

/**
 * The answer to a commit that reached a decision. A failed check or condition is a result ({@code
 * ok=false}), not an exception. Every check and every condition is evaluated, so when not ok both
 * lists are complete.
 *
 * @param ok true when every check and condition held and the mutations are durably committed
 * @param versionstamp the commit's versionstamp when ok, carried by every key it wrote; null when not ok
 * @param failedChecks when not ok, the indexes (in the order checks were added) of every check
 *     that failed, ascending; empty when ok
 * @param failedConditions when not ok, the indexes (in the order mutations were added) of every
 *     conditional set or delete whose {@link Where} filter did not match, ascending; empty when ok
 */
public record CommitResult(
    boolean ok, Versionstamp versionstamp, List<Integer> failedChecks, List<Integer> failedConditions) {
  /** @throws IllegalArgumentException if {@code ok} without a versionstamp */
  public CommitResult {
    failedChecks = List.copyOf(failedChecks);
    failedConditions = List.copyOf(failedConditions);
    if (ok && versionstamp == null) {
      throw new IllegalArgumentException("a successful commit has a versionstamp");
    }
  }

  /** A result without failed conditions. */
  public CommitResult(boolean ok, Versionstamp versionstamp, List<Integer> failedChecks) {
    this(ok, versionstamp, failedChecks, List.of());
  }
}
