package dev.atomkv.server.tenant;

/**
 * A call refused by its tenant's rate limits, before it reached the engine. Each edge answers it
 * in its own way (gRPC RESOURCE_EXHAUSTED with RetryInfo, HTTP 429 with Retry-After).
 */
public final class RateLimitException extends RuntimeException {
  private final Admission refusal;

  RateLimitException(Admission refusal) {
    super(refusal.message(), null, false, false);
    this.refusal = refusal;
  }

  public Admission refusal() {
    return refusal;
  }
}
