package dev.atomkv.server;

/**
 * Defaults of the settings that belong to the server process rather than to the request limits
 * ({@link dev.atomkv.server.model.Limits}) or the storage engine
 * ({@link dev.atomkv.server.engine.EngineOptions}). The flags take their defaults from these
 * constants, so {@code --help} cannot drift from them.
 */
final class ServerDefaults {
  static final String BIND = "127.0.0.1";
  static final int PORT = 50051;
  static final int METRICS_PORT = 9464;
  static final int KV_CONNECT_PORT = 4512;
  static final long KV_CONNECT_MAX_RESPONSE_MIB = 64;
  static final int CONSOLE_PORT = 4513;
  static final String DATA_DIR = "./data";
  /** One worker per core. */
  static final int THREADS = 0;
  static final long MAX_INBOUND_MESSAGE_MIB = 8;
  static final long SHUTDOWN_GRACE_MS = 10_000;
  static final int MAX_CONCURRENT_CALLS_PER_CONNECTION = 1000;
  static final long KEEPALIVE_TIME_MS = 60_000;
  static final long KEEPALIVE_TIMEOUT_MS = 20_000;
  static final long PERMIT_KEEPALIVE_TIME_MS = 10_000;
  static final boolean INSECURE = false;
  /**
   * Applied entries between two cluster snapshots. A snapshot only syncs LMDB, so it is cheap;
   * the interval bounds the log a restarted member replays and how much log each member keeps.
   */
  static final long RAFT_SNAPSHOT_EVERY = 10_000;
  /** Raft log segment size: Ratis's own default is 32 MiB; smaller lets purges follow sooner. */
  static final long RAFT_LOG_SEGMENT_MIB = 8;

  private ServerDefaults() {}
}
