package dev.atomkv.server.model;

import java.util.List;

/**
 * The outcome of an atomic request that was evaluated: committed with a versionstamp, or refused
 * because checks or mutation conditions failed (a normal answer, not an error).
 *
 * @param failedChecks indexes of the checks that failed, ascending
 * @param failedConditions indexes of the mutations whose condition failed, ascending
 */
public record CommitResult(boolean ok, Versionstamp versionstamp, List<Integer> failedChecks,
    List<Integer> failedConditions) {
  public CommitResult {
    failedChecks = List.copyOf(failedChecks);
    failedConditions = List.copyOf(failedConditions);
  }

  public static CommitResult committed(Versionstamp vs) {
    return new CommitResult(true, vs, List.of(), List.of());
  }

  public static CommitResult failed(List<Integer> failedChecks, List<Integer> failedConditions) {
    return new CommitResult(false, null, failedChecks, failedConditions);
  }
}
