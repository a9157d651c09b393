package dev.atomkv.client;

import io.grpc.Status;

/**
 * A call that failed with a gRPC status: the server refused it (INVALID_ARGUMENT with the SPEC's
 * message, FAILED_PRECONDITION, RESOURCE_EXHAUSTED, UNAUTHENTICATED...) or the transport failed.
 *
 * <p>For a commit, an outcome that may or may not have been applied is the subclass {@link
 * CommitOutcomeUnknownException}. A plain {@code KvException} from a commit means nothing was
 * written; when {@link #isNotApplied()} the server said so explicitly (e.g. an overloaded writer
 * queue) and the same commit is safe to send again.
 */
public class KvException extends RuntimeException {
  /** The {@code google.rpc.ErrorInfo} reason of a request the server did not apply. */
  public static final String REASON_NOT_APPLIED = "NOT_APPLIED";

  private final Status.Code code;
  private final String description;
  private final String reason;

  KvException(Status.Code code, String description, String reason, Throwable cause) {
    super(code + (description == null || description.isEmpty() ? "" : ": " + description), cause);
    this.code = code;
    this.description = description == null ? "" : description;
    this.reason = reason;
  }

  /** The gRPC status code. */
  public Status.Code code() {
    return code;
  }

  /** The server's message (the status description), or "" if it gave none. */
  public String description() {
    return description;
  }

  /** The {@code google.rpc.ErrorInfo} reason from the status details, or null if none came. */
  public String reason() {
    return reason;
  }

  /** True when the server reported that it did not apply the request (ErrorInfo reason {@code NOT_APPLIED}). */
  public boolean isNotApplied() {
    return REASON_NOT_APPLIED.equals(reason);
  }
}
