package dev.atomkv.server.console;

import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.tenant.TenantSettings;
import dev.atomkv.server.model.tenant.TokenGrant;
import dev.atomkv.server.model.tenant.Usage;
import dev.atomkv.server.tenant.TenantRegistry;
import java.util.List;

/**
 * What the Tenants view reads, handed over at start: the registry's tenants and the grants of
 * their tokens (never a token: the registry keeps only digests), and what each stores. The
 * console reads them from the registry's copy in memory and the store's usage figures, never from
 * the registry's keys.
 */
public interface TenantDirectory {
  /** Every tenant, the default one first, then by name; deleted ones while their data goes. */
  List<TenantSettings> tenants();

  /** The grants of the tokens issued to {@code tenant}, by id. */
  List<TokenGrant> tokens(String tenant);

  /** What {@code tenant} stores now, exactly. */
  Usage usage(String tenant);

  /** The directory of a server's registry, with the usage figures of its store. */
  static TenantDirectory of(TenantRegistry registry, KvEngine store) {
    return new TenantDirectory() {
      @Override
      public List<TenantSettings> tenants() {
        return registry.list();
      }

      @Override
      public List<TokenGrant> tokens(String tenant) {
        return registry.tokens(tenant);
      }

      @Override
      public Usage usage(String tenant) {
        return store.usage(tenant);
      }
    };
  }
}
