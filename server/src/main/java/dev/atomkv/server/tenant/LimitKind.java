package dev.atomkv.server.tenant;

import java.time.Duration;

/** The three limits of a tenant, each its own token bucket. */
public enum LimitKind {
  REQUESTS("requests per second", "requests", Duration.ofSeconds(1)),
  READ_UNITS("read units per minute", "read_units", Duration.ofMinutes(1)),
  WRITE_UNITS("write units per minute", "write_units", Duration.ofMinutes(1));

  private final String description;
  private final String label;
  private final Duration period;

  LimitKind(String description, String label, Duration period) {
    this.description = description;
    this.label = label;
    this.period = period;
  }

  /** How a refusal names the limit: "requests per second". */
  public String description() {
    return description;
  }

  /** The limit's metric label value: "requests", "read_units", "write_units". */
  public String label() {
    return label;
  }

  /** The period the limit is counted over: the whole limit refills in it. */
  Duration period() {
    return period;
  }
}
