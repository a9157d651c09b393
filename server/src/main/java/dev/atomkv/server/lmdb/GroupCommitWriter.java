package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.CommitClock;
import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.engine.watch.ChangeFeed;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.lmdbjava.Env;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The only code that opens LMDB write transactions. One thread drains the queue into batches; each
 * batch is one parent transaction, each job one child transaction, so a request that fails rolls
 * back alone while the batch pays for a single synced commit. What a job does is the job's own
 * ({@link WriterJob}); this class owns queueing, batching, the commit and what follows a failed one.
 */
final class GroupCommitWriter {
  private static final Logger LOG = LoggerFactory.getLogger(GroupCommitWriter.class);
  /** What a request is told when LMDB's map (the --map-size cap) has no room for it. */
  static final String DATABASE_FULL =
      "database is full (map size reached): the write was not applied";
  /** The answer to a job that cannot fit in the map even alone. */
  static KvException databaseFull() {
    return new KvException(ErrorKind.RESOURCE_EXHAUSTED, DATABASE_FULL);
  }

  private static final String OUTCOME_UNKNOWN =
      "storage failed while committing: commit outcome unknown, re-read before retrying";

  private final LmdbEnvironment environment;
  private final Clock clock;
  private final int capacity;
  private final int maxBatchRequests;
  private final long maxBatchBytes;
  private final ChangeFeed changeFeed;
  private final ExpirySweep sweep = new ExpirySweep();

  /**
   * Unbounded so that sweep and stop jobs always fit; {@link #submit} enforces the capacity for
   * client requests under {@link #lock}, which also orders submissions against {@link #stop}.
   */
  private final BlockingQueue<WriterJob> queue = new LinkedBlockingQueue<>();
  /**
   * Client requests in {@link #queue}: the capacity bounds these only, so a waiting sweep or queue
   * move never makes a client request look like overload.
   */
  private final AtomicInteger queuedRequests = new AtomicInteger();
  private final Object lock = new Object();
  private boolean stopping;
  /** Requests that overflowed the map or txn in a batch; each is retried as a batch of its own. */
  private final Deque<ClientRequest> retryAlone = new ArrayDeque<>();
  private final Thread thread;

  // Monitoring counters: written by the writer thread only, read by anyone.
  private final AtomicLong batches = new AtomicLong();
  private final AtomicLong batchedRequests = new AtomicLong();
  private final AtomicLong sweeps = new AtomicLong();
  private final AtomicLong sweptKeys = new AtomicLong();

  /** Only the writer thread touches it after construction. */
  private long lastCommitVersion;
  /** Whether the batch being run has committed: from then on a failure cannot mean "not written". */
  private boolean batchDurable;
  /** A replacement drained after the batch in hand: it runs once that batch is done. */
  private StoreReplacement replacement;

  GroupCommitWriter(LmdbEnvironment environment, Clock clock, long lastCommitVersion,
      int capacity, int maxBatchRequests, long maxBatchBytes, ChangeFeed changeFeed) {
    this.environment = environment;
    this.clock = clock;
    this.lastCommitVersion = lastCommitVersion;
    this.capacity = Math.max(1, capacity);
    // One position stays free for the expiry sweep that may share the batch.
    this.maxBatchRequests = Math.min(Math.max(1, maxBatchRequests), Versionstamp.MAX_POSITIONS - 1);
    this.maxBatchBytes = Math.max(1, maxBatchBytes);
    this.changeFeed = changeFeed;
    this.thread = new Thread(this::run, "atomkv-writer");
    thread.setDaemon(true);
  }

  void start() {
    thread.start();
  }

  CompletableFuture<CommitResult> submit(AtomicWrite write) {
    ClientRequest request = new ClientRequest(write);
    KvException refused = null;
    synchronized (lock) {
      if (stopping) {
        // Never queued, so never applied: the client may safely retry elsewhere or later.
        refused = new KvException(ErrorKind.NOT_APPLIED, "server is shutting down");
      } else if (queuedRequests.get() >= capacity) {
        refused = new KvException(ErrorKind.NOT_APPLIED, "writer queue full");
      } else {
        queuedRequests.incrementAndGet();
        queue.add(request);
      }
    }
    if (refused != null) {
      request.fail(refused);
    }
    return request.future();
  }

  /**
   * Queues an engine-internal write. It is not bounded by the queue capacity (the engine bounds
   * how many it has outstanding); refused with NOT_APPLIED once the writer is stopping.
   */
  <T> CompletableFuture<T> submit(WriterTask<T> body) {
    InternalWrite<T> write = new InternalWrite<>(body);
    boolean refused;
    synchronized (lock) {
      refused = stopping;
      if (!refused) {
        queue.add(write);
      }
    }
    if (refused) {
      write.fail(new KvException(ErrorKind.NOT_APPLIED, "server is shutting down"));
    }
    return write.future();
  }

