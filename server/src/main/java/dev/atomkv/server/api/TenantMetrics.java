package dev.atomkv.server.api;

import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.tenant.TenantSettings;
import dev.atomkv.server.model.tenant.Usage;
import dev.atomkv.server.tenant.TenantRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.BaseUnits;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Per-tenant calls and usage. The {@code tenant} label is bounded: the first
 * {@link #MAX_TENANT_LABELS} tenants seen keep their own series, any later one is counted as
 * {@code other}, so a server with many tenants cannot grow the scrape without bound. Usage comes
 * from the exact usage table, refreshed every {@link #REFRESH_SECONDS} s rather than per scrape.
 */
public final class TenantMetrics implements AutoCloseable {
  static final int MAX_TENANT_LABELS = 100;
  static final String OTHER = "other";
  private static final long REFRESH_SECONDS = 5;

  private final TenantRegistry tenants;
  private final KvEngine store;
  private final Map<String, Counter> calls = new ConcurrentHashMap<>();
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "atomkv-tenant-metrics");
    t.setDaemon(true);
    return t;
  });
  private MeterRegistry registry;

  public TenantMetrics(TenantRegistry tenants, KvEngine store) {
    this.tenants = tenants;
    this.store = store;
  }

  public void bindTo(MeterRegistry registry) {
    this.registry = registry;
    MultiGauge bytes = MultiGauge.builder("atomkv.tenant.stored").baseUnit(BaseUnits.BYTES)
        .description("What each tenant stores: its keys' and values' bytes (exact)")
        .register(registry);
    MultiGauge keys = MultiGauge.builder("atomkv.tenant.stored.keys")
        .description("Keys each tenant stores (exact; expired keys until swept)")
        .register(registry);
    timer.scheduleWithFixedDelay(() -> refresh(bytes, keys), 0, REFRESH_SECONDS,
        TimeUnit.SECONDS);
  }

  /** Counts an admitted call of {@code tenant}. */
  void called(String tenant) {
    if (registry == null) {
      return;
    }
    String label = label(tenant);
    calls.computeIfAbsent(label, l -> Counter.builder("atomkv.tenant.calls")
        .description("Calls admitted, by the tenant of their token").tag("tenant", l)
        .register(registry)).increment();
  }

  private String label(String tenant) {
    if (calls.containsKey(tenant) || calls.size() < MAX_TENANT_LABELS) {
      return tenant;
    }
    return OTHER;
  }

  private void refresh(MultiGauge bytes, MultiGauge keys) {
    try {
      List<MultiGauge.Row<?>> byteRows = new ArrayList<>();
      List<MultiGauge.Row<?>> keyRows = new ArrayList<>();
      List<TenantSettings> all = tenants.list();
      for (int i = 0; i < Math.min(all.size(), MAX_TENANT_LABELS); i++) {
        String name = all.get(i).name();
        Usage u = store.usage(name);
        byteRows.add(MultiGauge.Row.of(Tags.of("tenant", name), u.bytes()));
        keyRows.add(MultiGauge.Row.of(Tags.of("tenant", name), u.keys()));
      }
      bytes.register(byteRows, true);
      keys.register(keyRows, true);
    } catch (RuntimeException e) {
      // A closing store: the next scrape keeps the last figures.
    }
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
