package dev.atomkv.server.kvconnect;

import dev.atomkv.server.http.Failures;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.tenant.Admission;
import dev.atomkv.server.tenant.RateLimitException;
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
  static final int TOO_MANY_REQUESTS = 429;
  static final int INTERNAL = 500;
  static final int UNAVAILABLE = 503;

  private static final Logger LOG = LoggerFactory.getLogger(HttpFailure.class);

  private final int status;
  /** Seconds a 429's client should wait (its Retry-After header); 0 for other answers. */
  private final long retryAfterSeconds;

  HttpFailure(int status, String message) {
    this(status, message, 0);
  }

  private HttpFailure(int status, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  static HttpFailure badRequest(String message) {
    return new HttpFailure(BAD_REQUEST, message);
  }

  int status() {
    return status;
  }

  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  /** The one place that turns failures into HTTP answers. No stack trace reaches a client. */
  static HttpFailure of(Throwable t) {
    if (t instanceof RateLimitException r) {
      return tooManyRequests(r.refusal());
    }
    return Failures.classify(t, HttpFailure.class, LOG, "KV Connect", HttpFailure::refusal,
        () -> new HttpFailure(INTERNAL, "internal error"));
  }

  /**
   * 429 with Retry-After: the request never reached the engine. A 4xx, so Deno's client hands it
   * to the program rather than retrying on its own.
   */
  static HttpFailure tooManyRequests(Admission refusal) {
    return new HttpFailure(TOO_MANY_REQUESTS, "Too many requests: " + refusal.message(),
        refusal.retryAfterSeconds());
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
