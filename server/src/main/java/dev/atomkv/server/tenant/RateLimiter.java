package dev.atomkv.server.tenant;

import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import io.github.bucket4j.TimeMeter;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.function.Function;

/**
 * Rate limits per tenant, on this node: token buckets (Bucket4j, refilled continuously) for the
 * tenant's requests per second and read and write units per minute. A tenant's limits are looked
 * up on every call, so a change applies to the next call; memory is one entry per tenant that has
 * limits (nothing per key), and a tenant without limits has no entry at all.
 *
 * <p>A call costs one request. A write is charged its units before it runs, so a write the
 * bucket cannot pay is refused. A read's size is known only once it has run: it pays one unit to
 * be admitted and the rest afterwards, which may put the tenant's read bucket in debt; later
 * reads wait the debt out.
 */
public final class RateLimiter {
  /** Volume is counted in units of 10 KB, as Forge counts it. */
  public static final long UNIT_BYTES = 10 * 1024;

  /** What the limiter tells the metrics. */
  public interface Listener {
    /** A call of {@code tenant} was refused by {@code kind}. */
    void refused(String tenant, LimitKind kind);

    /** {@code tenant} now has buckets (its first limited call, or its first since a change). */
    default void limited(String tenant) {}
  }

  private static final Listener NO_LISTENER = (tenant, kind) -> {};

  private final Function<String, RateLimits> limits;
  private final TimeMeter time;
  private final ConcurrentMap<String, TenantBuckets> tenants = new ConcurrentHashMap<>();
  private volatile Listener listener = NO_LISTENER;

  /**
   * @param limits a tenant's limits, asked on every call (null counts as unlimited); it must be
   *     cheap, and bounded by the tenants there are
   */
  public RateLimiter(Function<String, RateLimits> limits) {
    this(limits, TimeMeter.SYSTEM_NANOTIME);
  }

  /** As {@link #RateLimiter(Function)}, on {@code time} (tests drive a clock of their own). */
  public RateLimiter(Function<String, RateLimits> limits, TimeMeter time) {
    this.limits = Objects.requireNonNull(limits);
    this.time = Objects.requireNonNull(time);
  }

  /** A limiter that admits everything, for servers and tests without limits. */
  public static RateLimiter unlimited() {
    return new RateLimiter(tenant -> RateLimits.UNLIMITED);
  }

  public void listener(Listener listener) {
    this.listener = Objects.requireNonNull(listener);
  }

  /** The units {@code bytes} cost: rounded up to whole units, at least one. */
  public static long units(long bytes) {
    return Math.max(1, (bytes + UNIT_BYTES - 1) / UNIT_BYTES);
  }

  /** A call that is neither a read nor a write (a queue listener's start): one request. */
  public Admission admitCall(String tenant) {
    TenantBuckets b = buckets(tenant);
    return b == null ? Admission.admitted() : admit(tenant, b, null, 0);
  }

  /**
   * A read: one request and one read unit, refused while the read bucket is in debt. Charge the
   * rest with {@link #chargeRead} once the size of the answer is known.
   */
  public Admission admitRead(String tenant) {
    TenantBuckets b = buckets(tenant);
    return b == null ? Admission.admitted() : admit(tenant, b, LimitKind.READ_UNITS, 1);
  }

  /** What a read admitted by {@link #admitRead} returned: the units beyond the one it paid. */
  public void chargeRead(String tenant, long bytesReturned) {
    TenantBuckets b = buckets(tenant);
    long rest = units(bytesReturned) - 1;
    if (b != null && b.reads != null && rest > 0) {
      b.reads.consumeIgnoringRateLimits(rest);
    }
  }

  /** A write of {@code payloadBytes}: one request and its write units, paid before it runs. */
  public Admission admitWrite(String tenant, long payloadBytes) {
    TenantBuckets b = buckets(tenant);
    return b == null ? Admission.admitted()
        : admit(tenant, b, LimitKind.WRITE_UNITS, units(payloadBytes));
  }

  /**
   * Tokens left in {@code tenant}'s bucket of {@code kind} (negative: a read debt); empty when
   * that limit is off, or the tenant has not been seen since its limits were set.
   */
  public OptionalLong headroom(String tenant, LimitKind kind) {
    TenantBuckets b = tenants.get(tenant);
    Bucket bucket = b == null ? null : b.bucket(kind);
    return bucket == null ? OptionalLong.empty() : OptionalLong.of(bucket.getAvailableTokens());
  }

  /** Drops {@code tenant}'s buckets (a deleted tenant); they are rebuilt full if it calls again. */
  public void forget(String tenant) {
    tenants.remove(tenant);
  }

  /** One request, and {@code cost} units of {@code kind} unless it is null. */
  private Admission admit(String tenant, TenantBuckets b, LimitKind kind, long cost) {
    if (b.requests != null) {
      ConsumptionProbe probe = b.requests.tryConsumeAndReturnRemaining(1);
      if (!probe.isConsumed()) {
        return refuse(tenant, LimitKind.REQUESTS, probe.getNanosToWaitForRefill());
      }
    }
    Bucket units = kind == null ? null : b.bucket(kind);
    if (units == null) {
      return Admission.admitted();
    }
    // A write larger than the whole minute's allowance waits for a full bucket and leaves it in
    // debt for the rest, rather than being refused for ever.
    long capacity = b.limits.of(kind);
    ConsumptionProbe probe = units.tryConsumeAndReturnRemaining(Math.min(cost, capacity));
    if (!probe.isConsumed()) {
      if (b.requests != null) {
        b.requests.addTokens(1); // the call did not happen: its request is given back
      }
      return refuse(tenant, kind, probe.getNanosToWaitForRefill());
    }
    if (cost > capacity) {
      units.consumeIgnoringRateLimits(cost - capacity);
    }
    return Admission.admitted();
  }

  private Admission refuse(String tenant, LimitKind kind, long nanosToWait) {
    listener.refused(tenant, kind);
    return Admission.refused(tenant, kind, nanosToWait);
  }

  /** The tenant's buckets as its limits are now; null when it has none. */
  private TenantBuckets buckets(String tenant) {
    RateLimits now = limits.apply(tenant);
    if (now == null) {
      now = RateLimits.UNLIMITED;
    }
    TenantBuckets current = tenants.get(tenant);
    if (current != null && current.limits.equals(now)) {
      return current;
    }
    if (now.unlimited()) {
      if (current != null) {
        tenants.remove(tenant, current);
      }
      return null;
    }
    RateLimits wanted = now;
    TenantBuckets built = tenants.compute(tenant, (t, old) ->
        old != null && old.limits.equals(wanted) ? old : TenantBuckets.of(wanted, old, time));
    if (built != current) {
      listener.limited(tenant);
    }
    return built;
  }
}
