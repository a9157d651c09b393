package dev.atomkv.server;

import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.server.api.AdminGrpcService;
import dev.atomkv.server.api.ClusterMetrics;
import dev.atomkv.server.api.EngineMetrics;
import dev.atomkv.server.api.EntityGrpcService;
import dev.atomkv.server.api.KvGrpcService;
import dev.atomkv.server.api.MetricsInterceptor;
import dev.atomkv.server.api.RateLimitMetrics;
import dev.atomkv.server.api.StrictParsing;
import dev.atomkv.server.api.TenantMetrics;
import dev.atomkv.server.api.TokenAuthInterceptor;
import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.auth.TokenStore;
import dev.atomkv.server.tenant.Tenancy;
import dev.atomkv.server.auth.Tokens;
import dev.atomkv.server.console.ConsoleServer;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.ShiftedClock;
import dev.atomkv.server.kvconnect.V8SumCodec;
import dev.atomkv.server.raft.ReplicatedEngine;
import dev.atomkv.server.engine.IndexBuilder;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.kvconnect.KvConnectServer;
import dev.atomkv.server.lmdb.LmdbEngine;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimiter;
import dev.atomkv.server.tenant.RateLimits;
import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.ServerBuilder;
import io.grpc.ServerInterceptor;
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
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * A running atomkv server: the KV service, reflection and health on one gRPC server, over an
 * engine it owns. Takes any {@link ServerBuilder}, so tests can use the in-process transport.
 */
