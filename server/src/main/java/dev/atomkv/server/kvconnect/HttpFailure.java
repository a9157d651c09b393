package dev.atomkv.server.kvconnect;

import dev.atomkv.server.http.Failures;
import dev.atomkv.server.model.KvException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An answer other than 200: a status and the plain-text body Deno's clients show the program.
 * Deno treats every 4xx as final and retries every 5xx forever, so 5xx is kept for faults that
 * pass (overload, shutdown, a full disk being cleared) and everything the request itself got
 * wrong is 400.
 */
final class HttpFailure extends RuntimeException {
  static final int BAD_REQUEST = 400;
  static final int UNAUTHORIZED = 401;
  static final int NOT_FOUND = 404;
  static final int METHOD_NOT_ALLOWED = 405;
  static final int PAYLOAD_TOO_LARGE = 413;
  static final int INTERNAL = 500;
  static final int UNAVAILABLE = 503;

  private static final Logger LOG = LoggerFactory.getLogger(HttpFailure.class);

  private final int status;

  HttpFailure(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  static HttpFailure badRequest(String message) {
    return new HttpFailure(BAD_REQUEST, message);
  }

  int status() {
    return status;
  }

  /** The one place that turns failures into HTTP answers. No stack trace reaches a client. */
  static HttpFailure of(Throwable t) {
    return Failures.classify(t, HttpFailure.class, LOG, "KV Connect", HttpFailure::refusal,
        () -> new HttpFailure(INTERNAL, "internal error"));
  }

  /** 400 for what the request got wrong, 503 for what passes; null for a fault. */
  private static HttpFailure refusal(KvException e) {
    return switch (e.kind()) {
      // A quota is not waited out: a retry fails alike until the tenant deletes something.
      case INVALID_ARGUMENT, FAILED_PRECONDITION, QUOTA_EXCEEDED ->
          new HttpFailure(BAD_REQUEST, e.getMessage());
      case RESOURCE_EXHAUSTED, NOT_APPLIED, UNAVAILABLE ->
          new HttpFailure(UNAVAILABLE, e.getMessage());
      default -> null;
    };
  }
}
