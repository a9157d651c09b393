package dev.atomkv.server.model;

import dev.atomkv.server.model.tenant.TenantKeys;
import java.util.Arrays;
import java.util.List;

/**
 * A queue message of an atomic request, committed with it.
 *
 * @param payload what the listener receives, and what {@code keysIfUndelivered} get when the
 *     message is given up on
 * @param readyAtMs Unix milliseconds before which the message is not delivered (receipt time plus
 *     the delay, fixed once when the server accepts the request)
 * @param keysIfUndelivered encoded keys written with the payload when the message is given up on
 * @param backoffScheduleMs the waits before each redelivery, already resolved: the default
 *     schedule when none was given, empty for no redelivery
 * @param tenant whose queue the message joins: only that tenant's listeners receive it, and its
 *     {@code keysIfUndelivered} are keys as stored (already behind the tenant's prefix)
 */
public record Enqueue(Value payload, long readyAtMs, List<byte[]> keysIfUndelivered,
    long[] backoffScheduleMs, String tenant) {

  /** Deno's limits on one message; fixed by its API rather than server settings. */
  public static final long MAX_DELAY_MS = 30L * 24 * 60 * 60 * 1000;
  public static final int MAX_UNDELIVERED_KEYS = 10;
  public static final int MAX_BACKOFF_INTERVALS = 5;
  public static final long MAX_BACKOFF_INTERVAL_MS = 60L * 60 * 1000;
  /** Deno's default: five redeliveries over about 1.6 minutes. */
  public static final List<Long> DEFAULT_BACKOFF_MS = List.of(100L, 1000L, 5000L, 30000L, 60000L);
  /** Bytes each backoff interval adds to the total mutation size (Deno counts a u32 each). */
  public static final int BACKOFF_INTERVAL_BYTES = 4;

  /**
   * Validates a message as Deno does, with Deno's messages, and resolves its delay and schedule.
   *
   * @param receivedAtMs when the server accepted the request; the delay counts from here
   * @param backoffScheduleMs the schedule as given; empty means the default unless
   *     {@code noRetries}
   */
  public static Enqueue of(Value payload, long delayMs, long receivedAtMs,
      List<byte[]> keysIfUndelivered, long[] backoffScheduleMs, boolean noRetries) {
    if (delayMs < 0) {
      throw KvException.invalid("Delay must be >= 0: received " + delayMs);
    }
    if (delayMs > MAX_DELAY_MS) {
      throw KvException.invalid("Delay cannot be greater than 30 days: received " + delayMs);
    }
    if (backoffScheduleMs.length > MAX_BACKOFF_INTERVALS) {
      throw KvException.invalid(
          "Invalid backoffSchedule, max " + MAX_BACKOFF_INTERVALS + " intervals allowed");
    }
    for (int i = 0; i < backoffScheduleMs.length; i++) {
      if (backoffScheduleMs[i] < 0 || backoffScheduleMs[i] > MAX_BACKOFF_INTERVAL_MS) {
        throw KvException.invalid("Invalid backoffSchedule, interval at index " + i
            + " is invalid");
      }
    }
    if (noRetries && backoffScheduleMs.length > 0) {
      throw KvException.invalid("no_retries cannot be combined with a backoff schedule");
    }
    long[] schedule = backoffScheduleMs;
    if (schedule.length == 0 && !noRetries) {
      schedule = DEFAULT_BACKOFF_MS.stream().mapToLong(Long::longValue).toArray();
    }
    return new Enqueue(payload, receivedAtMs + delayMs, keysIfUndelivered, schedule);
  }

  /** A message of the default tenant. */
  public Enqueue(Value payload, long readyAtMs, List<byte[]> keysIfUndelivered,
      long[] backoffScheduleMs) {
    this(payload, readyAtMs, keysIfUndelivered, backoffScheduleMs, TenantKeys.DEFAULT);
  }

  public Enqueue {
    tenant = tenant == null ? TenantKeys.DEFAULT : tenant;
    keysIfUndelivered = List.copyOf(keysIfUndelivered);
    backoffScheduleMs = backoffScheduleMs.clone();
  }

  /** This message in {@code tenant}'s queue, its undelivered keys given as stored. */
  public Enqueue inTenant(String tenant, List<byte[]> storedKeysIfUndelivered) {
    return new Enqueue(payload, readyAtMs, storedKeysIfUndelivered, backoffScheduleMs, tenant);
  }

  @Override
  public long[] backoffScheduleMs() {
    return backoffScheduleMs.clone();
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Enqueue e) || !payload.equals(e.payload) || readyAtMs != e.readyAtMs
        || !tenant.equals(e.tenant)
        || !Arrays.equals(backoffScheduleMs, e.backoffScheduleMs)
        || keysIfUndelivered.size() != e.keysIfUndelivered.size()) {
      return false;
    }
    for (int i = 0; i < keysIfUndelivered.size(); i++) {
      if (!Arrays.equals(keysIfUndelivered.get(i), e.keysIfUndelivered.get(i))) {
        return false;
      }
    }
    return true;
  }

  @Override
  public int hashCode() {
    return payload.hashCode() * 31 + Long.hashCode(readyAtMs);
  }
}
