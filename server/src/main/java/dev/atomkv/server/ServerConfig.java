package dev.atomkv.server;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.Limits;
import java.nio.file.Path;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/**
 * Every server setting, in one place: each has a flag, an environment variable (read through
 * picocli's {@code ${VAR:-default}} lookup) and a default.
 */
public final class ServerConfig {
  /** An upper bound on --threads that no real machine needs. */
  static final int MAX_THREADS = 4096;
  /**
   * Readers outside the request pools: the watch notifier, the queue dispatcher, the writer's
   * checks after a failed commit, a metrics scrape and a backup, with room for more.
   */
  static final int INTERNAL_READERS = 16;

  @Option(names = "--bind", defaultValue = "${ATOMKV_BIND:-" + ServerDefaults.BIND + "}",
      description = "Address to listen on (0.0.0.0 for every interface). Env: ATOMKV_BIND.")
  String bind;

  @Option(names = "--port", defaultValue = "${ATOMKV_PORT:-" + ServerDefaults.PORT + "}",
      description = "TCP port to listen on; 0 picks a free one. Env: ATOMKV_PORT.")
  int port;

  @Option(names = "--metrics-port",
      defaultValue = "${ATOMKV_METRICS_PORT:-" + ServerDefaults.METRICS_PORT + "}",
      description = "Port of the Prometheus /metrics endpoint (HTTP, on the --bind address); 0 "
          + "picks a free one, -1 turns it off. Env: ATOMKV_METRICS_PORT.")
  int metricsPort;

  @Option(names = "--kv-connect-port",
      defaultValue = "${ATOMKV_KV_CONNECT_PORT:-" + ServerDefaults.KV_CONNECT_PORT + "}",
      description = "Port of KV Connect, Deno's remote protocol (Deno.openKv(\"http://host:port\") "
          + "and @deno/kv), on the --bind address with the same TLS and tokens as gRPC; 0 picks a "
          + "free one, -1 turns it off. Env: ATOMKV_KV_CONNECT_PORT.")
  int kvConnectPort;

  @CommandLine.Mixin final ConsoleSettings console = new ConsoleSettings();
  @CommandLine.Mixin final RateLimitSettings rateLimits = new RateLimitSettings();

  @Option(names = "--kv-connect-max-response-bytes",
      defaultValue = "${ATOMKV_KV_CONNECT_MAX_RESPONSE_BYTES:-"
          + ServerDefaults.KV_CONNECT_MAX_RESPONSE_MIB + "m}",
      converter = SettingConverters.ByteSize.class,
      description = "Largest KV Connect read answer; a read that would exceed it is refused "
          + "(a shorter answer would look like the end of the range to the client). "
          + "Env: ATOMKV_KV_CONNECT_MAX_RESPONSE_BYTES.")
  long kvConnectMaxResponseBytes;

  @Option(names = "--data-dir",
      defaultValue = "${ATOMKV_DATA_DIR:-" + ServerDefaults.DATA_DIR + "}",
      description = "Directory holding the LMDB files; created if missing. Env: ATOMKV_DATA_DIR.")
  Path dataDir;

  @Option(names = "--map-size",
      defaultValue = "${ATOMKV_MAP_SIZE:-" + EngineOptions.DEFAULT_MAP_SIZE_GIB + "g}",
      converter = SettingConverters.ByteSize.class,
      description = "Largest size the database may grow to (bytes, or with k/m/g/t). The file "
          + "grows only as data is written. Env: ATOMKV_MAP_SIZE.")
  long mapSize;

  @Option(names = "--sync",
      defaultValue = "${ATOMKV_SYNC:-" + EngineOptions.DEFAULT_SYNC_MODE_NAME + "}",
      converter = SettingConverters.Sync.class,
      description = "full: an acknowledged commit survives kill -9 and a power cut. "
          + "no-metasync: a power cut may lose the last commits (never corrupts). "
          + "none: a power cut may lose or corrupt data; only a process crash is survived. "
          + "Env: ATOMKV_SYNC.")
  SyncMode sync;

  @Option(names = "--threads", defaultValue = "${ATOMKV_THREADS:-" + ServerDefaults.THREADS + "}",
      description = "gRPC worker threads (a fixed pool); 0 means one per core (a cluster member: "
          + ClusterOptions.THREADS + "). KV Connect gets 4 per worker (at least 8), and LMDB's "
          + "reader table is sized to hold every thread of both at once. Env: ATOMKV_THREADS.")
  int threads;

