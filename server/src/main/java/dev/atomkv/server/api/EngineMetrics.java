package dev.atomkv.server.api;

import dev.atomkv.server.engine.EngineStats;
import dev.atomkv.server.engine.KvEngine;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * The engine's {@link KvEngine#stats()} as gauges and counters. One scrape reads the stats once
 * (they are cached for {@link #MAX_AGE_NANOS}), not once per meter.
 */
public final class EngineMetrics implements MeterBinder {
  static final long MAX_AGE_NANOS = 100_000_000L;
  private static final EngineStats NONE = new EngineStats(0, 0, 0, 0, 0, 0, 0, 0, 0, 0);

  private final KvEngine engine;
  private EngineStats last = NONE;
  private long lastNanos;
  private boolean read;

  public EngineMetrics(KvEngine engine) {
    this.engine = engine;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    gauge(registry, "atomkv.lmdb.map.size", BaseUnits.BYTES,
        "Largest size the database may grow to (--map-size)", EngineStats::mapSizeBytes);
    gauge(registry, "atomkv.lmdb.map.used", BaseUnits.BYTES,
        "Pages of the map in use ((last page + 1) x page size); a high-water mark, freed pages "
            + "are reused", EngineStats::mapUsedBytes);
    gauge(registry, "atomkv.lmdb.map.free", BaseUnits.BYTES,
        "Bytes the database may still grow by (size - used)", EngineStats::mapFreeBytes);
    gauge(registry, "atomkv.keys", null,
        "Entries of the data table (approximate: includes expired keys not yet swept, and keys "
            + "over 500 bytes count more than once)", EngineStats::keys);
    gauge(registry, "atomkv.writer.queue.depth", null,
        "Requests and sweeps waiting for the writer thread", EngineStats::writerQueueDepth);
    gauge(registry, "atomkv.queue.waiting", null,
        "Queue messages waiting for delivery (delayed, or due and not yet taken)",
        EngineStats::queueWaiting);
    gauge(registry, "atomkv.queue.inflight", null,
        "Queue messages delivered to a listener and not yet acknowledged",
        EngineStats::queueInFlight);
    counter(registry, "atomkv.commit.batches", "LMDB write transactions committed by the writer",
        EngineStats::batches);
    counter(registry, "atomkv.commit.batched.requests",
        "Atomic requests committed (ok=true); divided by batches, the mean batch size",
        EngineStats::batchedRequests);
    counter(registry, "atomkv.expiry.sweeps", "Expiry sweeps that deleted due keys",
        EngineStats::sweeps);
    counter(registry, "atomkv.expired.keys.deleted", "Expired keys deleted by sweeps",
        EngineStats::sweptKeys);
  }

  /** The engine's stats, read at most every {@link #MAX_AGE_NANOS}; the last good ones on error. */
  synchronized EngineStats stats() {
    long now = System.nanoTime();
    if (!read || now - lastNanos > MAX_AGE_NANOS) {
      try {
        last = engine.stats();
      } catch (RuntimeException e) {
        // Closing: keep the last values rather than fail the scrape.
      }
      lastNanos = now;
      read = true;
    }
    return last;
  }

  // The meters refer to the engine (which outlives them) and reach the cache through the lambda:
  // Micrometer holds the first argument only weakly.
  private void gauge(MeterRegistry registry, String name, String unit, String description,
      ToLongFunction<EngineStats> value) {
    ToDoubleFunction<KvEngine> f = e -> value.applyAsLong(stats());
    Gauge.builder(name, engine, f).description(description).baseUnit(unit)
        .strongReference(true).register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description,
      ToLongFunction<EngineStats> value) {
    ToDoubleFunction<KvEngine> f = e -> value.applyAsLong(stats());
    FunctionCounter.builder(name, engine, f).description(description).register(registry);
  }
}
