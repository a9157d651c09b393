package dev.atomkv.server.engine;

/**
 * A point-in-time view of the engine for monitoring. Counters are cumulative since the engine was
 * opened; gauges are read when {@link KvEngine#stats()} is called.
 *
 * @param mapSizeBytes the configured map size: the most the database may grow to
 * @param mapUsedBytes bytes of the map in use: (last page number + 1) × page size. LMDB reuses
 *     freed pages before growing, so this is a high-water mark, not the size of the live data
 * @param keys entries of the data table. Approximate: it counts expired keys not yet swept, and a
 *     key longer than 500 encoded bytes adds one internal entry per further 500 bytes (plus one
 *     counter entry once any long key has been written)
 * @param writerQueueDepth jobs (requests and expiry sweeps) waiting for the writer thread
 * @param batches LMDB write transactions the writer committed
 * @param batchedRequests client requests committed in those transactions (ok=true); the mean batch
 *     size is {@code batchedRequests / batches} (sweep-only batches count too)
 * @param sweeps expiry sweeps that found due keys and committed
 * @param sweptKeys expired keys those sweeps deleted
 * @param queueWaiting queue messages waiting for delivery (delayed, or due and not yet taken)
 * @param queueInFlight queue messages delivered to a listener and not yet settled
 */
public record EngineStats(
    long mapSizeBytes,
    long mapUsedBytes,
    long keys,
    long writerQueueDepth,
    long batches,
    long batchedRequests,
    long sweeps,
    long sweptKeys,
    long queueWaiting,
    long queueInFlight) {

  /** Bytes the database may still grow by. */
  public long mapFreeBytes() {
    return Math.max(0, mapSizeBytes - mapUsedBytes);
  }
}