  @Option(names = "--write-queue", defaultValue = "${ATOMKV_WRITE_QUEUE:-"
      + EngineOptions.DEFAULT_WRITE_QUEUE_CAPACITY + "}",
      description = "Atomic requests waiting for the writer before new ones are refused with "
          + "UNAVAILABLE/NOT_APPLIED. Env: ATOMKV_WRITE_QUEUE.")
  int writeQueue;

  @Option(names = "--max-batch", defaultValue = "${ATOMKV_MAX_BATCH:-"
      + EngineOptions.DEFAULT_MAX_BATCH_REQUESTS + "}",
      description = "Atomic requests committed together in one synced LMDB transaction "
          + "(1..65535). Env: ATOMKV_MAX_BATCH.")
  int maxBatch;

  @Option(names = "--max-batch-bytes", defaultValue = "${ATOMKV_MAX_BATCH_BYTES:-"
      + EngineOptions.DEFAULT_MAX_BATCH_MIB + "m}", converter = SettingConverters.ByteSize.class,
      description = "Approximate mutation bytes per batch. Env: ATOMKV_MAX_BATCH_BYTES.")
  long maxBatchBytes;

  @Option(names = "--sweep-interval-ms", defaultValue = "${ATOMKV_SWEEP_INTERVAL_MS:-"
      + EngineOptions.DEFAULT_SWEEP_INTERVAL_MS + "}",
      description = "How often expired keys are deleted. Env: ATOMKV_SWEEP_INTERVAL_MS.")
  long sweepIntervalMs;

  @Option(names = "--max-write-key-bytes", defaultValue = "${ATOMKV_MAX_WRITE_KEY_BYTES:-"
      + Limits.DEFAULT_MAX_WRITE_KEY_BYTES + "}",
      description = "Encoded key of a check or mutation. Env: ATOMKV_MAX_WRITE_KEY_BYTES.")
  int maxWriteKeyBytes;

  @Option(names = "--max-read-key-bytes", defaultValue = "${ATOMKV_MAX_READ_KEY_BYTES:-"
      + Limits.DEFAULT_MAX_READ_KEY_BYTES + "}",
      description = "Encoded read key or List bound. Env: ATOMKV_MAX_READ_KEY_BYTES.")
  int maxReadKeyBytes;

  @Option(names = "--max-value-bytes", defaultValue = "${ATOMKV_MAX_VALUE_BYTES:-"
      + Limits.DEFAULT_MAX_VALUE_BYTES + "}",
      description = "Counted size of one value. Env: ATOMKV_MAX_VALUE_BYTES.")
  int maxValueBytes;

  @Option(names = "--max-get-keys",
      defaultValue = "${ATOMKV_MAX_GET_KEYS:-" + Limits.DEFAULT_MAX_GET_KEYS + "}",
      description = "Keys in one Get. Env: ATOMKV_MAX_GET_KEYS.")
  int maxGetKeys;

  @Option(names = "--max-watch-keys",
      defaultValue = "${ATOMKV_MAX_WATCH_KEYS:-" + Limits.DEFAULT_MAX_WATCH_KEYS + "}",
      description = "Keys in one Watch. Env: ATOMKV_MAX_WATCH_KEYS.")
  int maxWatchKeys;

  @Option(names = "--watch-deletion-log-bytes",
      defaultValue = "${ATOMKV_WATCH_DELETION_LOG_BYTES:-"
          + EngineOptions.DEFAULT_WATCH_DELETION_LOG_MIB + "m}",
      converter = SettingConverters.ByteSize.class,
      description = "Memory for the versionstamps of recent deletions, with which a Watch resumed "
          + "with `after` proves a missing key was not deleted since; beyond it the oldest are "
          + "forgotten and such a resume gets a full first message. "
          + "Env: ATOMKV_WATCH_DELETION_LOG_BYTES.")
  long watchDeletionLogBytes;

  @Option(names = "--max-list-limit",
      defaultValue = "${ATOMKV_MAX_LIST_LIMIT:-" + Limits.DEFAULT_MAX_LIST_LIMIT + "}",
      description = "Entries in one List page. Env: ATOMKV_MAX_LIST_LIMIT.")
  int maxListLimit;

  @Option(names = "--max-checks",
      defaultValue = "${ATOMKV_MAX_CHECKS:-" + Limits.DEFAULT_MAX_CHECKS + "}",
      description = "Checks in one Atomic. Env: ATOMKV_MAX_CHECKS.")
  int maxChecks;

  @Option(names = "--max-mutations",
      defaultValue = "${ATOMKV_MAX_MUTATIONS:-" + Limits.DEFAULT_MAX_MUTATIONS + "}",
      description = "Mutations in one Atomic. Env: ATOMKV_MAX_MUTATIONS.")
  int maxMutations;

