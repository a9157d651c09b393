package dev.atomkv.server.tenant;

import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.tenant.TenantSettings;
import java.time.Clock;

/** What a server needs to serve several tenants from one store, opened and closed together. */
public final class Tenancy implements AutoCloseable {
  private final TenantRegistry registry;
  private final TenantReaper reaper;
  private final TenantEngines engines;
  private final java.util.List<AutoCloseable> alsoClose = new java.util.concurrent.CopyOnWriteArrayList<>();

  private Tenancy(KvEngine store, Clock clock) {
    this.registry = TenantRegistry.open(store, clock);
    this.reaper = TenantReaper.start(store, registry);
    this.engines = new TenantEngines(store);
  }

  public static Tenancy open(KvEngine store, Clock clock) {
    return new Tenancy(store, clock);
  }

  public TenantRegistry registry() {
    return registry;
  }

  public TenantEngines engines() {
    return engines;
  }

  /**
   * A rate limiter whose every tenant has its own limits where it set them and
   * {@code defaults} for the rest, looked up on every call so that a change applies at once.
   */
  public RateLimiter rateLimiter(RateLimits defaults) {
    return new RateLimiter(tenant -> {
      TenantSettings s = registry.settings(tenant);
      if (s == null) {
        return defaults;
      }
      return new RateLimits(
          s.requestsPerSecond() > 0 ? s.requestsPerSecond() : defaults.requestsPerSecond(),
          s.readUnitsPerMinute() > 0 ? s.readUnitsPerMinute() : defaults.readUnitsPerMinute(),
          s.writeUnitsPerMinute() > 0 ? s.writeUnitsPerMinute() : defaults.writeUnitsPerMinute());
    });
  }

  /** Closes {@code c} with this (what watches the tenants, like their metrics). */
  public void onClose(AutoCloseable c) {
    alsoClose.add(c);
  }

  /** Stops the background work; the store stays open. */
  @Override
  public void close() {
    for (AutoCloseable c : alsoClose) {
      try {
        c.close();
      } catch (Exception e) {
        // Closing background work: nothing left to do about it.
      }
    }
    reaper.close();
    registry.close();
  }
}
