package dev.atomkv.server.api;

import dev.atomkv.server.tenant.LimitKind;
import dev.atomkv.server.tenant.RateLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * The rate limiter's meters: refusals per tenant and limit ({@code atomkv_rate_limit_refusals})
 * and the tokens each limited tenant has left ({@code atomkv_rate_limit_headroom}). The tenant
 * label is bounded: the first {@link #MAX_TENANT_LABELS} tenants seen keep their name, every
 * later one is counted as {@value #OTHER} (and has no headroom gauge), so a server with many
 * tenants cannot blow up a scrape.
 */
public final class RateLimitMetrics implements MeterBinder, RateLimiter.Listener {
  static final int MAX_TENANT_LABELS = 100;
  static final String OTHER = "other";

  private final RateLimiter limiter;
  private final Set<String> named = ConcurrentHashMap.newKeySet();
  private final Set<String> gauged = ConcurrentHashMap.newKeySet();
  // At most (MAX_TENANT_LABELS + 1) x 3 entries, looked up once per refusal.
  private final ConcurrentMap<String, Counter> refusals = new ConcurrentHashMap<>();
  private volatile MeterRegistry registry;

  public RateLimitMetrics(RateLimiter limiter) {
    this.limiter = limiter;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    limiter.listener(this);
  }

  @Override
  public void refused(String tenant, LimitKind kind) {
    counter(label(tenant), kind).increment();
  }

  @Override
  public void limited(String tenant) {
    String label = label(tenant);
    for (LimitKind kind : LimitKind.values()) {
      counter(label, kind); // present at 0 from the start, so a rate() over it works
    }
    if (!label.equals(OTHER) && gauged.add(tenant)) {
      for (LimitKind kind : LimitKind.values()) {
        Gauge.builder("atomkv.rate.limit.headroom", limiter, l -> headroom(l, tenant, kind))
            .description("Tokens left in the tenant's bucket of this limit on this node: "
                + "requests, or 10 KB units (negative: a read debt being waited out); NaN "
                + "while the limit is off")
            .tag("tenant", tenant)
            .tag("limit", kind.label())
            .strongReference(true)
            .register(registry);
      }
    }
  }

  private static double headroom(RateLimiter limiter, String tenant, LimitKind kind) {
    OptionalLong left = limiter.headroom(tenant, kind);
    return left.isPresent() ? left.getAsLong() : Double.NaN;
  }

  /** The tenant's own name for the first tenants seen, {@value #OTHER} for the rest. */
  String label(String tenant) {
    if (named.contains(tenant)) {
      return tenant;
    }
    synchronized (named) {
      if (named.size() < MAX_TENANT_LABELS) {
        named.add(tenant);
        return tenant;
      }
      return named.contains(tenant) ? tenant : OTHER;
    }
  }

  private Counter counter(String label, LimitKind kind) {
    return refusals.computeIfAbsent(label + '\n' + kind.label(),
        k -> Counter.builder("atomkv.rate.limit.refusals")
            .description("Calls refused by a tenant's rate limit on this node, by tenant and limit")
            .tag("tenant", label)
            .tag("limit", kind.label())
            .register(registry));
  }
}
