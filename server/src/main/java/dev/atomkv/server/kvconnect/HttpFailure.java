package dev.atomkv.server.kvconnect;

import dev.atomkv.server.model.KvException;
import java.util.concurrent.CompletionException;
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
    Throwable cause = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
    if (cause instanceof HttpFailure f) {
      return f;
    }
    if (!(cause instanceof KvException e)) {
      LOG.error("unexpected KV Connect failure", cause);
      return new HttpFailure(INTERNAL, "internal error");
    }
    return switch (e.kind()) {
      case INVALID_ARGUMENT, FAILED_PRECONDITION -> new HttpFailure(BAD_REQUEST, e.getMessage());
      case RESOURCE_EXHAUSTED, NOT_APPLIED, UNAVAILABLE ->
          new HttpFailure(UNAVAILABLE, e.getMessage());
      default -> {
        LOG.error("KV Connect internal failure: kind={} message={}", e.kind(), e.getMessage(), e);
        yield new HttpFailure(INTERNAL, "internal error");
      }
    };
  }
}