public final class AtomkvServer implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(AtomkvServer.class);

  private final Server server;
  private final KvEngine engine;
  private final KvGrpcService kvService;
  private final ExecutorService executor;
  private final HealthStatusManager health;
  private final long graceMs;
  private final IndexBuilder indexBuilder;
  /** The /metrics endpoint, or null when it is off. */
  private MetricsEndpoint metrics;
  /** The KV Connect edge, or null when it is off. */
  private KvConnectServer kvConnect;
  /** The web console, or null when it is off. */
  private ConsoleServer console;
  private boolean closed;
  private final Tenancy tenancy;
  private final Authenticator authenticator;
  private final RateLimiter rateLimiter;
  private SignalHandler previousHangup;
  private boolean hangupInstalled;

  private AtomkvServer(Server server, KvEngine engine, Tenancy tenancy, Authenticator authenticator,
      RateLimiter rateLimiter, KvGrpcService kvService, ExecutorService executor,
      HealthStatusManager health, long graceMs) {
    this.server = server;
    this.tenancy = tenancy;
    this.authenticator = authenticator;
    this.rateLimiter = rateLimiter;
    this.engine = engine;
    this.kvService = kvService;
    this.executor = executor;
    this.health = health;
    this.graceMs = graceMs;
    this.indexBuilder = IndexBuilder.start(engine);
  }

  /**
   * Opens the LMDB engine and serves it with Netty on the configured address, with TLS and token
   * authentication when configured.
   *
   * @throws IllegalStateException when an unauthenticated non-loopback bind is not allowed; the
   *     engine is not opened then
   * @throws StartupException when a port is taken, or the data directory, certificates or
   *     tokens cannot be used; nothing is left open then
   */
  public static AtomkvServer start(ServerConfig config) throws IOException {
    return start(config, List.of());
  }

  /**
   * As {@link #start(ServerConfig)}, with {@code extraServices} on the same server, executor and
   * settings (the benchmark's no-op ceiling runs exactly the production stack this way).
   */
  public static AtomkvServer start(ServerConfig config, List<BindableService> extraServices)
      throws IOException {
    if (config.checkExposure()) {
      LOG.warn("serving with NO authentication because of --insecure: anyone who can reach the "
          + "port can read and write every key: bind={}", config.bind());
    }
    if (config.tokenAuthEnabled() && !config.tlsEnabled() && !config.bindIsLoopback()) {
      LOG.warn("bearer tokens without TLS: anyone on the path can read them; set --tls-cert and "
          + "--tls-key: bind={}", config.bind());
    }
    TokenStore auth = null;
    if (config.tokenAuthEnabled()) {
      Path file = config.authTokensFile();
      String token = config.authToken();
      try {
        auth = TokenStore.load(() -> Tokens.load(file, token));
      } catch (IOException | RuntimeException e) {
        throw new StartupException("cannot load the bearer tokens"
            + (file == null ? " (--auth-token)" : " of --auth-tokens-file " + file) + ": "
            + StartupException.rootMessage(e), e);
      }
    }
    NettyTransport.quietLeakDetector();
    NettyServerBuilder builder;
    try {
      builder = NettyServerBuilder.forAddress(
          new InetSocketAddress(config.bind(), config.port()), NettyTransport.credentials(config));
    } catch (IOException | RuntimeException e) {
      throw new StartupException("cannot load the TLS certificate or key (--tls-cert "
          + config.tlsCert() + ", --tls-key " + config.tlsKey()
          + (config.tlsClientCa() == null ? "" : ", --tls-client-ca " + config.tlsClientCa())
          + "): " + StartupException.rootMessage(e), e);
    }
    builder
        .maxInboundMessageSize(config.maxInboundMessageBytes())
        .maxConcurrentCallsPerConnection(config.maxConcurrentCallsPerConnection())
        .keepAliveTime(config.keepaliveTimeMs(), TimeUnit.MILLISECONDS)
        .keepAliveTimeout(config.keepaliveTimeoutMs(), TimeUnit.MILLISECONDS)
        .permitKeepAliveTime(config.permitKeepaliveTimeMs(), TimeUnit.MILLISECONDS)
        .permitKeepAliveWithoutCalls(false);
    extraServices.forEach(builder::addService);
    KvEngine engine;
    try {
      engine = config.cluster.enabled() ? clusterEngine(config)
          : LmdbEngine.open(config.engineOptions());
    } catch (IOException e) {
      throw new StartupException("cannot join the cluster (--cluster-id "
          + config.cluster.clusterId + "): " + StartupException.rootMessage(e), e);
    } catch (RuntimeException e) {
      throw new StartupException("cannot open the database in --data-dir "
          + config.engineOptions().dataDir() + ": " + StartupException.rootMessage(e), e);
    }
    // The console charts the same metrics /metrics serves, so either needs them recorded.
    PrometheusMeterRegistry registry = config.metricsPort() < 0 && config.console.port < 0
        ? null : new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    AtomkvServer server;
    try {
      server = start(builder, engine, config.limits(), config.workerThreads(),
          config.shutdownGraceMs(), registry == null ? new CompositeMeterRegistry() : registry,
          auth, config.rateLimits.defaults());
    } catch (IOException e) {
      engine.close();
      throw StartupException.cannotListen("gRPC", "--port", config.bind(), config.port(), e);
    } catch (RuntimeException e) {
      engine.close();
      throw e;
    }
    if (config.metricsPort() >= 0) {
      try {
        server.metrics = MetricsEndpoint.start(config.bind(), config.metricsPort(), registry);
      } catch (IOException e) {
        server.close();
        throw StartupException.cannotListen("metrics", "--metrics-port", config.bind(),
            config.metricsPort(), e);
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
    }
    if (config.kvConnectPort() >= 0) {
      try {
        server.kvConnect = KvConnectServer.start(new KvConnectServer.Options(config.bind(),
                config.kvConnectPort(), config.kvConnectThreads(),
                config.maxInboundMessageBytes(), config.kvConnectMaxResponseBytes(),
                config.tlsEnabled() ? new KvConnectServer.Tls(config.tlsCert(), config.tlsKey(),
                    config.tlsClientCa()) : null),
            server.tenancy.engines(), config.limits(), server.authenticator,
            server.rateLimiter);
      } catch (IOException e) {
        server.close();
        throw StartupException.cannotListen("KV Connect", "--kv-connect-port", config.bind(),
            config.kvConnectPort(), e);
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
    }
    if (config.console.port >= 0) {
      try {
        server.console = ConsoleLauncher.start(config, engine, server.authenticator,
            server.rateLimiter, registry, server.tenancy.registry());
      } catch (IOException e) {
        server.close();
        throw StartupException.cannotListen("console", "--console-port", config.bind(),
            config.console.port, e);
      } catch (RuntimeException e) {
        server.close();
        throw e;
      }
    }
    if (auth != null) {
      LOG.info("bearer-token authentication on: tokens={}", auth.size());
      if (config.authTokensFile() != null) {
        server.installReloadOnHangup();
      }
    }
    if (config.tlsEnabled()) {
      LOG.info("TLS on: clientCertificatesRequired={}", config.tlsClientCa() != null);
    }
    config.tenants.apply(server, server.tenancy.registry(), engine.cluster() != null);
    return server;
  }

  /** Serves {@code engine} on {@code builder}, metrics unrecorded and no tokens of its own. */
  public static AtomkvServer start(ServerBuilder<?> builder, KvEngine engine, Limits limits,
      int threads, long graceMs) throws IOException {
    return start(builder, engine, limits, threads, graceMs, new CompositeMeterRegistry(), null,
        RateLimits.UNLIMITED);
  }

  /**
   * Serves {@code engine} on {@code builder}. Calls run on a fixed pool of {@code threads}: on few
   * cores gRPC's default cached pool costs several times the throughput in thread churn. Every
   * call is counted and timed in {@code registry}, which also gets the engine's gauges; the token
   * check runs inside the metrics so that refused calls are counted too.
   *
   * @param settingsTokens the server's own tokens, or null for none (then calls without a
   *     tenant's token act for the default tenant with every right)
   * @param defaultRates the rate limits of every tenant that has none of its own
   */
  public static AtomkvServer start(ServerBuilder<?> builder, KvEngine engine, Limits limits,
      int threads, long graceMs, MeterRegistry registry, TokenStore settingsTokens,
      RateLimits defaultRates) throws IOException {
    ExecutorService executor = Executors.newFixedThreadPool(threads, daemonThreads("atomkv-grpc"));
    HealthStatusManager health = new HealthStatusManager();
    Tenancy tenancy = Tenancy.open(engine, ShiftedClock.SERVER);
    Authenticator authenticator = new Authenticator(settingsTokens, tenancy.registry()::grant);
    RateLimiter rateLimiter = tenancy.rateLimiter(defaultRates);
    KvGrpcService kvService = new KvGrpcService(tenancy.engines(), limits, ShiftedClock.SERVER,
        executor, rateLimiter);
    builder
        .executor(executor)
        .addService(StrictParsing.wrap(kvService))
        .addService(StrictParsing.wrap(new AdminGrpcService(engine, tenancy.registry())))
        .addService(StrictParsing.wrap(new EntityGrpcService(tenancy.engines(), limits,
            executor, rateLimiter)))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance());
    // ServerBuilder.intercept runs the last added first: metrics outermost.
    TenantMetrics tenantMetrics = new TenantMetrics(tenancy.registry(), engine);
    builder.intercept(new TokenAuthInterceptor(authenticator, tenantMetrics));
    builder.intercept(new MetricsInterceptor(registry));
    Server server = builder.build();
    try {
      server.start();
    } catch (IOException | RuntimeException e) {
      executor.shutdownNow();
      tenancy.close();
      throw e;
    }
    health.setStatus("", ServingStatus.SERVING);
    health.setStatus(KvServiceGrpc.SERVICE_NAME, ServingStatus.SERVING);
    new EngineMetrics(engine).bindTo(registry);
    tenantMetrics.bindTo(registry);
    tenancy.onClose(tenantMetrics);
    new RateLimitMetrics(rateLimiter).bindTo(registry);
    if (engine.cluster() != null) {
      new ClusterMetrics(engine.cluster()).bindTo(registry);
    }
    return new AtomkvServer(server, engine, tenancy, authenticator, rateLimiter, kvService,
        executor, health, graceMs);
  }

  /**
   * Re-reads the tokens file (what SIGHUP does). If the file cannot be read or parsed, the tokens
   * in force stay and the error is thrown.
   *
   * @throws IllegalStateException when token authentication is off
   */
  public void reloadTokens() throws IOException {
    TokenStore tokens = authenticator.settingsTokens();
    if (tokens == null) {
      throw new IllegalStateException("token authentication is off");
    }
    tokens.reload();
    LOG.info("reloaded tokens: tokens={}", tokens.size());
  }

  // The handler is process-wide: with several servers in one JVM (tests), the last started wins
  // until it closes and puts back the one it replaced.
  private void installReloadOnHangup() {
    try {
      previousHangup = Signal.handle(new Signal("HUP"), signal -> {
        try {
          reloadTokens();
        } catch (IOException | RuntimeException e) {
          LOG.error("SIGHUP: tokens file not reloaded, the previous tokens stay in force: "
              + "error={}", e.toString());
        }
      });
      hangupInstalled = true;
    } catch (IllegalArgumentException e) {
      // e.g. the JVM runs with -Xrs, or the platform has no SIGHUP.
      LOG.warn("cannot handle SIGHUP, tokens file will not be reloaded: error={}",
          e.getMessage());
    }
  }

  /** The port actually bound (useful when started on port 0). */
  public int port() {
    return server.getPort();
  }

  /** The KV Connect port, or -1 when it is off. */
  public int kvConnectPort() {
    return kvConnect == null ? -1 : kvConnect.port();
  }

  /** The web console's port, or -1 when it is off. */
  public int consolePort() {
    return console == null ? -1 : console.port();
  }

  /** The port of the /metrics endpoint, or -1 when it is off. */
  public int metricsPort() {
    return metrics == null ? -1 : metrics.port();
  }

  public void awaitTermination() throws InterruptedException {
    server.awaitTermination();
  }

  /**
   * Stops accepting calls, ends every Watch with UNAVAILABLE, lets other calls in flight finish
   * (up to the grace period), lets the writer commit what it has queued, then closes the storage.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (hangupInstalled) {
      Signal.handle(new Signal("HUP"), previousHangup);
    }
    health.enterTerminalState();
    indexBuilder.close();
    tenancy.close();
    if (kvConnect != null) {
      kvConnect.close();
    }
    if (console != null) {
      console.close();
    }
    // Open Listen streams would otherwise hold the graceful stop for the whole grace period.
    engine.stopQueueDelivery();
    server.shutdown();
    kvService.endWatches();
    try {
      if (!server.awaitTermination(graceMs, TimeUnit.MILLISECONDS)) {
        LOG.warn("calls still running after the grace period; cancelling them: graceMs={}",
            graceMs);
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

  /** This member's view of its cluster (leader, term, role, applied index); null on a single node. */
  public ClusterStatus clusterStatus() {
    return engine.clusterStatus();
  }

  /**
   * A cluster member's engine: the local store, written by applying the replicated log, whose
   * Raft log lives beside it in the data directory. KV Connect's sums travel in the log through
   * their codec.
   */
  private static KvEngine clusterEngine(ServerConfig config) throws IOException {
    EngineOptions options = config.engineOptions();
    ReplicaStore local = LmdbEngine.openReplica(options);
    return ReplicatedEngine.start(config.cluster.settings(config.bind()), local,
        options.dataDir().resolve("raft"), List.of(V8SumCodec.INSTANCE), options.sweepIntervalMs(),
        options.queueLeaseMs(), options.clock());
  }
}