  @Option(names = "--max-total-mutation-bytes",
      defaultValue = "${ATOMKV_MAX_TOTAL_MUTATION_BYTES:-"
          + Limits.DEFAULT_MAX_TOTAL_MUTATION_BYTES + "}",
      description = "Deno's total mutation size of one Atomic. Env: ATOMKV_MAX_TOTAL_MUTATION_BYTES.")
  int maxTotalMutationBytes;

  @Option(names = "--max-total-key-bytes", defaultValue = "${ATOMKV_MAX_TOTAL_KEY_BYTES:-"
      + Limits.DEFAULT_MAX_TOTAL_KEY_BYTES + "}",
      description = "Deno's total key size of one Atomic. Env: ATOMKV_MAX_TOTAL_KEY_BYTES.")
  int maxTotalKeyBytes;

  @Option(names = "--max-response-bytes", defaultValue = "${ATOMKV_MAX_RESPONSE_BYTES:-"
      + Limits.DEFAULT_MAX_RESPONSE_BYTES + "}",
      description = "Serialised size of one Get or List response (gRPC clients accept 4 MiB by "
          + "default). Env: ATOMKV_MAX_RESPONSE_BYTES.")
  int maxResponseBytes;

  @Option(names = "--max-operations",
      defaultValue = "${ATOMKV_MAX_OPERATIONS:-" + Limits.DEFAULT_MAX_OPERATIONS + "}",
      description = "Checks plus mutations in one Atomic; 0 for no limit beyond --max-checks and "
          + "--max-mutations (Forge: 25). Env: ATOMKV_MAX_OPERATIONS.")
  int maxOperations;

  @Option(names = "--max-request-bytes", defaultValue = "${ATOMKV_MAX_REQUEST_BYTES:-"
      + Limits.DEFAULT_MAX_REQUEST_BYTES + "}",
      converter = SettingConverters.ByteSize.class,
      description = "Serialised size of one Atomic request; 0 for no limit beyond the inbound "
          + "message limit (Forge: 4000000). Env: ATOMKV_MAX_REQUEST_BYTES.")
  long maxRequestBytes;

  @Option(names = "--unique-keys",
      defaultValue = "${ATOMKV_UNIQUE_KEYS:-" + Limits.DEFAULT_UNIQUE_KEYS + "}", arity = "0..1",
      description = "Reject an Atomic that names a key more than once across its checks and "
          + "mutations (Forge's rule). Env: ATOMKV_UNIQUE_KEYS.")
  boolean uniqueKeys;

  @Option(names = "--queue-lease-ms", defaultValue = "${ATOMKV_QUEUE_LEASE_MS:-"
      + EngineOptions.DEFAULT_QUEUE_LEASE_MS + "}",
      description = "How long a queue listener holds a delivered message before, unacknowledged, "
          + "it counts as failed and is redelivered after its backoff. Env: ATOMKV_QUEUE_LEASE_MS.")
  long queueLeaseMs;

  @Option(names = "--max-listen-in-flight", defaultValue = "${ATOMKV_MAX_LISTEN_IN_FLIGHT:-"
      + Limits.DEFAULT_MAX_LISTEN_IN_FLIGHT + "}",
      description = "Queue messages one Listen stream may hold unacknowledged (its max_in_flight). "
          + "Env: ATOMKV_MAX_LISTEN_IN_FLIGHT.")
  int maxListenInFlight;

  @Option(names = "--max-inbound-message-bytes",
      defaultValue = "${ATOMKV_MAX_INBOUND_MESSAGE_BYTES:-"
          + ServerDefaults.MAX_INBOUND_MESSAGE_MIB + "m}",
      converter = SettingConverters.ByteSize.class,
      description = "Largest request message gRPC accepts. Env: ATOMKV_MAX_INBOUND_MESSAGE_BYTES.")
  long maxInboundMessageBytes;

  @Option(names = "--shutdown-grace-ms", defaultValue = "${ATOMKV_SHUTDOWN_GRACE_MS:-"
      + ServerDefaults.SHUTDOWN_GRACE_MS + "}",
      description = "On SIGTERM, how long in-flight calls may take before they are cancelled. "
          + "Env: ATOMKV_SHUTDOWN_GRACE_MS.")
  long shutdownGraceMs;

