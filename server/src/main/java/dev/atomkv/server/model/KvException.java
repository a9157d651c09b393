package dev.atomkv.server.model;

/**
 * The one exception type that crosses layers. The message is what the client sees, so it is
 * static text plus the offending value or limit, never a stack trace.
 */
public final class KvException extends RuntimeException {
  private final ErrorKind kind;

  public KvException(ErrorKind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public KvException(ErrorKind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public ErrorKind kind() {
    return kind;
  }

  public static KvException invalid(String message) {
    return new KvException(ErrorKind.INVALID_ARGUMENT, message);
  }

  /**
   * A write that may or may not have been applied (the answer was lost, or the store failed after
   * the commit): only a re-read can tell, so the caller must not retry blindly.
   *
   * @param cause what lost the answer, or null
   */
  public static KvException outcomeUnknown(Throwable cause) {
    return new KvException(ErrorKind.UNAVAILABLE, "commit outcome unknown: re-read before retrying",
        cause);
  }
}
