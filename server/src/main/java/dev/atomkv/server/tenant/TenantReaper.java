package dev.atomkv.server.tenant;

import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Removes deleted tenants' data, a bounded chunk of keys per commit so the writer is never held
 * for long and other tenants' writes interleave; when nothing is left (expired keys wait for the
 * expiry sweep, which accounts for them) its queue's messages are dropped, then the tenant's
 * record goes and its name is free again.
 * Only the member that leads (or a single node) proposes the deletes; they are idempotent.
 */
public final class TenantReaper implements AutoCloseable {
  /** Keys deleted per commit. */
  static final int CHUNK = 500;
  private static final long TICK_MS = 500;
  private static final Logger LOG = LoggerFactory.getLogger(TenantReaper.class);

  private final KvEngine store;
  private final TenantRegistry registry;
  private final java.util.function.Consumer<String> forgotten;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "atomkv-tenant-reaper");
    t.setDaemon(true);
    return t;
  });

  private TenantReaper(KvEngine store, TenantRegistry registry,
      java.util.function.Consumer<String> forgotten) {
    this.store = store;
    this.registry = registry;
    this.forgotten = forgotten;
  }

  /** @param forgotten told each tenant whose data and record are gone, to drop what it holds */
  public static TenantReaper start(KvEngine store, TenantRegistry registry,
      java.util.function.Consumer<String> forgotten) {
    TenantReaper reaper = new TenantReaper(store, registry, forgotten);
    reaper.timer.scheduleWithFixedDelay(reaper::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    return reaper;
  }

  private void tick() {
    try {
      ClusterStatus status = store.clusterStatus();
      if (status != null && !"LEADER".equals(status.role())) {
        return;
      }
      for (String tenant : registry.deleting()) {
        reap(tenant);
      }
    } catch (Exception e) {
      LOG.warn("tenant data removal step failed; will retry: cause={}", e.toString());
    }
  }

  private void reap(String tenant) throws Exception {
    byte[] start = TenantKeys.dataPrefix(tenant);
    byte[] end = TenantKeys.dataEnd(tenant);
    while (!timer.isShutdown()) {
      // Last keys first: a tenant's entity keys sort definitions (FF 01) before documents (FF 02)
      // before index entries (FF 03), and the applier drops a definition only once its documents
      // are gone, and deletes a document through its definition. Backwards, each delete finds
      // what it needs still there.
      ListPage page = store.list(start, end, true, CHUNK, Long.MAX_VALUE, e -> 0);
      if (page.entries().isEmpty()) {
        if (store.usage(tenant).keys() == 0) {
          // Its queue goes too, before the name is free: a tenant made later under it must not
          // receive the deleted one's messages.
          int dropped = store.dropTenantQueue(tenant).get(30, TimeUnit.SECONDS);
          if (dropped > 0) {
            LOG.info("deleted tenant's queue messages dropped: tenant={} count={}", tenant,
                dropped);
          }
          registry.forget(tenant);
          forgotten.accept(tenant);
          LOG.info("tenant removed: tenant={}", tenant);
        }
        return;
      }
      List<Mutation> deletes = page.entries().stream().map(StoredEntry::key)
          .map(Mutation::delete).toList();
      store.commit(new AtomicWrite(List.of(), deletes)).get(30, TimeUnit.SECONDS);
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
