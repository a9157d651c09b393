package dev.atomkv.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The history the console charts: rates and percentiles of what changed between two readings of
 * the same registry the /metrics endpoint serves, in a ring that keeps the last samples only.
 */
class MetricsHistoryTest {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final AtomicLong clock = new AtomicLong(1_000_000);
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong batched = new AtomicLong();

  private Timer timer(String method) {
    return Timer.builder("atomkv.rpc.latency").tag("method", method)
        .serviceLevelObjectives(Duration.ofMillis(1), Duration.ofMillis(5), Duration.ofMillis(10),
            Duration.ofMillis(100))
        .register(registry);
  }

  private Counter calls(String status) {
    return Counter.builder("atomkv.rpc.requests").tag("method", "m").tag("status", status)
        .register(registry);
  }

  @Test
  void eachSampleHoldsWhatChangedSinceTheLastOne() {
    FunctionCounter.builder("atomkv.commit.batches", batches, AtomicLong::get).register(registry);
    FunctionCounter.builder("atomkv.commit.batched.requests", batched, AtomicLong::get)
        .register(registry);
    // Before the history starts: not part of any sample.
    calls("OK").increment(1000);
    timer("a").record(90, TimeUnit.MILLISECONDS);
    try (MetricsHistory h = new MetricsHistory(registry, clock::get, 3_600_000, 3)) {
      calls("OK").increment(90);
      calls("INVALID_ARGUMENT").increment(10);
      for (int i = 0; i < 98; i++) {
        timer(i % 2 == 0 ? "a" : "b").record(3, TimeUnit.MILLISECONDS);
      }
      timer("a").record(50, TimeUnit.MILLISECONDS);
      timer("b").record(50, TimeUnit.MILLISECONDS);
      batches.addAndGet(10);
      batched.addAndGet(40);
      clock.addAndGet(5_000);
      h.sample();
      MetricsHistory.Sample s = h.samples().get(0);
      assertEquals(20.0, s.callsPerSecond(), 1e-9);
      assertEquals(2.0, s.errorsPerSecond().get("INVALID_ARGUMENT"), 1e-9);
      assertEquals(1, s.errorsPerSecond().size(), "OK is not an error");
      // 98 of 100 calls at 3 ms, in the (1, 5] bucket: p50 interpolates to 1 + 4 * 50/98.
      assertEquals(1 + 4 * 50.0 / 98, s.p50Ms(), 1e-9);
      // The 99th is in the (10, 100] bucket with the two 50 ms calls.
      assertEquals(10 + 90 * 1.0 / 2, s.p99Ms(), 1e-9);
      assertEquals(4.0, s.batchSize(), 1e-9);

      clock.addAndGet(5_000);
      h.sample();
      MetricsHistory.Sample quiet = h.samples().get(1);
      assertEquals(0.0, quiet.callsPerSecond());
      assertNull(quiet.p50Ms(), "no call, no latency");
      assertNull(quiet.batchSize(), "no batch, no batch size");
      assertTrue(quiet.errorsPerSecond().isEmpty());

      for (int i = 0; i < 3; i++) {
        clock.addAndGet(5_000);
        h.sample();
      }
      List<MetricsHistory.Sample> kept = h.samples();
      assertEquals(3, kept.size(), "a ring of its capacity");
      assertEquals(clock.get(), kept.get(2).atMs());
      assertEquals(clock.get() - 10_000, kept.get(0).atMs());
    }
  }

  @Test
  void aQuantileBeyondTheLastBoundIsTheLastBound() {
    TreeMap<Double, Double> atOrBelow = new TreeMap<>();
    atOrBelow.put(1.0, 0.0);
    atOrBelow.put(10.0, 2.0);
    assertEquals(10.0, MetricsHistory.quantile(atOrBelow, 4, 0.99));
    assertEquals(5.5, MetricsHistory.quantile(atOrBelow, 2, 0.5), 1e-9);
    assertNull(MetricsHistory.quantile(atOrBelow, 0, 0.5));
  }
}