  /**
   * Queues a replicated log entry (a write or a sweep), or the jobs of one entry of several
   * requests, next to each other. Not bounded by the queue capacity: the log is applied in order
   * and cannot skip an entry; refused with NOT_APPLIED once the writer is stopping.
   */
  void submitReplicated(WriterJob entry) {
    submitReplicated(List.of(entry));
  }

  void submitReplicated(List<? extends WriterJob> entry) {
    boolean refused;
    synchronized (lock) {
      refused = stopping;
      if (!refused) {
        queue.addAll(entry);
      }
    }
    if (refused) {
      entry.forEach(job -> job.fail(new KvException(ErrorKind.NOT_APPLIED,
          "server is shutting down")));
    }
  }

  /**
   * Queues the replacement of the whole store by the copy in {@code copyDir}; it runs after the
   * jobs queued before it, alone. The future completes once the copy is the store.
   */
  CompletableFuture<Void> replaceStore(Path copyDir) {
    StoreReplacement replacement = new StoreReplacement(copyDir);
    submitReplicated(replacement);
    return replacement.future();
  }

  /** Jobs waiting for the writer thread (requests, sweeps and internal writes). */
  long queueDepth() {
    return queue.size();
  }

  long batches() {
    return batches.get();
  }

  /** Client requests committed (ok=true). */
  long batchedRequests() {
    return batchedRequests.get();
  }

  /** Sweeps that found due keys and committed. */
  long sweeps() {
    return sweeps.get();
  }

  long sweptKeys() {
    return sweptKeys.get();
  }

  /** Queues a sweep unless one is already waiting. */
  void requestSweep() {
    if (!sweep.claim()) {
      return;
    }
    synchronized (lock) {
      if (stopping) {
        sweep.unclaim();
        return;
      }
      queue.add(sweep);
    }
  }

