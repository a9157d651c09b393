package dev.atomkv.server.engine.apply;

import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.TenantSettings;
import dev.atomkv.server.model.tenant.Usage;
import java.util.ArrayList;
import java.util.List;

/**
 * Holds a request to its tenant's storage quotas. The figures come from the same transaction as
 * the request's writes, so the judgement is exact; a write that shrinks what the tenant stores
 * (a delete, a smaller overwrite) always passes, so a tenant at its quota can dig itself out.
 */
final class QuotaGuard {
  private record Watched(TenantSettings settings, Usage before) {}

  private final List<Watched> watched;

  private QuotaGuard(List<Watched> watched) {
    this.watched = watched;
  }

  /** Notes the usage, before the request, of every tenant it writes that has a quota. */
  static QuotaGuard before(WriteView view, AtomicWrite write, long nowMs) {
    List<Watched> watched = new ArrayList<>(1);
    List<String> seen = new ArrayList<>(1);
    for (Mutation m : write.mutations()) {
      String tenant = TenantKeys.tenantOf(m.key());
      if (tenant == null || seen.contains(tenant)) {
        continue;
      }
      seen.add(tenant);
      StoredEntry record = view.live(TenantKeys.settings(tenant), nowMs);
      if (record != null) {
        TenantSettings settings = TenantSettings.decode(tenant, record.value().payload());
        if (settings.maxBytes() > 0 || settings.maxKeys() > 0) {
          watched.add(new Watched(settings, view.usage(tenant)));
        }
      }
    }
    return new QuotaGuard(watched);
  }

  /** Throws QUOTA_EXCEEDED when the request, applied to {@code view}, grew a tenant past one. */
  void check(WriteView view) {
    for (Watched w : watched) {
      String problem = w.settings().quotaProblem(w.before(), view.usage(w.settings().name()));
      if (problem != null) {
        throw new KvException(ErrorKind.QUOTA_EXCEEDED, problem);
      }
    }
  }
}
