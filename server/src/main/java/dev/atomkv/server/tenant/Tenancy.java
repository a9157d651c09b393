package dev.atomkv.server.tenant;

import dev.atomkv.server.engine.KvEngine;
import java.time.Clock;

/** What a server needs to serve several tenants from one store, opened and closed together. */
public final class Tenancy implements AutoCloseable {
  private final TenantRegistry registry;
  private final TenantReaper reaper;
  private final TenantEngines engines;

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

  /** Stops the background work; the store stays open. */
  @Override
  public void close() {
    reaper.close();
    registry.close();
  }
}
