package dev.atomkv.server;

import dev.atomkv.server.tenant.RateLimits;
import picocli.CommandLine.Option;

/**
 * The server-wide default rate limits, part of {@link ServerConfig}: every tenant without limits
 * of its own gets these. Each member of a cluster enforces them on the calls it serves.
 */
final class RateLimitSettings {
  /** No limit. */
  static final long UNLIMITED = 0;
  /** Far above any real rate; bounds a typo, and keeps the buckets' arithmetic far from overflow. */
  static final long MAX = 1_000_000_000L;

  @Option(names = "--rate-limit-requests-per-second",
      defaultValue = "${ATOMKV_RATE_LIMIT_REQUESTS_PER_SECOND:-" + UNLIMITED + "}",
      description = "Calls per second each tenant may make on this node (gRPC, KV Connect and "
          + "the console together); more are refused with RESOURCE_EXHAUSTED (HTTP 429) and the "
          + "delay to wait. 0 for no limit. Env: ATOMKV_RATE_LIMIT_REQUESTS_PER_SECOND.")
  long requestsPerSecond;

  @Option(names = "--rate-limit-read-units-per-minute",
      defaultValue = "${ATOMKV_RATE_LIMIT_READ_UNITS_PER_MINUTE:-" + UNLIMITED + "}",
      description = "Read volume per minute each tenant may use on this node, in 10 KB units of "
          + "what reads return (each read rounds up, at least 1). 0 for no limit. "
          + "Env: ATOMKV_RATE_LIMIT_READ_UNITS_PER_MINUTE.")
  long readUnitsPerMinute;

  @Option(names = "--rate-limit-write-units-per-minute",
      defaultValue = "${ATOMKV_RATE_LIMIT_WRITE_UNITS_PER_MINUTE:-" + UNLIMITED + "}",
      description = "Write volume per minute each tenant may use on this node, in 10 KB units of "
          + "request payload (each write rounds up, at least 1). 0 for no limit. "
          + "Env: ATOMKV_RATE_LIMIT_WRITE_UNITS_PER_MINUTE.")
  long writeUnitsPerMinute;

  RateLimits defaults() {
    return new RateLimits(requestsPerSecond, readUnitsPerMinute, writeUnitsPerMinute);
  }
}
