package dev.atomkv.server;

import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.server.api.EngineMetrics;
import dev.atomkv.server.api.KvGrpcService;
import dev.atomkv.server.api.MetricsInterceptor;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.lmdb.LmdbEngine;
import dev.atomkv.server.model.Limits;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;

/**
 * A running atomkv server: the KV service, reflection and health on one gRPC server, over an
 * engine it owns. Takes any {@link ServerBuilder}, so tests can use the in-process transport.
 */
public final class AtomkvServer implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AtomkvServer.class.getName());

  private final Server server;
  private final KvEngine engine;
  private final ExecutorService executor;
  private final HealthStatusManager health;
  private final long graceMs;
  /** The /metrics endpoint, or null when it is off. */
  private MetricsEndpoint metrics;
  private boolean closed;

  private AtomkvServer(Server server, KvEngine engine, ExecutorService executor,
      HealthStatusManager health, long graceMs) {
    this.server = server;
    this.engine = engine;
    this.executor = executor;
    this.health = health;
    this.graceMs = graceMs;
  }

  /** Opens the LMDB engine and serves it with Netty on the configured address. */
  public static AtomkvServer start(ServerConfig config) throws IOException {
    KvEngine engine = LmdbEngine.open(config.engineOptions());
    NettyServerBuilder builder = NettyServerBuilder
        .forAddress(new InetSocketAddress(config.bind(), config.port()))
        .maxInboundMessageSize(config.maxInboundMessageBytes());
    PrometheusMeterRegistry registry = config.metricsPort() < 0 ? null
        : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomkvServer server;
    try {
      server = start(builder, engine, config.limits(), config.workerThreads(),
          config.shutdownGraceMs(), registry == null ? new CompositeMeterRegistry() : registry);
    } catch (IOException | RuntimeException e) {
      engine.close();
      throw e;
    }
    if (registry != null) {
      try {
        server.metrics = MetricsEndpoint.start(config.bind(), config.metricsPort(), registry);
      } catch (IOException | RuntimeException e) {
        server.close();
        throw e;
      }
    }
    return server;
  }

  /** As below, without metrics (they go to an empty registry). */
  public static AtomkvServer start(ServerBuilder<?> builder, KvEngine engine, Limits limits,
      int threads, long graceMs) throws IOException {
    return start(builder, engine, limits, threads, graceMs, new CompositeMeterRegistry());
  }

  /**
   * Serves {@code engine} on {@code builder}. Calls run on a fixed pool of {@code threads}: on few
   * cores gRPC's default cached pool costs several times the throughput in thread churn. Every
   * call is counted and timed in {@code registry}, which also gets the engine's gauges.
   */
  public static AtomkvServer start(ServerBuilder<?> builder, KvEngine engine, Limits limits,
      int threads, long graceMs, MeterRegistry registry) throws IOException {
    ExecutorService executor = Executors.newFixedThreadPool(threads, daemonThreads("atomkv-grpc"));
    HealthStatusManager health = new HealthStatusManager();
    Server server = builder
        .executor(executor)
        .intercept(new MetricsInterceptor(registry))
        .addService(new KvGrpcService(engine, limits, Clock.systemUTC(), executor))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance())
        .build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      executor.shutdownNow();
      throw e;
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(KvServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    new EngineMetrics(engine).bindTo(registry);
    return new AtomkvServer(server, engine, executor, health, graceMs);
  }

  /** The port actually bound (useful when started on port 0). */
  public int port() {
    return server.getPort();
  }

  /** The port of the /metrics endpoint, or -1 when it is off. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Stops accepting calls, lets calls in flight finish (up to the grace period), lets the writer
   * commit what it has queued, then closes the storage.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    health.enterTerminalState();
    server.shutdown();
    try {
      if (!server.awaitTermination(graceMs, TimeUnit.MILLISECONDS)) {
        LOG.warning("calls still running after the grace period; cancelling them");
        server.shutdownNow();
        server.awaitTermination(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      server.shutdownNow();
    } finally {
      engine.close();
      executor.shutdown();
      if (metrics != null) {
        metrics.close();
      }
    }
  }

  private static ThreadFactory daemonThreads(String name) {
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
