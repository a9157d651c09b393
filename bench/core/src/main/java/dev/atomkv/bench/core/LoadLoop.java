package dev.atomkv.bench.core;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * A closed loop of N calls in flight: each slot re-issues its next call from the completion of
 * the previous one (no thread per slot, no queue), so the load generator costs one callback per
 * call on whatever thread the client library completes on. A warm-up phase runs first; only calls
 * that complete inside the timed window are counted, and every slot is drained before returning.
 */
public final class LoadLoop {
  /** Calls completing synchronously deeper than this are re-issued from another thread. */
  private static final int MAX_DEPTH = 32;
  private static final ThreadLocal<int[]> DEPTH = ThreadLocal.withInitial(() -> new int[1]);

  private final AsyncOp op;
  private final int concurrency;
  private final Recorder recorder = new Recorder(3_600_000_000L, 3);
  private final LongAdder ok = new LongAdder();
  private final LongAdder notOk = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final Map<String, Long> errorSamples = new LinkedHashMap<>();
  private final Executor trampoline;
  private volatile long windowStartNs = Long.MAX_VALUE;
  private volatile long windowEndNs = Long.MAX_VALUE;
  private volatile boolean stopping;
  private CountDownLatch drained;

  private LoadLoop(AsyncOp op, int concurrency) {
    this.op = op;
    this.concurrency = concurrency;
    this.trampoline = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "bench-trampoline");
      t.setDaemon(true);
      return t;
    });
  }

  /** Called on the driver's main thread at the edges of the timed window. */
  public interface Window {
    default void started() {}

    /** Adds figures about the window (server CPU, memory...) to its result. */
    default void ended(Result result) {}
  }

  /** Runs {@code op} with {@code concurrency} calls in flight: warm-up, then the timed window. */
  public static Result run(String system, String scenario, AsyncOp op, int concurrency,
      long warmupMs, long measureMs, Window window) throws InterruptedException {
    LoadLoop loop = new LoadLoop(op, concurrency);
    return loop.execute(system, scenario, warmupMs, measureMs, window);
  }

  private Result execute(String system, String scenario, long warmupMs, long measureMs,
      Window window) throws InterruptedException {
    drained = new CountDownLatch(concurrency);
    long t0 = System.nanoTime();
    windowStartNs = t0 + TimeUnit.MILLISECONDS.toNanos(warmupMs);
    windowEndNs = windowStartNs + TimeUnit.MILLISECONDS.toNanos(measureMs);
    for (int i = 0; i < concurrency; i++) {
      new Slot().fire();
    }
    sleepUntil(windowStartNs);
    window.started();
    sleepUntil(windowEndNs);
    stopping = true;
    boolean allBack = drained.await(30, TimeUnit.SECONDS);
    Histogram h = recorder.getIntervalHistogram();
    double secs = measureMs / 1000.0;
    Result r = new Result(system, scenario, concurrency);
    r.put("secs", secs);
    r.put("ok", ok.sum());
    r.put("not_ok", notOk.sum());
    r.put("errors", errors.sum());
    r.put("ops_per_s", ok.sum() / secs);
    long total = ok.sum() + notOk.sum() + errors.sum();
    r.put("not_ok_rate", total == 0 ? 0.0 : notOk.sum() / (double) total);
    r.put("error_rate", total == 0 ? 0.0 : errors.sum() / (double) total);
    r.put("p50_us", h.getValueAtPercentile(50) / 1000.0);
    r.put("p99_us", h.getValueAtPercentile(99) / 1000.0);
    r.put("p999_us", h.getValueAtPercentile(99.9) / 1000.0);
    r.put("max_us", h.getMaxValue() / 1000.0);
    r.put("mean_us", h.getMean() / 1000.0);
    if (!allBack) {
      r.put("stuck_calls", drained.getCount());
    }
    window.ended(r);
    synchronized (errorSamples) {
      if (!errorSamples.isEmpty()) {
        r.put("error_samples", String.join(" | ", errorSamples.keySet()));
      }
    }
    return r;
  }

  private static void sleepUntil(long deadlineNs) throws InterruptedException {
    long ms;
    while ((ms = TimeUnit.NANOSECONDS.toMillis(deadlineNs - System.nanoTime())) > 0) {
      Thread.sleep(ms);
    }
    while (System.nanoTime() < deadlineNs) {
      Thread.onSpinWait();
    }
  }

  private void record(Outcome outcome, Throwable error, long startNs, long endNs) {
    if (endNs < windowStartNs || endNs > windowEndNs) {
      return;
    }
    recorder.recordValue(Math.max(0, endNs - startNs));
    switch (outcome) {
      case OK -> ok.increment();
      case NOT_OK -> notOk.increment();
      default -> {
        errors.increment();
        String what = error == null ? "error" : String.valueOf(error).replace('\n', ' ');
        if (what.length() > 160) {
          what = what.substring(0, 160);
        }
        synchronized (errorSamples) {
          if (errorSamples.size() < 5) {
            errorSamples.merge(what, 1L, Long::sum);
          }
        }
      }
    }
  }

  private final class Slot implements AsyncOp.Completion {
    private long startNs;
    private boolean done;

    void fire() {
      startNs = System.nanoTime();
      done = false;
      op.start(this);
    }

    @Override
    public void complete(Outcome outcome, Throwable error) {
      long end = System.nanoTime();
      if (done) {
        return;
      }
      done = true;
      record(outcome, error, startNs, end);
      if (stopping || end >= windowEndNs) {
        drained.countDown();
        return;
      }
      int[] depth = DEPTH.get();
      if (depth[0] >= MAX_DEPTH) {
        trampoline.execute(this::fire);
        return;
      }
      depth[0]++;
      try {
        fire();
      } catch (RuntimeException e) {
        complete(Outcome.ERROR, e);
      } finally {
        depth[0]--;
      }
    }
  }
}
