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
}
