package dev.atomkv.server.tenant;

import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each tenant's view of the one store, made once per tenant and kept: the views hold no state of
 * their own but the prefix, so a deleted tenant's view is harmless (its tokens are gone first).
 */
public final class TenantEngines {
  private final KvEngine store;
  private final Map<String, KvEngine> views = new ConcurrentHashMap<>();

  public TenantEngines(KvEngine store) {
    this.store = store;
  }

  /** The engine a call of {@code tenant} works on; the store itself for the default tenant. */
  public KvEngine of(String tenant) {
    if (TenantKeys.DEFAULT.equals(tenant)) {
      return store;
    }
    return views.computeIfAbsent(tenant, t -> new TenantEngine(store, t));
  }

  /** The store every tenant lives in. */
  public KvEngine store() {
    return store;
  }
}
