package dev.atomkv.server.api;

import io.grpc.ForwardingServerCall.SimpleForwardingServerCall;
import io.grpc.ForwardingServerCallListener.SimpleForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every call by method and final status ({@code atomkv_rpc_requests_total}), times it
 * ({@code atomkv_rpc_latency_seconds}, a histogram per method), and logs the calls that do not
 * end OK: the method and status code only, never keys, values or the description, and at most one
 * line per status code every ten seconds ({@link FailureLog}), so a client sending garbage in a
 * loop cannot fill the log.
 *
 * <p>Server-streaming calls (Watch) last as long as their client wants: they are counted when
 * they end but not timed (their length would drown the latency of every other call), their normal
 * ends (the client's cancel, UNAVAILABLE at shutdown) are not logged, and
 * {@code atomkv_rpc_streams_open} gauges how many are open.
 */
public final class MetricsInterceptor implements ServerInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(MetricsInterceptor.class);

  /** Histogram bucket bounds: from a cached read to a deadline-length wait. */
  private static final Duration[] BUCKETS = {
      Duration.ofNanos(250_000), Duration.ofNanos(500_000), Duration.ofMillis(1),
      Duration.ofNanos(2_500_000), Duration.ofMillis(5), Duration.ofMillis(10),
      Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
      Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1),
      Duration.ofMillis(2_500), Duration.ofSeconds(5), Duration.ofSeconds(10)};

  private final MeterRegistry registry;
  // Looked up once per method (and status): the registry's own lookup allocates tags on each call.
  private final ConcurrentMap<String, Timer> timers = new ConcurrentHashMap<>();
  private final ConcurrentMap<String, ConcurrentMap<Status.Code, Counter>> counters =
      new ConcurrentHashMap<>();
  private final ConcurrentMap<String, AtomicInteger> openStreams = new ConcurrentHashMap<>();

  private final FailureLog failures;

  public MetricsInterceptor(MeterRegistry registry) {
    this.registry = registry;
    this.failures = new FailureLog(LOG, FailureLog.DEFAULT_INTERVAL_NANOS, System::nanoTime);
  }

  @Override
  public <ReqT, RespT> ServerCall.Listener<ReqT> interceptCall(ServerCall<ReqT, RespT> call,
      Metadata headers, ServerCallHandler<ReqT, RespT> next) {
    String method = call.getMethodDescriptor().getFullMethodName();
    // Null for unary calls, which are timed instead.
    AtomicInteger open = call.getMethodDescriptor().getType().serverSendsOneMessage() ? null
        : openStreams(method);
    long startNanos = System.nanoTime();
    AtomicBoolean recorded = new AtomicBoolean();
    if (open != null) {
      open.incrementAndGet();
    }
    ServerCall<ReqT, RespT> counted = new SimpleForwardingServerCall<>(call) {
      @Override
      public void close(Status status, Metadata trailers) {
        record(method, status.getCode(), startNanos, recorded, open);
        super.close(status, trailers);
      }
    };
    ServerCall.Listener<ReqT> listener = next.startCall(counted, headers);
    return new SimpleForwardingServerCallListener<>(listener) {
      @Override
      public void onCancel() {
        // The client went away (or its deadline passed) before the server closed the call.
        record(method, Status.Code.CANCELLED, startNanos, recorded, open);
        super.onCancel();
      }
    };
  }

  private void record(String method, Status.Code code, long startNanos, AtomicBoolean recorded,
      AtomicInteger open) {
    if (!recorded.compareAndSet(false, true)) {
      return;
    }
    counter(method, code).increment();
    if (open == null) {
      timer(method).record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    } else {
      open.decrementAndGet();
    }
    if (open != null && (code == Status.Code.CANCELLED || code == Status.Code.UNAVAILABLE)) {
      return; // how a client stops watching, and how a shutdown ends every watch
    }
    if (code != Status.Code.OK) {
      failures.failed(method, code);
    }
  }

  private AtomicInteger openStreams(String method) {
    return openStreams.computeIfAbsent(method, m -> {
      AtomicInteger n = new AtomicInteger();
      Gauge.builder("atomkv.rpc.streams.open", n, AtomicInteger::get)
          .description("Server-streaming calls (Watch) open now, per method")
          .tag("method", m)
          .register(registry);
      return n;
    });
  }

  private Timer timer(String method) {
    return timers.computeIfAbsent(method, m -> Timer.builder("atomkv.rpc.latency")
        .description("Time from the start of a call to its final status, per method")
        .tag("method", m)
        .serviceLevelObjectives(BUCKETS)
        .register(registry));
  }

  private Counter counter(String method, Status.Code code) {
    return counters.computeIfAbsent(method, m -> new ConcurrentHashMap<>())
        .computeIfAbsent(code, c -> Counter.builder("atomkv.rpc.requests")
            .description("Calls finished, by method and gRPC status code")
            .tag("method", method)
            .tag("status", c.name())
            .register(registry));
  }
}
