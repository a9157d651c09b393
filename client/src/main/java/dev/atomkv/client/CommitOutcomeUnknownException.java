package dev.atomkv.client;

import io.grpc.Status;

/**
 * A commit whose Atomic RPC ended with DEADLINE_EXCEEDED, UNAVAILABLE or CANCELLED without the
 * server saying it was not applied: it may or may not have been committed. The client never retries
 * it. Re-read the keys involved (a versionstamp check on them tells whether the commit landed) and
 * decide, as FoundationDB's {@code commit_unknown_result} asks.
 */
public final class CommitOutcomeUnknownException extends KvException {
  CommitOutcomeUnknownException(Status.Code code, String description, Throwable cause) {
    super(code, description, null, cause);
  }
}
