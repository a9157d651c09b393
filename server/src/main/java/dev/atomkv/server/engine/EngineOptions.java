package dev.atomkv.server.engine;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Storage settings.
 *
 * @param dataDir directory holding the LMDB files (created if missing)
 * @param mapSizeBytes the LMDB map size: the most the database may grow to; the file itself only
 *     grows as data is written
 * @param syncMode durability of an acknowledged commit
 * @param writeQueueCapacity requests waiting for the writer before new ones are refused
 *     (NOT_APPLIED)
 * @param maxBatchRequests requests committed together in one LMDB transaction (at most 65536,
 *     the positions a versionstamp can hold)
 * @param maxBatchBytes approximate bytes of mutations per batch, bounding dirty pages in memory
 * @param sweepIntervalMs how often expired keys are looked for
 * @param clock wall clock for expiry and commit versions
 * @param queueLeaseMs how long a listener holds a queue message before it counts as failed
 * @param watchDeletionLogBytes heap kept for the versionstamps of recent deletions, which let a
 *     resumed watch prove that a missing key was not deleted since (older ones are forgotten)
 */
public record EngineOptions(
    Path dataDir,
    long mapSizeBytes,
    SyncMode syncMode,
    int writeQueueCapacity,
    int maxBatchRequests,
    long maxBatchBytes,
    long sweepIntervalMs,
    Clock clock,
    long queueLeaseMs,
    long watchDeletionLogBytes) {

  public static final long DEFAULT_MAP_SIZE = 64L << 30;
  public static final long DEFAULT_QUEUE_LEASE_MS = 30_000;
  /** About 100k deletions of short keys. */
  public static final long DEFAULT_WATCH_DELETION_LOG_BYTES = 16L << 20;

  public EngineOptions(Path dataDir, long mapSizeBytes, SyncMode syncMode, int writeQueueCapacity,
      int maxBatchRequests, long maxBatchBytes, long sweepIntervalMs, Clock clock) {
    this(dataDir, mapSizeBytes, syncMode, writeQueueCapacity, maxBatchRequests, maxBatchBytes,
        sweepIntervalMs, clock, DEFAULT_QUEUE_LEASE_MS, DEFAULT_WATCH_DELETION_LOG_BYTES);
  }

  public EngineOptions(Path dataDir, long mapSizeBytes, SyncMode syncMode, int writeQueueCapacity,
      int maxBatchRequests, long maxBatchBytes, long sweepIntervalMs, Clock clock,
      long queueLeaseMs) {
    this(dataDir, mapSizeBytes, syncMode, writeQueueCapacity, maxBatchRequests, maxBatchBytes,
        sweepIntervalMs, clock, queueLeaseMs, DEFAULT_WATCH_DELETION_LOG_BYTES);
  }

  public static EngineOptions defaults(Path dataDir) {
    return new EngineOptions(dataDir, DEFAULT_MAP_SIZE, SyncMode.FULL, 10_000, 1024, 16L << 20,
        250, Clock.systemUTC());
  }

  public EngineOptions withClock(Clock c) {
    return new EngineOptions(dataDir, mapSizeBytes, syncMode, writeQueueCapacity,
        maxBatchRequests, maxBatchBytes, sweepIntervalMs, c, queueLeaseMs, watchDeletionLogBytes);
  }

  public EngineOptions withQueueLeaseMs(long ms) {
    return new EngineOptions(dataDir, mapSizeBytes, syncMode, writeQueueCapacity,
        maxBatchRequests, maxBatchBytes, sweepIntervalMs, clock, ms, watchDeletionLogBytes);
  }

  public EngineOptions withWatchDeletionLogBytes(long bytes) {
    return new EngineOptions(dataDir, mapSizeBytes, syncMode, writeQueueCapacity,
        maxBatchRequests, maxBatchBytes, sweepIntervalMs, clock, queueLeaseMs, bytes);
  }
}
