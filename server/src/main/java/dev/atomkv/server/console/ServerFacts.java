package dev.atomkv.server.console;

import java.util.List;
import java.util.Map;

/**
 * What the console shows of the server beyond its engine, handed over by the launcher: the
 * version, the settings in force (secrets already hidden) and the history of its own metrics.
 */
public record ServerFacts(String version, List<Setting> settings, Metrics metrics) {
  /** What a secret setting shows instead of its value. */
  public static final String HIDDEN = "(hidden)";

  public ServerFacts {
    settings = List.copyOf(settings);
  }

  /**
   * One setting: its flag and its value as text, null when unset, {@link #HIDDEN} for a secret.
   */
  public record Setting(String name, String value) {}

  /**
   * One interval of the server's metrics, ending at {@code atMs}; the latencies and the batch
   * size are null when nothing was measured in it.
   */
  public record MetricsPoint(long atMs, double callsPerSecond, Map<String, Double> errorsPerSecond,
      Double p50Ms, Double p99Ms, Double batchSize) {}

  /** The metrics history, sampled every {@link #intervalMs()}, at most {@link #capacity()}. */
  public interface Metrics extends AutoCloseable {
    long intervalMs();

    int capacity();

    /** Oldest first. */
    List<MetricsPoint> points();

    @Override
    void close();
  }
}
