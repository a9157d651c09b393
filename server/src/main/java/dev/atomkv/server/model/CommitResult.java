package dev.atomkv.server.model;

import java.util.List;

/**
 * The outcome of an atomic request that was evaluated: committed with a versionstamp, or refused
 * because checks failed (a normal answer, not an error).
 */
public record CommitResult(boolean ok, Versionstamp versionstamp, List<Integer> failedChecks) {
  public CommitResult {
    failedChecks = List.copyOf(failedChecks);
  }

  public static CommitResult committed(Versionstamp vs) {
    return new CommitResult(true, vs, List.of());
  }

  public static CommitResult checksFailed(List<Integer> failedChecks) {
    return new CommitResult(false, null, failedChecks);
  }
}
