package dev.atomkv.server.tenant;

import java.time.Duration;

/**
 * The rate limiter's answer for one call: admitted, or refused by one of the tenant's limits with
 * how long until enough of it has refilled.
 */
public final class Admission {
  private static final Admission ADMITTED = new Admission(null, null, Duration.ZERO);

  private final String tenant;
  private final LimitKind refusedBy;
  private final Duration retryAfter;

  private Admission(String tenant, LimitKind refusedBy, Duration retryAfter) {
    this.tenant = tenant;
    this.refusedBy = refusedBy;
    this.retryAfter = retryAfter;
  }

  static Admission admitted() {
    return ADMITTED;
  }

  static Admission refused(String tenant, LimitKind kind, long nanosToWait) {
    // At least a millisecond: a zero delay would tell the client to retry in a tight loop.
    return new Admission(tenant, kind, Duration.ofNanos(Math.max(1_000_000L, nanosToWait)));
  }

  public boolean isAdmitted() {
    return refusedBy == null;
  }

  /** The limit that refused the call; null when admitted. */
  public LimitKind refusedBy() {
    return refusedBy;
  }

  /** The tenant refused; null when admitted. */
  public String tenant() {
    return tenant;
  }

  /** How long until the call would be admitted (zero when admitted). */
  public Duration retryAfter() {
    return retryAfter;
  }

  /** Whole milliseconds to wait, rounded up. */
  public long retryAfterMillis() {
    return (retryAfter.toNanos() + 999_999) / 1_000_000;
  }

  /** Whole seconds to wait, rounded up and at least 1 (HTTP's Retry-After counts in seconds). */
  public long retryAfterSeconds() {
    return Math.max(1, (retryAfter.toNanos() + 999_999_999) / 1_000_000_000);
  }

  /** "rate limit exceeded: requests per second (tenant 'x'); retry after 120 ms". */
  public String message() {
    return "rate limit exceeded: " + refusedBy.description() + " (tenant '" + tenant
        + "'); retry after " + retryAfterMillis() + " ms";
  }

  /** @throws RateLimitException when refused */
  public void orThrow() {
    if (refusedBy != null) {
      throw new RateLimitException(this);
    }
  }
}
