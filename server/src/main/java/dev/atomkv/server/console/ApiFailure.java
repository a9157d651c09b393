package dev.atomkv.server.console;

import com.google.gson.JsonObject;
import dev.atomkv.server.http.Failures;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.tenant.Admission;
import dev.atomkv.server.tenant.RateLimitException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An answer other than 200: an HTTP status and the body {@code {"code": ..., "message": ...}},
 * where code is the gRPC status name the same refusal gets on the gRPC port and message is the
 * same text, so a person can compare what the console and a gRPC client were told.
 */
final class ApiFailure extends RuntimeException {
  private static final Logger LOG = LoggerFactory.getLogger(ApiFailure.class);

  private final int status;
  private final String code;
  /** Seconds a 429's client should wait (its Retry-After header); 0 for other answers. */
  private final long retryAfterSeconds;

  ApiFailure(int status, String code, String message) {
    this(status, code, message, 0);
  }

  private ApiFailure(int status, String code, String message, long retryAfterSeconds) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** 429, as gRPC's RESOURCE_EXHAUSTED with the same message: the tenant's rate limit refused. */
  static ApiFailure tooManyRequests(Admission refusal) {
    return new ApiFailure(429, "RESOURCE_EXHAUSTED", refusal.message(),
        refusal.retryAfterSeconds());
  }

  static ApiFailure unauthenticated() {
    return new ApiFailure(401, "UNAUTHENTICATED", "missing or invalid bearer token");
  }

  static ApiFailure readOnly() {
    return new ApiFailure(403, "PERMISSION_DENIED",
        "this token is read-only: it cannot change data");
  }

  /** The tenant list is administration: not for a token that only reads or writes data. */
  static ApiFailure notServerAdmin() {
    return new ApiFailure(403, "PERMISSION_DENIED", "the tenants view is administration: it "
        + "needs a server administrator's token (a read-write token of --auth-token or "
        + "--auth-tokens-file, or an admin token of the default tenant)");
  }

  static ApiFailure notFound(String path) {
    return new ApiFailure(404, "NOT_FOUND", "no such console path: " + path);
  }

  static ApiFailure methodNotAllowed(String allowed) {
    return new ApiFailure(405, "INVALID_ARGUMENT", "method not allowed: use " + allowed);
  }

  int status() {
    return status;
  }

  long retryAfterSeconds() {
    return retryAfterSeconds;
  }

  JsonObject body() {
    JsonObject o = new JsonObject();
    o.addProperty("code", code);
    o.addProperty("message", getMessage());
    return o;
  }

  /** The one place that turns failures into console answers. No stack trace reaches a client. */
  static ApiFailure of(Throwable t) {
    if (t instanceof RateLimitException r) {
      return tooManyRequests(r.refusal());
    }
    return Failures.classify(t, ApiFailure.class, LOG, "console", ApiFailure::refusal,
        () -> new ApiFailure(500, "INTERNAL", "internal error"));
  }

  /** A refusal's status and gRPC code; null for a kind that is a fault of the server's. */
  private static ApiFailure refusal(KvException e) {
    return switch (e.kind()) {
      case INVALID_ARGUMENT -> new ApiFailure(400, "INVALID_ARGUMENT", e.getMessage());
      case FAILED_PRECONDITION -> new ApiFailure(409, "FAILED_PRECONDITION", e.getMessage());
      case RESOURCE_EXHAUSTED, QUOTA_EXCEEDED ->
          new ApiFailure(507, "RESOURCE_EXHAUSTED", e.getMessage());
      case NOT_APPLIED, UNAVAILABLE -> new ApiFailure(503, "UNAVAILABLE", e.getMessage());
      default -> null;
    };
  }
}
