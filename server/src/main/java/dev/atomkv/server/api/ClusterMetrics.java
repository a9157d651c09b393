package dev.atomkv.server.api;

import dev.atomkv.server.engine.ClusterControl;
import dev.atomkv.server.engine.ClusterControl.RaftStats;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.BaseUnits;
import io.micrometer.core.instrument.binder.MeterBinder;
import java.util.List;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;

/**
 * A cluster member's Raft figures ({@link ClusterControl#stats()}) as gauges and counters, read
 * once per scrape like {@link EngineMetrics}. The only label is {@code role}, one of four values.
 */
public final class ClusterMetrics implements MeterBinder {
  static final List<String> ROLES = List.of("LEADER", "FOLLOWER", "CANDIDATE", "LEARNER");
  private static final RaftStats NONE = new RaftStats(0, "", 0, 0, 0, 0, 0, 0);

  private final ClusterControl control;
  private RaftStats last = NONE;
  private long lastNanos;
  private boolean read;

  public ClusterMetrics(ClusterControl control) {
    this.control = control;
  }

  @Override
  public void bindTo(MeterRegistry registry) {
    gauge(registry, "atomkv.raft.term", null, "This member's current Raft term", RaftStats::term);
    gauge(registry, "atomkv.raft.commit.index", null,
        "The last log index this member knows committed", RaftStats::commitIndex);
    gauge(registry, "atomkv.raft.applied.index", null,
        "The last log index applied to this member's store", RaftStats::appliedIndex);
    gauge(registry, "atomkv.raft.apply.lag", null,
        "Entries committed and not yet applied on this member", RaftStats::applyLag);
    gauge(registry, "atomkv.raft.log.size", BaseUnits.BYTES,
        "Bytes of this member's Raft log segments on disk", RaftStats::logBytes);
    counter(registry, "atomkv.raft.leader.changes",
        "Times this member saw the leader change (to another member or to none)",
        RaftStats::leaderChanges);
    counter(registry, "atomkv.raft.forwarded.writes",
        "Writes proposed through this member while another member led", RaftStats::forwardedWrites);
    counter(registry, "atomkv.raft.snapshot.installs",
        "Snapshots this member installed from the leader", RaftStats::snapshotInstalls);
    for (String role : ROLES) {
      ToDoubleFunction<ClusterControl> f = c -> role.equals(stats().role()) ? 1 : 0;
      Gauge.builder("atomkv.raft.role", control, f)
          .description("1 for this member's current role, 0 for the others")
          .tag("role", role.toLowerCase(java.util.Locale.ROOT))
          .strongReference(true).register(registry);
    }
  }

  /** The member's figures, read at most every {@link EngineMetrics#MAX_AGE_NANOS}. */
  synchronized RaftStats stats() {
    long now = System.nanoTime();
    if (!read || now - lastNanos > EngineMetrics.MAX_AGE_NANOS) {
      try {
        last = control.stats();
      } catch (RuntimeException e) {
        // Closing: keep the last values rather than fail the scrape.
      }
      lastNanos = now;
      read = true;
    }
    return last;
  }

  private void gauge(MeterRegistry registry, String name, String unit, String description,
      ToLongFunction<RaftStats> value) {
    ToDoubleFunction<ClusterControl> f = c -> value.applyAsLong(stats());
    Gauge.builder(name, control, f).description(description).baseUnit(unit)
        .strongReference(true).register(registry);
  }

  private void counter(MeterRegistry registry, String name, String description,
      ToLongFunction<RaftStats> value) {
    ToDoubleFunction<ClusterControl> f = c -> value.applyAsLong(stats());
    FunctionCounter.builder(name, control, f).description(description).register(registry);
  }
}
