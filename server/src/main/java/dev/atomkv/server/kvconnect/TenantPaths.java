package dev.atomkv.server.kvconnect;

import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.tenant.TenantEngines;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tenant's KV Connect database: its data paths (strong, and on a cluster member eventual)
 * over the tenant's engine, and its database id, made on a tenant's first request and kept.
 */
final class TenantPaths {
  /** One tenant's database; {@code eventual} is null on a single node. */
  record Database(DataPath data, DataPath eventual, UUID id) {}

  private final TenantEngines engines;
  private final Limits limits;
  private final long maxResponseBytes;
  private final Map<String, Database> databases = new ConcurrentHashMap<>();

  TenantPaths(TenantEngines engines, Limits limits, long maxResponseBytes) {
    this.engines = engines;
    this.limits = limits;
    this.maxResponseBytes = maxResponseBytes;
  }

  Database of(String tenant) {
    return databases.computeIfAbsent(tenant, t -> {
      KvEngine engine = engines.of(t);
      // A cluster member also answers from its own store without asking the leader: the metadata
      // then lists that as the eventual endpoint. A single node has one answer, so one endpoint.
      KvEngine local = engine.eventualReads();
      DataPath eventual = local == engine ? null
          : new DataPath(local, false, limits, maxResponseBytes);
      return new Database(new DataPath(engine, true, limits, maxResponseBytes), eventual,
          engine.databaseId());
    });
  }

  /** Whether this server has an eventual endpoint (the same for every tenant). */
  boolean hasEventual() {
    return of(TenantKeys.DEFAULT).eventual() != null;
  }
}