  /** Refuses new requests, lets the writer finish every queued one, and waits for it to exit. */
  void stop() {
    synchronized (lock) {
      if (!stopping) {
        stopping = true;
        queue.add(WriterJob.Stop.INSTANCE);
      }
    }
    boolean interrupted = false;
    while (thread.isAlive()) {
      try {
        thread.join();
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }

  private void run() {
    boolean stop = false;
    while (!stop || !retryAlone.isEmpty()) {
      List<WriterJob> batch = new ArrayList<>();
      boolean alone = false;
      try {
        if (replacement != null) {
          StoreReplacement r = replacement;
          replacement = null;
          replace(r);
          continue;
        }
        if (!retryAlone.isEmpty()) {
          batch.add(retryAlone.poll());
          alone = true;
        } else {
          stop = drainBatch(batch);
        }
        if (!batch.isEmpty()) {
          runBatch(batch, alone);
        }
      } catch (InterruptedException e) {
        // Nobody interrupts the writer on purpose; keep serving until the Stop job arrives.
        LOG.warn("writer interrupted; ignoring");
      } catch (Throwable t) {
        LOG.error("writer batch failed; failing its requests: jobs={}", batch.size(), t);
        // Once the parent has committed the batch is durable: an error that reads as "not
        // written" would make clients act on a falsehood, so the outcome is reported as unknown
        // (the client re-reads). Requests already answered keep their answer.
        failAll(batch, batchDurable
            ? KvException.outcomeUnknown(null)
            : new KvException(ErrorKind.INTERNAL, "internal storage error"));
      }
    }
  }

  /** Fills {@code batch} with what is waiting; returns whether the Stop job was reached. */
  private boolean drainBatch(List<WriterJob> batch) throws InterruptedException {
    long bytes = 0;
    WriterJob job = queue.take();
    while (true) {
      if (job.isClientRequest()) {
        queuedRequests.decrementAndGet();
      }
      if (job == WriterJob.Stop.INSTANCE) {
        return true;
      }
      if (job instanceof StoreReplacement r) {
        replacement = r;
        return false;
      }
      if (job.admit()) {
        batch.add(job);
        bytes += job.bytes();
      }
      if (!job.keepsWithNext() && (batch.size() >= maxBatchRequests || bytes >= maxBatchBytes)) {
        return false;
      }
      // The rest of a log entry is being queued right now (under the lock): wait for it.
      job = job.keepsWithNext() ? queue.take() : queue.poll();
      if (job == null) {
        return false;
      }
    }
  }

  private void runBatch(List<WriterJob> jobs, boolean alone) {
    batchDurable = false;
    if (environment.broken() && !reopen()) {
      failAll(jobs, new KvException(ErrorKind.UNAVAILABLE,
          "storage failed and could not be reopened: the write was not applied"));
      return;
    }
    Batch batch = new Batch(environment.store(), lastCommitVersion,
        CommitClock.micros(clock.instant()),
        clock.millis(), alone);
    RuntimeException commitFailure = null;
    boolean logEntryDidNotFit = false;
    try (Txn<byte[]> parent = environment.txnWrite()) {
      for (WriterJob job : jobs) {
        try (Txn<byte[]> child = environment.txnChild(parent)) {
          job.run(child, batch);
        } catch (Env.MapFullException | Txn.TxFullException e) {
          // The child is already aborted; the parent carries on without it, unless the job
          // cannot be skipped: a replica keeps no part of a log entry, and its store stays at the
          // last batch, which the log replays from once there is room.
          if (!job.didNotFit(batch)) {
            logEntryDidNotFit = true;
            break;
          }
        }
      }
      if (logEntryDidNotFit) {
        LOG.error("a replicated log entry does not fit in the database (map size reached): "
            + "this member stops applying the log; restart it with a larger --map-size");
      } else if (batch.changed()) {
        try {
          if (batch.stamped()) {
            environment.store().setLastCommitVersion(parent, batch.version());
          }
          if (batch.appliedPosition() != null) {
            environment.store().setLastApplied(parent, batch.appliedPosition());
          }
          if (!batch.proposals().isEmpty()) {
            environment.store().proposals.record(parent, batch.proposals());
          }
          FailurePoints.reach(FailurePoints.Point.BEFORE_COMMIT);
          parent.commit();
          batchDurable = true;
        } catch (RuntimeException e) {
          commitFailure = e; // handled once the parent is closed
        }
      }
      // Without changes the parent is simply aborted on close: no sync for a batch of refusals.
    }
    if (logEntryDidNotFit) {
      failAll(jobs, databaseFull()); // the parent was aborted on close: nothing of it landed
      return;
    }
    if (commitFailure != null) {
      failAfterCommitFailure(jobs, batch, commitFailure);
      return;
    }
    if (batch.stamped()) {
      lastCommitVersion = batch.version();
      changeFeed.publish(batch.firstVersion(), batch.changes());
    }
    if (batch.changed()) {
      batches.incrementAndGet();
      batchedRequests.addAndGet(batch.committedRequests());
      if (batch.sweptKeys() >= 0) {
        sweeps.incrementAndGet();
        sweptKeys.addAndGet(batch.sweptKeys());
      }
    }
    retryAlone.addAll(batch.retries());
    if (batch.changed()) {
      FailurePoints.reach(FailurePoints.Point.AFTER_COMMIT_BEFORE_ACK);
    }
    batch.answers().forEach(Runnable::run);
    if (batch.sweepAgain()) {
      requestSweep();
    }
  }

  /**
   * The parent commit failed. Usually LMDB rolled it back (a data page write failed: disk full,
   * I/O error) and nothing of the batch was written. If the meta page write failed, the env is in
   * MDB_PANIC: it is reopened, and the reopened store tells whether the batch became the last
   * commit anyway; if it did, it cannot be called durable, so its outcome is reported unknown.
   * Answers computed against the batch's own writes may not hold: every request fails.
   */
  private void failAfterCommitFailure(List<WriterJob> jobs, Batch batch,
      RuntimeException failure) {
    if (!environment.panicked()) {
      LOG.error("batch commit failed; its requests were not applied: jobs={}", jobs.size(),
          failure);
      failAll(jobs, new KvException(ErrorKind.RESOURCE_EXHAUSTED,
          failure instanceof Env.MapFullException ? DATABASE_FULL
              : "storage is full or failing: the write was not applied"));
      return;
    }
    LOG.error("batch commit failed and left the LMDB environment in MDB_PANIC; reopening it: "
        + "jobs={}", jobs.size(), failure);
    if (!reopen()) {
      failAll(jobs, new KvException(ErrorKind.UNAVAILABLE, OUTCOME_UNKNOWN));
      return;
    }
    if (batch.stamped() && lastCommitVersion >= batch.version()) {
      changeFeed.publish(batch.firstVersion(), batch.changes());
      failAll(jobs, new KvException(ErrorKind.UNAVAILABLE, OUTCOME_UNKNOWN));
    } else {
      failAll(jobs, new KvException(ErrorKind.RESOURCE_EXHAUSTED,
          "storage failed while committing: the write was not applied"));
    }
  }

  /**
   * Reopens the environment and carries on from the store's last commit version, so that
   * versionstamps keep increasing whether or not a failed batch landed. False if it failed.
   */
  private boolean reopen() {
    if (!environment.reopen()) {
      return false;
    }
    lastCommitVersion = Math.max(lastCommitVersion,
        environment.read(environment.store()::lastCommitVersion));
    return true;
  }

  /**
   * Swaps the store and carries on from the copy's last commit version (the version every member
   * had at the copy's log position), so the next entry is stamped as on every other member.
   * Watches re-read their keys: the copy may have changed any of them.
   */
  private void replace(StoreReplacement r) {
    try {
      environment.replace(r.copyDir());
      lastCommitVersion = environment.read(environment.store()::lastCommitVersion);
      changeFeed.storeReplaced(lastCommitVersion);
      r.future().complete(null);
    } catch (RuntimeException e) {
      LOG.error("replacing the store with a copy failed: copy={}", r.copyDir(), e);
      r.future().completeExceptionally(e);
    }
  }

  private static void failAll(List<WriterJob> jobs, KvException e) {
    for (WriterJob job : jobs) {
      job.fail(e);
    }
  }

}
