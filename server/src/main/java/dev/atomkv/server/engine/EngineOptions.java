package dev.atomkv.server.engine;

import java.nio.file.Path;
import java.time.Clock;

/**
 * Storage settings. Build them with {@link #builder(Path)}; every setting left unset keeps its
 * {@code DEFAULT_*} constant, which is also the default of the server flag that sets it.
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
 * @param maxReaders slots in LMDB's reader table: the most read transactions open at once; a
 *     read beyond them fails with UNAVAILABLE. The server sizes it from its thread pools.
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
    long watchDeletionLogBytes,
    int maxReaders) {

  // Sizes are kept in the unit the flags show them in, so that --help prints "64g", not a long
  // number of bytes, from the same constant.
  public static final long DEFAULT_MAP_SIZE_GIB = 64;
  public static final long DEFAULT_MAP_SIZE = DEFAULT_MAP_SIZE_GIB << 30;
  /** The name the flags use for {@link #DEFAULT_SYNC_MODE}. */
  public static final String DEFAULT_SYNC_MODE_NAME = "full";
  public static final SyncMode DEFAULT_SYNC_MODE = SyncMode.fromName(DEFAULT_SYNC_MODE_NAME);
  public static final int DEFAULT_WRITE_QUEUE_CAPACITY = 10_000;
  public static final int DEFAULT_MAX_BATCH_REQUESTS = 1024;
  public static final long DEFAULT_MAX_BATCH_MIB = 16;
  public static final long DEFAULT_MAX_BATCH_BYTES = DEFAULT_MAX_BATCH_MIB << 20;
  public static final long DEFAULT_SWEEP_INTERVAL_MS = 250;
  public static final long DEFAULT_QUEUE_LEASE_MS = 30_000;
  /** About 100k deletions of short keys. */
  public static final long DEFAULT_WATCH_DELETION_LOG_MIB = 16;
  public static final long DEFAULT_WATCH_DELETION_LOG_BYTES = DEFAULT_WATCH_DELETION_LOG_MIB << 20;
  /** For an engine opened outside the server, which sizes the table from its pools instead. */
  public static final int DEFAULT_MAX_READERS = 512;

  /** Every setting at its default, the data in {@code dataDir}. */
  public static EngineOptions defaults(Path dataDir) {
    return builder(dataDir).build();
  }

  /** Starts from the defaults, with the data in {@code dataDir}. */
  public static Builder builder(Path dataDir) {
    return new Builder(dataDir);
  }

  /** Starts from these settings. */
  public Builder toBuilder() {
    return new Builder(dataDir)
        .mapSizeBytes(mapSizeBytes)
        .syncMode(syncMode)
        .writeQueueCapacity(writeQueueCapacity)
        .maxBatchRequests(maxBatchRequests)
        .maxBatchBytes(maxBatchBytes)
        .sweepIntervalMs(sweepIntervalMs)
        .clock(clock)
        .queueLeaseMs(queueLeaseMs)
        .watchDeletionLogBytes(watchDeletionLogBytes)
        .maxReaders(maxReaders);
  }

  public EngineOptions withClock(Clock c) {
    return toBuilder().clock(c).build();
  }

  public EngineOptions withQueueLeaseMs(long ms) {
    return toBuilder().queueLeaseMs(ms).build();
  }

  public EngineOptions withWatchDeletionLogBytes(long bytes) {
    return toBuilder().watchDeletionLogBytes(bytes).build();
  }

  /** Named settings instead of eleven positional ones; see the record's components. */
  public static final class Builder {
    private Path dataDir;
    private long mapSizeBytes = DEFAULT_MAP_SIZE;
    private SyncMode syncMode = DEFAULT_SYNC_MODE;
    private int writeQueueCapacity = DEFAULT_WRITE_QUEUE_CAPACITY;
    private int maxBatchRequests = DEFAULT_MAX_BATCH_REQUESTS;
    private long maxBatchBytes = DEFAULT_MAX_BATCH_BYTES;
    private long sweepIntervalMs = DEFAULT_SWEEP_INTERVAL_MS;
    private Clock clock = ShiftedClock.SERVER;
    private long queueLeaseMs = DEFAULT_QUEUE_LEASE_MS;
    private long watchDeletionLogBytes = DEFAULT_WATCH_DELETION_LOG_BYTES;
    private int maxReaders = DEFAULT_MAX_READERS;

    private Builder(Path dataDir) {
      this.dataDir = dataDir;
    }

    public Builder dataDir(Path v) {
      dataDir = v;
      return this;
    }

    public Builder mapSizeBytes(long v) {
      mapSizeBytes = v;
      return this;
    }

    public Builder syncMode(SyncMode v) {
      syncMode = v;
      return this;
    }

    public Builder writeQueueCapacity(int v) {
      writeQueueCapacity = v;
      return this;
    }

    public Builder maxBatchRequests(int v) {
      maxBatchRequests = v;
      return this;
    }

    public Builder maxBatchBytes(long v) {
      maxBatchBytes = v;
      return this;
    }

    public Builder sweepIntervalMs(long v) {
      sweepIntervalMs = v;
      return this;
    }

    public Builder clock(Clock v) {
      clock = v;
      return this;
    }

    public Builder queueLeaseMs(long v) {
      queueLeaseMs = v;
      return this;
    }

    public Builder watchDeletionLogBytes(long v) {
      watchDeletionLogBytes = v;
      return this;
    }

    public Builder maxReaders(int v) {
      maxReaders = v;
      return this;
    }

    public EngineOptions build() {
      return new EngineOptions(dataDir, mapSizeBytes, syncMode, writeQueueCapacity,
          maxBatchRequests, maxBatchBytes, sweepIntervalMs, clock, queueLeaseMs,
          watchDeletionLogBytes, maxReaders);
    }
  }
}
