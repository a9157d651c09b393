package dev.atomkv.client;

import java.util.List;

/**
 * The answer to a commit that reached a decision. A failed check is a result ({@code ok=false}),
 * not an exception.
 *
 * @param ok true when every check held and the mutations are durably committed
 * @param versionstamp the commit's versionstamp when ok, carried by every key it wrote; null when not ok
 * @param failedChecks when not ok, the indexes (in the order checks were added) of every check
 *     that failed, ascending; empty when ok
 */
public record CommitResult(boolean ok, Versionstamp versionstamp, List<Integer> failedChecks) {
  public CommitResult {
    failedChecks = List.copyOf(failedChecks);
    if (ok && versionstamp == null) {
      throw new IllegalArgumentException("a successful commit has a versionstamp");
    }
  }
}
