package dev.atomkv.server.engine;

import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.TenantKeys;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.ToLongFunction;

/**
 * The storage engine behind every edge. Keys are encoded bytes (model.KeyCodec); entries whose
 * expiry time has passed are invisible to every method. Reads never wait for writes.
 */
public interface KvEngine extends AutoCloseable {

  /**
   * Reads the keys from one snapshot.
   *
   * @return one element per key, in order; null where the key is missing or expired
   */
  List<StoredEntry> get(List<byte[]> keys);

  /**
   * Reads live entries with start &lt;= key &lt; end from one snapshot, ascending or (reverse)
   * descending, stopping after {@code limit} entries or before the sizes reported by
   * {@code sizer} would add up past {@code maxBytes} (at least one entry is returned when any
   * exists). Looks one entry ahead so that {@link ListPage#more()} is exact.
   */
  ListPage list(byte[] start, byte[] end, boolean reverse, int limit, long maxBytes,
      ToLongFunction<StoredEntry> sizer);

  /**
   * Reads every range from one snapshot, as {@link #list} reads one; {@code maxBytes} is shared by
   * all of them, in order (each page still gets at least one entry when any exists).
   *
   * @return one page per range, in order
   */
  List<ListPage> listRanges(List<RangeRead> ranges, long maxBytes,
      ToLongFunction<StoredEntry> sizer);

  /**
   * Queues a validated request for the single writer. The future completes after the batch holding
   * the request is durably committed (or with ok=false when a check failed), and fails with a
   * {@link dev.atomkv.server.model.KvException}: FAILED_PRECONDITION when a mutation met a value of
   * another kind (nothing of the request written), NOT_APPLIED when refused before evaluation
   * (queue full, deadline passed, engine closing), RESOURCE_EXHAUSTED when storage is full, UNAVAILABLE when the
   * engine is closing.
   */
  CompletableFuture<CommitResult> commit(AtomicWrite write);

  /**
   * Registers a listener of {@code tenant}'s queue (each tenant has a queue of its own). Every
   * message of the tenant's that is ready (AtomicWrite enqueues, once their delay has passed)
   * goes to exactly one of the tenant's listeners with room, under a lease, until the listener
   * settles it with {@link #ack} or the lease expires; a listener holds at most
   * {@code maxInFlight} unsettled messages. Fails with UNAVAILABLE once the engine is stopping.
   */
  QueueSubscription listen(String tenant, int maxInFlight, QueueSink sink);

  /** A listener of the default tenant's queue. */
  default QueueSubscription listen(int maxInFlight, QueueSink sink) {
    return listen(TenantKeys.DEFAULT, maxInFlight, sink);
  }

  /**
   * Settles a delivery. Success removes the message; failure (as the end of the lease does)
   * makes it ready again after the next interval of its backoff schedule, or, when none is left,
   * writes its payload to each of its undelivered keys in a commit of its own and drops it. The
   * future completes once that is durably committed; it fails with FAILED_PRECONDITION when the
   * lease has already ended, or is another tenant's than {@code tenant}.
   */
  CompletableFuture<Void> ack(String tenant, String leaseId, boolean success);

  /** Settles a delivery of the default tenant's queue. */
  default CompletableFuture<Void> ack(String leaseId, boolean success) {
    return ack(TenantKeys.DEFAULT, leaseId, success);
  }

  /**
   * Drops every message of {@code tenant}'s queue, waiting or in flight, once the tenant is
   * deleted, so that a tenant made later under its name starts with an empty queue. Completes
   * with how many there were once that is durably committed.
   */
  default CompletableFuture<Integer> dropTenantQueue(String tenant) {
    return CompletableFuture.failedFuture(new KvException(ErrorKind.FAILED_PRECONDITION,
        "this engine keeps no tenant's queue"));
  }

  /**
   * Ends every queue listener ({@link QueueSink#end} with UNAVAILABLE) and stops delivering,
   * leaving the messages they hold in flight: they are delivered again after a restart. Called
   * when the server begins to shut down, so that open listeners do not hold up a graceful stop;
   * {@link #close()} does it too. Idempotent.
   */
  void stopQueueDelivery();

  /**
   * Watches a few keys for changes of their versionstamps: writes, deletions and expiry. The watch
   * is registered before this returns; the owner calls {@link KeyWatch#poll()} once to get the first
   * state, then again whenever {@code listener} fires (and whenever it is ready to send again:
   * changes coalesce while it does not poll). No thread is held per watch.
   *
   * <p>With {@code after} (a versionstamp the caller saw earlier, typically from the last update
   * it received), the first poll returns null unless some key provably or possibly changed after
   * {@code after}: it was written after it, or deleted after it (deletions are remembered in a
   * bounded log; a resume older than what the log remembers, or from before the engine opened,
   * counts every missing key as possibly changed), or {@code after} is newer than any commit of
   * this store.
   *
   * @param keys encoded keys (the edge enforces how many); duplicates are allowed
   * @param after resume point, or null for a fresh watch whose first poll returns every key
   * @throws dev.atomkv.server.model.KvException UNAVAILABLE when the engine is closing
   */
  KeyWatch watch(List<byte[]> keys, Versionstamp after, WatchListener listener);

  /**
   * Writes a compacted, consistent copy of the whole store into {@code directory} (created if
   * missing; it must be empty), while reads and commits carry on. The copy is one snapshot: it
   * holds every commit up to {@link BackupResult#lastCommitVersion()} and nothing after it. It is a
   * complete data directory: opening an engine on it restores the store. Fails with
   * INVALID_ARGUMENT when the directory is not empty or not a directory, INTERNAL when the copy
   * cannot be written, UNAVAILABLE when the engine is closing.
   */
  BackupResult backup(Path directory);

  /**
   * The random id the store was given when it was created. It is kept in the store itself, so it
   * survives restarts and travels with a backup; KV Connect clients see it as the database id.
   */
  UUID databaseId();

  /**
   * Sizes and counters for monitoring; cheap enough to call on every metrics scrape (no table
   * scans). Fails with UNAVAILABLE once the engine is closed.
   */
  EngineStats stats();

  /**
   * What {@code tenant} stores now, in this member's own store: exact, kept by every write (no
   * scan). {@link dev.atomkv.server.model.tenant.Usage#NONE} for a tenant that stores nothing.
   */
  dev.atomkv.server.model.tenant.Usage usage(String tenant);

  /**
   * The queue's messages split into ready, delayed and in flight at {@code nowMs}, from this
   * member's own store. Telling ready from delayed walks the due messages, so at most
   * {@code maxReadyCounted} of them are counted ({@link QueueCounts#exact()} says whether the
   * bound was reached). Fails with UNAVAILABLE once the engine is closed.
   */
  QueueCounts queueCounts(long nowMs, int maxReadyCounted);

  /**
   * The last queue messages given up on in this member's store (each member applies the same
   * log, so each records the same ones), kept in memory: empty after a restart.
   */
  DeadLetterLog deadLetters();

  /**
   * This engine as seen by reads that may lag a little behind the latest commit (Deno's
   * {@code consistency: "eventual"}): a cluster member then answers from its own store without
   * asking the leader first. A single node has one store and one answer: it returns itself.
   */
  default KvEngine eventualReads() {
    return this;
  }

  /** This member's view of its cluster; null on a single node. */
  default ClusterStatus clusterStatus() {
    return null;
  }

  /** Operations on this member's cluster; null on a single node. */
  default ClusterControl cluster() {
    return null;
  }

  /** Stops accepting commits, finishes those queued, and releases the storage. */
  @Override
  void close();
}
