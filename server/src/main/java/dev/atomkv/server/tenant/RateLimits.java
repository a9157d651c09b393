package dev.atomkv.server.tenant;

/**
 * A tenant's rate limits, as Forge counts them: calls per second, and read and write volume per
 * minute in units of {@link RateLimiter#UNIT_BYTES} (an operation rounds up, and costs at least
 * one). 0 means unlimited.
 */
public record RateLimits(long requestsPerSecond, long readUnitsPerMinute,
    long writeUnitsPerMinute) {
  /** No limit at all: such a tenant has no bucket and costs nothing. */
  public static final RateLimits UNLIMITED = new RateLimits(0, 0, 0);

  /** @throws IllegalArgumentException naming the limit that is negative */
  public RateLimits {
    check("requestsPerSecond", requestsPerSecond);
    check("readUnitsPerMinute", readUnitsPerMinute);
    check("writeUnitsPerMinute", writeUnitsPerMinute);
  }

  private static void check(String name, long value) {
    if (value < 0) {
      throw new IllegalArgumentException(
          "rate limit " + name + " must be 0 (unlimited) or more, got " + value);
    }
  }

  /** Whether every limit is 0. */
  public boolean unlimited() {
    return requestsPerSecond == 0 && readUnitsPerMinute == 0 && writeUnitsPerMinute == 0;
  }

  /** The limit of {@code kind}, 0 when unlimited. */
  public long of(LimitKind kind) {
    return switch (kind) {
      case REQUESTS -> requestsPerSecond;
      case READ_UNITS -> readUnitsPerMinute;
      case WRITE_UNITS -> writeUnitsPerMinute;
    };
  }
}
