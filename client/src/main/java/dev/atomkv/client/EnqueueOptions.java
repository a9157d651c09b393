package dev.atomkv.client;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * How a queue message is delivered (Deno's enqueue options).
 *
 * <pre>{@code
 * kv.atomic()
 *     .enqueue(KvValue.of("welcome alice"), EnqueueOptions.builder()
 *         .delay(Duration.ofMinutes(5))
 *         .keysIfUndelivered(Key.of("failed", "welcome", "alice"))
 *         .backoffSchedule(Duration.ofSeconds(1), Duration.ofSeconds(10))
 *         .build())
 *     .commit();
 * }</pre>
 *
 * <p>The server validates with Deno's limits and messages: a delay of at most 30 days, at most 10
 * undelivered keys, at most 5 backoff intervals of at most 1 hour each.
 */
public final class EnqueueOptions {
  private static final EnqueueOptions DEFAULTS = builder().build();

  private final Duration delay;
  private final List<Key> keysIfUndelivered;
  private final List<Duration> backoffSchedule;

  private EnqueueOptions(Builder b) {
    this.delay = b.delay;
    this.keysIfUndelivered = List.copyOf(b.keysIfUndelivered);
    this.backoffSchedule = b.backoffSchedule == null ? null : List.copyOf(b.backoffSchedule);
  }

  /** Delivered at once, retried on the server's default schedule, dropped if never delivered. */
  public static EnqueueOptions defaults() {
    return DEFAULTS;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** How long after the commit the message is first delivered. */
  public Duration delay() {
    return delay;
  }

  /** Keys that receive the payload when the message is given up on. */
  public List<Key> keysIfUndelivered() {
    return keysIfUndelivered;
  }

  /** The waits before each redelivery; null for the server's default, empty for no retries. */
  public List<Duration> backoffSchedule() {
    return backoffSchedule;
  }

  public static final class Builder {
    private Duration delay = Duration.ZERO;
    private final List<Key> keysIfUndelivered = new ArrayList<>();
    private List<Duration> backoffSchedule;

    private Builder() {}

    /** Delivered no earlier than this long after the server accepts the commit (default 0). */
    public Builder delay(Duration delay) {
      this.delay = Objects.requireNonNull(delay, "delay");
      return this;
    }

    /** Adds keys that receive the payload, in one commit, when the message is given up on. */
    public Builder keysIfUndelivered(Key... keys) {
      for (Key k : keys) {
        keysIfUndelivered.add(Objects.requireNonNull(k, "key"));
      }
      return this;
    }

    /**
     * The waits before each redelivery after a failure (default: the server's 100 ms, 1 s, 5 s,
     * 30 s, 1 min). No intervals means delivered once, never retried.
     */
    public Builder backoffSchedule(Duration... intervals) {
      List<Duration> list = new ArrayList<>();
      for (Duration d : intervals) {
        list.add(Objects.requireNonNull(d, "interval"));
      }
      this.backoffSchedule = list;
      return this;
    }

    public EnqueueOptions build() {
      return new EnqueueOptions(this);
    }
  }
}
