package dev.atomkv.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.tenant.RateLimiter;
import dev.atomkv.server.tenant.RateLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

/** The tenant label is bounded, whatever the number of tenants. */
class RateLimitMetricsTest {
  @Test
  void theFirstTenantsKeepTheirNameAndTheRestAreOther() {
    RateLimiter limiter = new RateLimiter(tenant -> new RateLimits(1, 0, 0));
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    new RateLimitMetrics(limiter).bindTo(registry);
    int tenants = RateLimitMetrics.MAX_TENANT_LABELS + 50;
    for (int i = 0; i < tenants; i++) {
      limiter.admitCall("t" + i);
      limiter.admitCall("t" + i); // over its one call a second
    }
    assertEquals(RateLimitMetrics.MAX_TENANT_LABELS + 1,
        registry.find("atomkv.rate.limit.refusals").tag("limit", "requests").counters().size());
    assertEquals(1.0, registry.get("atomkv.rate.limit.refusals").tag("tenant", "t0")
        .tag("limit", "requests").counter().count());
    assertEquals(50.0, registry.get("atomkv.rate.limit.refusals").tag("tenant", "other")
        .tag("limit", "requests").counter().count());
    // Headroom only for the named tenants: three limits each.
    assertEquals(3 * RateLimitMetrics.MAX_TENANT_LABELS,
        registry.find("atomkv.rate.limit.headroom").gauges().size());
    assertEquals(0.0, registry.get("atomkv.rate.limit.headroom").tag("tenant", "t0")
        .tag("limit", "requests").gauge().value());
    assertTrue(Double.isNaN(registry.get("atomkv.rate.limit.headroom").tag("tenant", "t0")
        .tag("limit", "write_units").gauge().value()));
  }
}