  @Option(names = "--max-concurrent-calls-per-connection",
      defaultValue = "${ATOMKV_MAX_CONCURRENT_CALLS_PER_CONNECTION:-"
          + ServerDefaults.MAX_CONCURRENT_CALLS_PER_CONNECTION + "}",
      description = "HTTP/2 streams one connection may have open at once; more wait in the client. "
          + "Bounds what a single client can queue on the server. "
          + "Env: ATOMKV_MAX_CONCURRENT_CALLS_PER_CONNECTION.")
  int maxConcurrentCallsPerConnection;

  @Option(names = "--keepalive-time-ms", defaultValue = "${ATOMKV_KEEPALIVE_TIME_MS:-"
      + ServerDefaults.KEEPALIVE_TIME_MS + "}",
      description = "The server pings a connection idle this long, to find dead peers and keep "
          + "NAT/load-balancer state alive. Env: ATOMKV_KEEPALIVE_TIME_MS.")
  long keepaliveTimeMs;

  @Option(names = "--keepalive-timeout-ms", defaultValue = "${ATOMKV_KEEPALIVE_TIMEOUT_MS:-"
      + ServerDefaults.KEEPALIVE_TIMEOUT_MS + "}",
      description = "A ping unanswered this long closes the connection. "
          + "Env: ATOMKV_KEEPALIVE_TIMEOUT_MS.")
  long keepaliveTimeoutMs;

  @Option(names = "--permit-keepalive-time-ms",
      defaultValue = "${ATOMKV_PERMIT_KEEPALIVE_TIME_MS:-"
          + ServerDefaults.PERMIT_KEEPALIVE_TIME_MS + "}",
      description = "Clients pinging more often than this are disconnected (GOAWAY "
          + "ENHANCE_YOUR_CALM), so pings cannot be used to keep the server busy. "
          + "Env: ATOMKV_PERMIT_KEEPALIVE_TIME_MS.")
  long permitKeepaliveTimeMs;

  @Option(names = "--tls-cert", defaultValue = "${ATOMKV_TLS_CERT}",
      description = "PEM certificate chain; with --tls-key, the port speaks TLS only. "
          + "Env: ATOMKV_TLS_CERT.")
  Path tlsCert;

  @Option(names = "--tls-key", defaultValue = "${ATOMKV_TLS_KEY}",
      description = "PEM private key (PKCS#8, unencrypted) of --tls-cert. Env: ATOMKV_TLS_KEY.")
  Path tlsKey;

  @Option(names = "--tls-client-ca", defaultValue = "${ATOMKV_TLS_CLIENT_CA}",
      description = "PEM CA certificates; when set, every client must present a certificate they "
          + "signed (mTLS). Needs --tls-cert. Env: ATOMKV_TLS_CLIENT_CA.")
  Path tlsClientCa;

  @Option(names = "--auth-tokens-file", defaultValue = "${ATOMKV_AUTH_TOKENS_FILE}",
      description = "Bearer tokens, one per line as 'TOKEN' or 'TOKEN readonly' (# comments); "
          + "re-read on SIGHUP. Env: ATOMKV_AUTH_TOKENS_FILE.")
  Path authTokensFile;

  // Never shown in --help: the default may have come from the environment and is a secret.
  @Option(names = "--auth-token", defaultValue = "${ATOMKV_AUTH_TOKEN}",
      showDefaultValue = CommandLine.Help.Visibility.NEVER,
      description = "One read-write bearer token. Prefer the environment variable: a flag is "
          + "visible to every local user in the process list. Env: ATOMKV_AUTH_TOKEN.")
  String authToken;

  @Option(names = "--insecure",
      defaultValue = "${ATOMKV_INSECURE:-" + ServerDefaults.INSECURE + "}", arity = "0..1",
      description = "Allow serving on a non-loopback address with no authentication (no token and "
          + "no --tls-client-ca). Env: ATOMKV_INSECURE.")
  boolean insecure;

  @CommandLine.Mixin final ClusterOptions cluster = new ClusterOptions();
  @CommandLine.Mixin final TenantsFileOption tenants = new TenantsFileOption();

  /** Settings from flags (the last of a repeated flag, as on the command line), env, defaults. */
  public static ServerConfig parse(String... args) {
    ServerConfig config = new ServerConfig();
    new CommandLine(config).setOverwrittenOptionsAllowed(true).parseArgs(args);
    config.validate();
    return config;
  }

  /**
   * Rejects settings that would make the server refuse everything or misbehave, and files and
   * directories it could not use.
   * @throws IllegalArgumentException with one line that names the setting
   */
  public void validate() {
    SettingsCheck.validate(this);
  }

