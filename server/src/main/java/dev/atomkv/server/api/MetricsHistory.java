package dev.atomkv.server.api;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The server's own metrics over the last few minutes, for the console's charts: every interval it
 * reads the registry's cumulative figures ({@link MetricsInterceptor}'s calls and latency
 * histograms, {@link EngineMetrics}' writer batches) and keeps what changed since the last
 * reading, in a ring of a fixed number of samples. Nothing is kept per call: the cost is one
 * registry walk per interval, whatever the load.
 */
public final class MetricsHistory implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsHistory.class);
  /** One sample every 5 s... */
  public static final long INTERVAL_MS = 5_000;
  /** ...for 15 minutes. */
  public static final int CAPACITY = 180;

  /**
   * One interval, ending at {@code atMs}.
   *
   * @param callsPerSecond gRPC calls that ended, per second
   * @param errorsPerSecond those that ended with a status other than OK, per second, by status
   * @param p50Ms median latency of the unary calls that ended; null when none did
   * @param p99Ms 99th percentile of the same; null when none did
   * @param batchSize requests per writer batch committed; null when none was
   */
  public record Sample(long atMs, double callsPerSecond, Map<String, Double> errorsPerSecond,
      Double p50Ms, Double p99Ms, Double batchSize) {
    public Sample {
      errorsPerSecond = Map.copyOf(errorsPerSecond);
    }
  }

  /** The registry's cumulative figures at one instant. */
  private record Reading(long atMs, Map<String, Double> callsByStatus,
      TreeMap<Double, Double> latencyAtOrBelowMs, double timedCalls, double batches,
      double batchedRequests) {}

  private final MeterRegistry registry;
  private final LongSupplier clockMs;
  private final int capacity;
  private final Deque<Sample> samples;
  private final ScheduledExecutorService timer;
  private Reading last;

  /** Starts sampling {@code registry} every {@code intervalMs}, keeping {@code capacity}. */
  public MetricsHistory(MeterRegistry registry, LongSupplier clockMs, long intervalMs,
      int capacity) {
    this.registry = registry;
    this.clockMs = clockMs;
    this.capacity = capacity;
    this.samples = new ArrayDeque<>(capacity);
    this.last = read();
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "atomkv-metrics-history");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::sampleSafely, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }

  /** The samples kept, oldest first. */
  public synchronized List<Sample> samples() {
    return new ArrayList<>(samples);
  }

  public int capacity() {
    return capacity;
  }

  private void sampleSafely() {
    try {
      sample();
    } catch (RuntimeException e) {
      // A failed reading loses one point of a chart; it must not stop the timer.
      LOG.warn("metrics sample failed: error={}", e.toString());
    }
  }

  /** Reads the registry and keeps what changed since the last reading. */
  synchronized void sample() {
    Reading now = read();
    Reading before = last;
    last = now;
    double seconds = Math.max(1, now.atMs() - before.atMs()) / 1000.0;
    double calls = 0;
    Map<String, Double> errors = new TreeMap<>();
    for (Map.Entry<String, Double> e : now.callsByStatus().entrySet()) {
      double delta = e.getValue() - before.callsByStatus().getOrDefault(e.getKey(), 0.0);
      calls += delta;
      if (!e.getKey().equals("OK") && delta > 0) {
        errors.put(e.getKey(), delta / seconds);
      }
    }
    TreeMap<Double, Double> window = new TreeMap<>();
    now.latencyAtOrBelowMs().forEach((bound, count) ->
        window.put(bound, count - before.latencyAtOrBelowMs().getOrDefault(bound, 0.0)));
    double timed = now.timedCalls() - before.timedCalls();
    double batches = now.batches() - before.batches();
    Sample s = new Sample(now.atMs(), calls / seconds, errors,
        quantile(window, timed, 0.50), quantile(window, timed, 0.99),
        batches > 0 ? (now.batchedRequests() - before.batchedRequests()) / batches : null);
    if (samples.size() == capacity) {
      samples.removeFirst();
    }
    samples.addLast(s);
  }

  /**
   * The {@code q} quantile of {@code total} calls from counts at or below each bucket bound,
   * interpolated linearly within its bucket (as Prometheus' histogram_quantile does); the largest
   * bound when it lies beyond them all; null without calls.
   */
  static Double quantile(TreeMap<Double, Double> atOrBelow, double total, double q) {
    if (total <= 0) {
      return null;
    }
    double target = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> e : atOrBelow.entrySet()) {
      if (e.getValue() >= target) {
        double inBucket = e.getValue() - lowerCount;
        double share = inBucket <= 0 ? 1 : (target - lowerCount) / inBucket;
        return lowerBound + (e.getKey() - lowerBound) * share;
      }
      lowerBound = e.getKey();
      lowerCount = e.getValue();
    }
    return atOrBelow.isEmpty() ? null : atOrBelow.lastKey();
  }

  private Reading read() {
    Map<String, Double> calls = new TreeMap<>();
    for (Counter c : registry.find("atomkv.rpc.requests").counters()) {
      calls.merge(c.getId().getTag("status"), c.count(), Double::sum);
    }
    // Every method's timer has the same bucket bounds, so their counts add up bound by bound.
    TreeMap<Double, Double> latency = new TreeMap<>();
    double timed = 0;
    for (Timer t : registry.find("atomkv.rpc.latency").timers()) {
      HistogramSnapshot h = t.takeSnapshot();
      timed += h.count();
      for (CountAtBucket b : h.histogramCounts()) {
        latency.merge(b.bucket(TimeUnit.MILLISECONDS), b.count(), Double::sum);
      }
    }
    return new Reading(clockMs.getAsLong(), calls, latency, timed,
        count("atomkv.commit.batches"), count("atomkv.commit.batched.requests"));
  }

  private double count(String name) {
    FunctionCounter c = registry.find(name).functionCounter();
    return c == null ? 0 : c.count();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
