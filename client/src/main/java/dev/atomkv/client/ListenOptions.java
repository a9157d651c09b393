package dev.atomkv.client;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executor;

/** How a {@link QueueListener} runs its handler. */
public final class ListenOptions {
  private static final ListenOptions DEFAULTS = builder().build();

  private final int concurrency;
  private final Executor executor;
  private final Duration reconnectBackoff;
  private final Duration maxReconnectBackoff;

  private ListenOptions(Builder b) {
    this.concurrency = b.concurrency;
    this.executor = b.executor;
    this.reconnectBackoff = b.reconnectBackoff;
    this.maxReconnectBackoff = b.maxReconnectBackoff;
  }

  /** One message at a time on a thread of the listener's own. */
  public static ListenOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** Messages handled at once (the stream's max_in_flight). */
  public int concurrency() {
    return concurrency;
  }

  /** Where the handler runs; null for threads of the listener's own, one per unit of concurrency. */
  public Executor executor() {
    return executor;
  }

  /** The pause before the first reconnection after the stream broke. */
  public Duration reconnectBackoff() {
    return reconnectBackoff;
  }

  /** The longest pause between reconnections. */
  public Duration maxReconnectBackoff() {
    return maxReconnectBackoff;
  }

  public static final class Builder {
    private int concurrency = 1;
    private Executor executor;
    private Duration reconnectBackoff = Duration.ofMillis(100);
    private Duration maxReconnectBackoff = Duration.ofSeconds(5);

    private Builder() {}

    /** Messages handled at once (default 1; the server allows 100 unless configured otherwise). */
    public Builder concurrency(int concurrency) {
      if (concurrency < 1) {
        throw new IllegalArgumentException("concurrency must be >= 1, got " + concurrency);
      }
      this.concurrency = concurrency;
      return this;
    }

    /** Runs the handler on this executor (which the caller owns) instead of the listener's own threads. */
    public Builder executor(Executor executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The pause before the first reconnection (default 100 ms), doubled up to the maximum. */
    public Builder reconnectBackoff(Duration first, Duration max) {
      if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
        throw new IllegalArgumentException("need 0 < first <= max, got " + first + ", " + max);
      }
      this.reconnectBackoff = first;
      this.maxReconnectBackoff = max;
      return this;
    }

    public ListenOptions build() {
      return new ListenOptions(this);
    }
  }
}
