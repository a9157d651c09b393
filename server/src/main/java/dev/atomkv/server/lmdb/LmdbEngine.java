package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.DeadLetterLog;
import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.EngineStats;
import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.engine.QueueCounts;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.QueueOutcome;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueState;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.engine.RangeRead;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.watch.ChangeFeed;
import dev.atomkv.server.engine.watch.KeysSnapshot;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.Usage;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KvEngine} on LMDB. Reads run on the caller's thread in their own read transaction; every
 * write goes through one {@link GroupCommitWriter} thread; a daemon thread queues an expiry sweep
 * every {@link EngineOptions#sweepIntervalMs()}.
 */
public final class LmdbEngine implements ReplicaStore {
  private static final Logger LOG = LoggerFactory.getLogger(LmdbEngine.class);

  private final LmdbEnvironment environment;
  private final Store store;
  private final Clock clock;
  private final UUID databaseId;
  private final Path dataDir;
  private final GroupCommitWriter writer;
  private final ChangeFeed changes;
  private final ScheduledExecutorService sweeper;
  private final QueueDispatcher queue;
  private final QueueWrites queueWrites;
  private final DeadLetterLog deadLetters = new DeadLetterLog();
  /** Guarded by this: a second close waits for the first to finish. */
  private boolean closed;

  private LmdbEngine(LmdbEnvironment environment, EngineOptions options) {
    this.environment = environment;
    this.store = environment.store();
    this.clock = options.clock();
    this.dataDir = options.dataDir();
    byte[] newId = new byte[16];
    new SecureRandom().nextBytes(newId);
    LmdbEnvironment.Opened opened = environment.initialize(newId);
    ByteBuffer idBytes = ByteBuffer.wrap(opened.databaseId());
    this.databaseId = new UUID(idBytes.getLong(), idBytes.getLong());
    this.changes = new ChangeFeed(this::readForWatch, opened.lastCommitVersion(),
        options.watchDeletionLogBytes());
    this.writer = new GroupCommitWriter(environment, clock, opened.lastCommitVersion(),
        options.writeQueueCapacity(), options.maxBatchRequests(), options.maxBatchBytes(),
        changes);
    // One record of dead letters, whichever path (this node's dispatcher, or a cluster's
    // replicated leases) gives a message up.
    this.queueWrites = new QueueWrites(store, deadLetters);
    this.queue = new QueueDispatcher(writer, store, queueWrites, environment::read, clock,
        options.queueLeaseMs());
    this.sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "atomkv-sweeper");
      t.setDaemon(true);
      return t;
    });
  }

  /** Opens (creating if needed) the store in {@link EngineOptions#dataDir()} and starts writing. */
  public static LmdbEngine open(EngineOptions options) {
    return open(options, false);
  }

  /**
   * Opens the store of a cluster member: it is written by applying log entries only, so it runs
   * no expiry sweep and no queue delivery of its own (those are decisions for the whole cluster).
   */
  public static ReplicaStore openReplica(EngineOptions options) {
    return open(options, true);
  }

  private static LmdbEngine open(EngineOptions options, boolean replica) {
    String armed = FailurePoints.describeArmed();
    if (!armed.isEmpty()) {
      LOG.warn("failure points armed (test use only): {}", armed);
    }
    LmdbEnvironment environment = LmdbEnvironment.open(options);
    LmdbEngine engine;
    try {
      engine = new LmdbEngine(environment, options);
    } catch (RuntimeException e) {
      environment.close();
      throw e;
    }
    try {
      engine.writer.start();
      if (!replica) {
        engine.queue.start();
        long interval = Math.max(1, options.sweepIntervalMs());
        engine.sweeper.scheduleWithFixedDelay(
            engine.writer::requestSweep, interval, interval, TimeUnit.MILLISECONDS);
      }
    } catch (RuntimeException | Error e) {
      engine.close();
      throw e;
    }
    LOG.info("opened LMDB store: dir={} databaseId={} sync={}", options.dataDir(),
        engine.databaseId, options.syncMode());
    return engine;
  }

  @Override
  public UUID databaseId() {
    return databaseId;
  }

  @Override
  public List<StoredEntry> get(List<byte[]> keys) {
    long nowMs = clock.millis();
    return read(txn -> {
      List<StoredEntry> entries = new ArrayList<>(keys.size());
      for (byte[] key : keys) {
        entries.add(store.live(txn, key, nowMs));
      }
      return entries;
    });
  }

  @Override
  public ListPage list(byte[] start, byte[] end, boolean reverse, int limit, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    return listRanges(List.of(new RangeRead(start, end, reverse, limit)), maxBytes, sizer).get(0);
  }

  @Override
  public List<ListPage> listRanges(List<RangeRead> ranges, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    long nowMs = clock.millis();
    return read(txn -> {
      List<ListPage> pages = new ArrayList<>(ranges.size());
      long[] budget = {maxBytes};
      for (RangeRead range : ranges) {
        pages.add(scan(txn, range, nowMs, budget, sizer));
      }
      return pages;
    });
  }

  /** One range; {@code budget[0]} is the bytes left, and is reduced by what the page takes. */
  private ListPage scan(Txn<byte[]> txn, RangeRead range, long nowMs, long[] budget,
      ToLongFunction<StoredEntry> sizer) {
    byte[] start = range.start();
    byte[] end = range.end();
    boolean reverse = range.reverse();
    if (Arrays.compareUnsigned(start, end) >= 0) {
      return new ListPage(List.of(), false);
    }
    List<StoredEntry> entries = new ArrayList<>();
    try (TableCursor c = store.data.cursor(txn)) {
      for (boolean on = reverse ? c.seekLT(end) : c.seekGE(start); on;
          on = reverse ? c.prev() : c.next()) {
        byte[] key = c.key();
        if (reverse ? Arrays.compareUnsigned(key, start) < 0
            : Arrays.compareUnsigned(key, end) >= 0) {
          break;
        }
        byte[] record = c.value();
        if (!Store.isLive(Store.expiresAt(record), nowMs)) {
          continue;
        }
        // Reaching a live entry that does not fit is the look-ahead: there is more.
        if (entries.size() >= range.limit()) {
          return new ListPage(entries, true);
        }
        StoredEntry entry = Store.decode(key, record);
        long size = sizer.applyAsLong(entry);
        if (!entries.isEmpty() && size > budget[0]) {
          return new ListPage(entries, true);
        }
        entries.add(entry);
        budget[0] -= size;
      }
    }
    return new ListPage(entries, false);
  }

  @Override
  public CompletableFuture<CommitResult> commit(AtomicWrite write) {
    CompletableFuture<CommitResult> result = writer.submit(write);
    if (!write.enqueues().isEmpty()) {
      result.thenRun(queue::enqueued);
    }
    return result;
  }

  @Override
  public LogPosition lastApplied() {
    return read(store::lastApplied);
  }

  @Override
  public List<CompletableFuture<CommitResult>> applyAll(ProposalId proposal,
      List<AtomicWrite> writes, long entryTimeMicros, LogPosition position) {
    ReplicatedEntry.Proposal entry =
        new ReplicatedEntry.Proposal(proposal, entryTimeMicros, writes.size());
    List<WriterJob> jobs = new ArrayList<>(writes.size());
    List<CompletableFuture<CommitResult>> futures = new ArrayList<>(writes.size());
    for (int i = 0; i < writes.size(); i++) {
      ReplicatedEntry job = new ReplicatedEntry(entry, i, writes.get(i), position);
      jobs.add(job);
      futures.add(job.future());
    }
    writer.submitReplicated(jobs);
    return futures;
  }

  @Override
  public CompletableFuture<Integer> sweep(long entryTimeMicros, LogPosition position) {
    ReplicatedSweep sweep = new ReplicatedSweep(entryTimeMicros, position);
    writer.submitReplicated(sweep);
    return sweep.future();
  }

  @Override
  public LogPosition syncApplied() {
    LogPosition applied = lastApplied();
    environment.sync();
    return applied;
  }

  @Override
  public LogPosition copyTo(Path directory) {
    environment.copyCompact(directory.toFile());
    return appliedIn(directory);
  }

  @Override
  public LogPosition appliedIn(Path directory) {
    return Store.lastAppliedIn(directory.toFile());
  }

  @Override
  public CompletableFuture<Void> replaceWith(Path directory) {
    return writer.replaceStore(directory);
  }

  @Override
  public Path dataDir() {
    return dataDir;
  }

  @Override
  public boolean hasExpired(long nowMs) {
    return read(txn -> store.hasExpired(txn, nowMs));
  }

  @Override
  public CompletableFuture<List<QueueDelivery>> leaseQueued(String tenant, int max, long leaseMs,
      long entryTimeMicros, LogPosition position) {
    return replicated(queueWrites.leaseDue(tenant, max, position.index(), leaseMs),
        entryTimeMicros, position).thenApply(l -> l.stream().map(QueuedMessage::delivery).toList());
  }

  @Override
  public CompletableFuture<Boolean> settleLease(String tenant, String leaseId,
      QueueOutcome outcome, long entryMicros, LogPosition position) {
    return replicated(queueWrites.settleLease(tenant, leaseId, outcome), entryMicros, position);
  }

  @Override
  public CompletableFuture<List<String>> expireLeases(long entryTimeMicros,
      LogPosition position) {
    return replicated(queueWrites.expireLeases(), entryTimeMicros, position);
  }

  @Override
  public CompletableFuture<Integer> requeueLeases(long entryTimeMicros, LogPosition position) {
    return replicated(queueWrites.requeueInflight(), entryTimeMicros, position);
  }

  private <T> CompletableFuture<T> replicated(WriterTask<T> task, long entryTimeMicros,
      LogPosition position) {
    ReplicatedTask<T> job = new ReplicatedTask<>(task, entryTimeMicros, position);
    writer.submitReplicated(job);
    return job.future();
  }

  @Override
  public QueueState queueState() {
    long[] next = read(store.queues::nextReadyAndLeaseExpiry);
    return new QueueState(next[0], next[1]);
  }

  @Override
  public CompletableFuture<Integer> dropTenantQueue(String tenant) {
    return writer.submit(queueWrites.dropTenantQueue(tenant))
        .whenComplete((n, failure) -> queue.endTenant(tenant));
  }

  @Override
  public CompletableFuture<Integer> dropTenantQueue(String tenant, long entryMicros,
      LogPosition position) {
    return replicated(queueWrites.dropTenantQueue(tenant), entryMicros, position);
  }

  @Override
  public long nextReadyAtMs(String tenant) {
    return read(txn -> store.queues.nextReadyAtMs(txn, tenant));
  }

  @Override
  public QueueSubscription listen(String tenant, int maxInFlight, QueueSink sink) {
    return queue.listen(tenant, maxInFlight, sink);
  }

  @Override
  public CompletableFuture<Void> ack(String tenant, String leaseId, boolean success) {
    return queue.ack(tenant, leaseId, success);
  }

  @Override
  public void stopQueueDelivery() {
    queue.stop();
  }

  @Override
  public KeyWatch watch(List<byte[]> keys, Versionstamp after, WatchListener listener) {
    return changes.watch(keys, after, listener);
  }

  private KeysSnapshot readForWatch(List<byte[]> keys) {
    long nowMs = clock.millis();
    return read(txn -> {
      List<StoredEntry> live = new ArrayList<>(keys.size());
      List<Versionstamp> written = new ArrayList<>(keys.size());
      for (byte[] key : keys) {
        byte[] record = store.data.get(txn, key);
        StoredEntry entry = record == null ? null : Store.decode(key, record);
        written.add(entry == null ? null : entry.versionstamp());
        live.add(entry != null && Store.isLive(entry.expiresAtMs(), nowMs) ? entry : null);
      }
      return new KeysSnapshot(live, written, store.lastCommitVersion(txn));
    });
  }

  @Override
  public Usage usage(String tenant) {
    return read(txn -> store.usage.get(txn, tenant));
  }

  @Override
  public EngineStats stats() {
    long[] mapAndUsed = environment.mapAndUsedBytes();
    return read(txn -> {
      return new EngineStats(mapAndUsed[0], mapAndUsed[1],
          store.data.rawEntries(txn), writer.queueDepth(), writer.batches(),
          writer.batchedRequests(), writer.sweeps(), writer.sweptKeys(),
          store.queues.waitingEntries(txn), store.queues.inFlightEntries(txn));
    });
  }

  @Override
  public DeadLetterLog deadLetters() {
    return deadLetters;
  }

  @Override
  public QueueCounts queueCounts(long nowMs, int maxReadyCounted) {
    return read(txn -> store.queues.counts(txn, nowMs, maxReadyCounted));
  }

  /**
   * Refuses new commits (UNAVAILABLE), commits everything already queued, then releases the
   * store. Reads that arrive afterwards fail with UNAVAILABLE. Idempotent.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    queue.stop();
    writer.stop();
    sweeper.shutdownNow();
    // After the writer: the last commits are published before watchers hear of the close.
    changes.close();
    environment.close();
    LOG.info("closed LMDB store");
  }

  @Override
  public BackupResult backup(Path directory) {
    return StoreBackup.write(environment, directory);
  }

  /** Runs {@code body} in a fresh read transaction; everything it returns must be copied out. */
  private <T> T read(Function<Txn<byte[]>, T> body) {
    return environment.read(body);
  }

  // ---- for tests -------------------------------------------------------------------------------

  long dataEntries() {
    return read(txn -> Store.count(txn, store.data));
  }

  long expiryEntries() {
    return read(txn -> Store.count(txn, store.expiry));
  }

  /** Queue messages waiting, and in flight, counted by a scan (the stats read LMDB's counts). */
  long[] queueEntries() {
    return read(txn -> new long[] {Store.count(txn, store.queues.queue),
        Store.count(txn, store.queues.inflight)});
  }
}
