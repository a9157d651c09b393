package dev.atomkv.server.engine;

import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.entity.EntityDefinition;
import dev.atomkv.server.model.entity.EntityKeys;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds indexes added to entities that already held documents. Each step is one ordinary write
 * (a build step request, see {@link EntityKeys#buildStep}) that the applier turns into the index
 * entries of the next chunk of documents, so a build replicates like any write, holds the writer
 * for one chunk at a time, and resumes after a restart from the progress the definition records.
 *
 * <p>Only the member that leads (or a single node) proposes steps: the applier makes every step
 * idempotent, so a step proposed by a deposed leader only repeats work, but one builder avoids
 * the waste.
 *
 * <p>Every tenant's entities are built: the default tenant's definitions and, for each tenant the
 * registry knows, the definitions behind its prefix; a build step goes to the same prefix, so the
 * applier indexes that tenant's documents only.
 */
public final class IndexBuilder implements AutoCloseable {
  /** Document keys one step examines: a step of this size keeps the writer busy briefly. */
  public static final int CHUNK = 1000;
  /** How often the builder looks for an index to build. */
  static final long TICK_MS = 200;
  private static final long STEP_TIMEOUT_MS = 30_000;
  /** Tenants' definition ranges read from one snapshot. */
  private static final int RANGES_PER_READ = 256;
  private static final int PAGE = 1000;
  private static final Logger LOG = LoggerFactory.getLogger(IndexBuilder.class);

  /** A definition with an index to build, and the prefix of the tenant it belongs to. */
  private record Building(byte[] prefix, EntityDefinition definition) {}

  private final KvEngine engine;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "atomkv-index-builder");
    t.setDaemon(true);
    return t;
  });
  private volatile boolean closed;

  private IndexBuilder(KvEngine engine) {
    this.engine = engine;
  }

  /** A builder that looks for building indexes every {@link #TICK_MS} until closed. */
  public static IndexBuilder start(KvEngine engine) {
    IndexBuilder builder = new IndexBuilder(engine);
    builder.timer.scheduleWithFixedDelay(builder::tick, TICK_MS, TICK_MS, TimeUnit.MILLISECONDS);
    return builder;
  }

  private void tick() {
    try {
      if (!leads()) {
        return;
      }
      for (Building b : buildingDefinitions()) {
        for (String index : b.definition().building().keySet()) {
          build(b.prefix(), b.definition().name(), index);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException | RuntimeException e) {
      if (!closed) {
        LOG.warn("index build step failed; will retry: cause={}", e.toString());
      }
    }
  }

  /**
   * Steps through one index of the tenant stored behind {@code prefix} until it is ready, or this
   * member stops leading or closes.
   */
  private void build(byte[] prefix, String entity, String index)
      throws InterruptedException, ExecutionException, TimeoutException {
    String tenant = prefix.length == 0 ? TenantKeys.DEFAULT : TenantKeys.tenantOf(prefix);
    LOG.info("building index: tenant={} entity={} index={}", tenant, entity, index);
    long steps = 0;
    Mutation step = EntityKeys.buildStep(entity, index, CHUNK);
    Mutation tenantStep = Mutation.set(concat(prefix, step.key()), step.value());
    while (!closed && leads()) {
      engine.commit(new AtomicWrite(List.of(), List.of(tenantStep))).get(STEP_TIMEOUT_MS,
          TimeUnit.MILLISECONDS);
      steps++;
      StoredEntry stored = engine.get(List.of(concat(prefix, EntityKeys.definition(entity))))
          .get(0);
      if (stored == null || !EntityDefinition.decode(stored.value().payload())
          .isBuilding(index)) {
        LOG.info("index build ended: tenant={} entity={} index={} steps={}", tenant, entity,
            index, steps);
        return;
      }
    }
  }

  /**
   * The prefix of every tenant's keys: the default tenant's (empty), then each tenant's in the
   * registry. A tenant deleted meanwhile has no definitions left once the reaper is done, and a
   * step for it finds none.
   */
  private List<byte[]> tenantPrefixes() {
    List<byte[]> out = new ArrayList<>();
    out.add(new byte[0]);
    for (StoredEntry e : scan(TenantKeys.settingsStart(), TenantKeys.settingsEnd())) {
      out.add(TenantKeys.dataPrefix(TenantKeys.settingsTenant(e.key())));
    }
    return out;
  }

  private boolean leads() {
    ClusterStatus status = engine.clusterStatus();
    return status == null || "LEADER".equals(status.role());
  }

  /**
   * Definitions with an index to build, from this member's own store: on the leader it holds
   * every committed definition but the latest few, and a step for an index that is no longer
   * building does nothing.
   */
  private List<Building> buildingDefinitions() {
    List<byte[]> prefixes = tenantPrefixes();
    List<Building> out = new ArrayList<>();
    // Many tenants' definition ranges per snapshot read: a tick costs a few reads, not one per
    // tenant.
    for (int from = 0; from < prefixes.size(); from += RANGES_PER_READ) {
      List<byte[]> batch = prefixes.subList(from, Math.min(prefixes.size(),
          from + RANGES_PER_READ));
      List<ListPage> pages = engine.eventualReads().listRanges(batch.stream()
          .map(p -> new RangeRead(concat(p, EntityKeys.definitionsStart()),
              concat(p, EntityKeys.definitionsEnd()), false, PAGE)).toList(), Long.MAX_VALUE,
          e -> 0);
      for (int i = 0; i < batch.size(); i++) {
        byte[] prefix = batch.get(i);
        List<StoredEntry> definitions = pages.get(i).more()
            ? scan(concat(prefix, EntityKeys.definitionsStart()),
                concat(prefix, EntityKeys.definitionsEnd()))
            : pages.get(i).entries();
        for (StoredEntry e : definitions) {
          EntityDefinition def = EntityDefinition.decode(e.value().payload());
          if (!def.building().isEmpty()) {
            out.add(new Building(prefix, def));
          }
        }
      }
    }
    return out;
  }

  /** Every entry of [start, end) in this member's own store, a page at a time. */
  private List<StoredEntry> scan(byte[] start, byte[] end) {
    List<StoredEntry> out = new ArrayList<>();
    while (true) {
      ListPage page = engine.eventualReads().list(start, end, false, PAGE, Long.MAX_VALUE,
          e -> e.value().payload().length);
      out.addAll(page.entries());
      if (!page.more() || page.entries().isEmpty()) {
        return out;
      }
      byte[] last = page.entries().get(page.entries().size() - 1).key();
      start = Arrays.copyOf(last, last.length + 1);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  /** Stops looking; a step in flight finishes or fails with the engine. */
  @Override
  public void close() {
    closed = true;
    timer.shutdownNow();
  }
}