  /**
   * Refuses to serve an unauthenticated port beyond this machine unless {@code --insecure} says
   * that is intended: a database reachable from the network without credentials is the classic
   * way data leaks. Resolves {@code --bind}, so a name for a loopback address counts as loopback.
   *
   * @return true when serving unauthenticated beyond loopback because of {@code --insecure}
   * @throws IllegalStateException with the reason, when the server must not start
   */
  public boolean checkExposure() {
    return SettingsCheck.checkExposure(this);
  }

  boolean bindIsLoopback() {
    return SettingsCheck.isLoopback(bind);
  }

  public Limits limits() {
    return Limits.builder()
        .maxWriteKeyBytes(maxWriteKeyBytes)
        .maxReadKeyBytes(maxReadKeyBytes)
        .maxValueBytes(maxValueBytes)
        .maxGetKeys(maxGetKeys)
        .maxListLimit(maxListLimit)
        .maxChecks(maxChecks)
        .maxMutations(maxMutations)
        .maxTotalMutationBytes(maxTotalMutationBytes)
        .maxTotalKeyBytes(maxTotalKeyBytes)
        .maxResponseBytes(maxResponseBytes)
        .maxOperations(maxOperations)
        .maxRequestBytes((int) Math.min(Integer.MAX_VALUE, maxRequestBytes))
        .uniqueKeys(uniqueKeys)
        .maxWatchKeys(maxWatchKeys)
        .maxListenInFlight(maxListenInFlight)
        .build();
  }

  public EngineOptions engineOptions() {
    return EngineOptions.builder(dataDir)
        .mapSizeBytes(mapSize)
        .syncMode(sync)
        .writeQueueCapacity(writeQueue)
        .maxBatchRequests(maxBatch)
        .maxBatchBytes(maxBatchBytes)
        .sweepIntervalMs(sweepIntervalMs)
        .queueLeaseMs(queueLeaseMs)
        .watchDeletionLogBytes(watchDeletionLogBytes)
        .maxReaders(readerSlots())
        .build();
  }

  public int workerThreads() {
    return threads > 0 ? threads : cluster.defaultThreads();
  }

  /** Most KV Connect request threads: an HTTP/1.1 client holds a thread per open request. */
  public int kvConnectThreads() {
    return Math.max(8, 4 * workerThreads());
  }

  /**
   * LMDB reader slots: every thread that may hold a read transaction at the same time, so that a
   * burst on every pool never finds the table full. A read holds one slot only while it runs.
   */
  public int readerSlots() {
    int pools = workerThreads() + (kvConnectPort < 0 ? 0 : kvConnectThreads()) + console.threads();
    return pools + INTERNAL_READERS;
  }

  public String bind() {
    return bind;
  }

  public int port() {
    return port;
  }

  /** The /metrics port; -1 when the endpoint is off. */
  public int metricsPort() {
    return metricsPort;
  }

  /** The KV Connect port; -1 when it is off. */
  public int kvConnectPort() {
    return kvConnectPort;
  }

  public long kvConnectMaxResponseBytes() {
    return kvConnectMaxResponseBytes;
  }

  /** Never below the request-size limit, so that limit answers with its own message. */
  public int maxInboundMessageBytes() {
    long floor = maxRequestBytes > 0 ? maxRequestBytes + (64 << 10) : 0;
    return (int) Math.min(Integer.MAX_VALUE, Math.max(maxInboundMessageBytes, floor));
  }

  public long shutdownGraceMs() {
    return shutdownGraceMs;
  }

  public int maxConcurrentCallsPerConnection() {
    return maxConcurrentCallsPerConnection;
  }

  public long keepaliveTimeMs() {
    return keepaliveTimeMs;
  }

  public long keepaliveTimeoutMs() {
    return keepaliveTimeoutMs;
  }

  public long permitKeepaliveTimeMs() {
    return permitKeepaliveTimeMs;
  }

  public boolean tlsEnabled() {
    return tlsCert != null;
  }

  /** Null when TLS is off. */
  public Path tlsCert() {
    return tlsCert;
  }

  /** Null when TLS is off. */
  public Path tlsKey() {
    return tlsKey;
  }

  /** Null unless client certificates are required (mTLS). */
  public Path tlsClientCa() {
    return tlsClientCa;
  }

  /** Null when no tokens file is configured. */
  public Path authTokensFile() {
    return authTokensFile;
  }

  /** Null when no single token is configured. */
  public String authToken() {
    return authToken;
  }

  /** Whether bearer tokens are checked. */
  public boolean tokenAuthEnabled() {
    return authTokensFile != null || authToken != null;
  }

  /** Whether callers must prove who they are: a bearer token or a client certificate. */
  public boolean authEnabled() {
    return tokenAuthEnabled() || tlsClientCa != null;
  }
}
