package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.watch.ChangeFeed;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.Check;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Enqueue;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.ValueKind;
import dev.atomkv.server.model.Versionstamp;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.lmdbjava.Env;
import org.lmdbjava.LmdbNativeException;
import org.lmdbjava.Txn;

/**
 * The only code that opens LMDB write transactions. One thread drains the queue into batches; each
 * batch is one parent transaction, each request one child transaction, so a request that fails
 * rolls back alone while the batch pays for a single synced commit.
 */
final class GroupCommitWriter {
  private static final Logger LOG = System.getLogger(GroupCommitWriter.class.getName());
  /** Expired keys one sweep job deletes at most, so that a sweep never makes a batch huge. */
  static final int SWEEP_MAX_KEYS = 10_000;
  /** What a request is told when LMDB's map (the --map-size cap) has no room for it. */
  static final String DATABASE_FULL =
      "database is full (map size reached): the write was not applied";
  /** Rough per-mutation cost (record header, expiry entry, page overhead) for batch sizing. */
  private static final long MUTATION_OVERHEAD = 64;

  private sealed interface Job permits Request, Sweep, Task, Stop {}

  private record Request(AtomicWrite write, CompletableFuture<CommitResult> future, long bytes)
      implements Job {}

  /** A write of the engine's own (queue moves), run in a child transaction like a request. */
  private record Task(WriterTask<?> body, CompletableFuture<Object> future) implements Job {}

  private record Sweep() implements Job {}

  private record Stop() implements Job {}

  private static final Sweep SWEEP = new Sweep();

  /** Replaced when a failed commit left it in MDB_PANIC; writer thread only. */
  private Env<byte[]> env;
  private final Store store;
  /** Closes an env in MDB_PANIC and opens the store again (rebinding {@link #store}). */
  private final Supplier<Env<byte[]>> reopen;
  /** The env was closed for a reopen that failed: every batch tries again first. */
  private boolean broken;
  private final Clock clock;
  private final int capacity;
  private final int maxBatchRequests;
  private final long maxBatchBytes;
  private final ChangeFeed changeFeed;

  /**
   * Unbounded so that sweep and stop jobs always fit; {@link #submit} enforces the capacity for
   * client requests under {@link #lock}, which also orders submissions against {@link #stop}.
   */
  private final BlockingQueue<Job> queue = new LinkedBlockingQueue<>();
  /**
   * Client requests in {@link #queue}: the capacity bounds these only, so a waiting sweep or queue
   * move never makes a client request look like overload.
   */
  private final AtomicInteger queuedRequests = new AtomicInteger();
  private final Object lock = new Object();
  private boolean stopping;
  private final AtomicBoolean sweepQueued = new AtomicBoolean();
  /** Requests that overflowed the map or txn in a batch; each is retried as a batch of its own. */
  private final Deque<Request> retryAlone = new ArrayDeque<>();
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

  GroupCommitWriter(Env<byte[]> env, Store store, Clock clock, long lastCommitVersion,
      int capacity, int maxBatchRequests, long maxBatchBytes, ChangeFeed changeFeed,
      Supplier<Env<byte[]>> reopen) {
    this.env = env;
    this.reopen = reopen;
    this.store = store;
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
    CompletableFuture<CommitResult> future = new CompletableFuture<>();
    KvException refused = null;
    synchronized (lock) {
      if (stopping) {
        // Never queued, so never applied: the client may safely retry elsewhere or later.
        refused = new KvException(ErrorKind.NOT_APPLIED, "server is shutting down");
      } else if (queuedRequests.get() >= capacity) {
        refused = new KvException(ErrorKind.NOT_APPLIED, "writer queue full");
      } else {
        queuedRequests.incrementAndGet();
        queue.add(new Request(write, future, approximateBytes(write)));
      }
    }
    if (refused != null) {
      future.completeExceptionally(refused);
    }
    return future;
  }

  /**
   * Queues an engine-internal write. It is not bounded by the queue capacity (the engine bounds
   * how many it has outstanding); refused with NOT_APPLIED once the writer is stopping.
   */
  @SuppressWarnings("unchecked")
  <T> CompletableFuture<T> submit(WriterTask<T> body) {
    CompletableFuture<Object> future = new CompletableFuture<>();
    boolean refused;
    synchronized (lock) {
      refused = stopping;
      if (!refused) {
        queue.add(new Task(body, future));
      }
    }
    if (refused) {
      future.completeExceptionally(
          new KvException(ErrorKind.NOT_APPLIED, "server is shutting down"));
    }
    return (CompletableFuture<T>) future;
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
    if (!sweepQueued.compareAndSet(false, true)) {
      return;
    }
    synchronized (lock) {
      if (stopping) {
        sweepQueued.set(false);
        return;
      }
      queue.add(SWEEP);
    }
  }

  /** Refuses new requests, lets the writer finish every queued one, and waits for it to exit. */
  void stop() {
    synchronized (lock) {
      if (!stopping) {
        stopping = true;
        queue.add(new Stop());
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
      List<Job> batch = new ArrayList<>();
      boolean alone = false;
      try {
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
        LOG.log(Level.WARNING, "writer interrupted; ignoring");
      } catch (Throwable t) {
        LOG.log(Level.ERROR, "writer batch failed; failing its requests", t);
        // Once the parent has committed the batch is durable: an error that reads as "not
        // written" would make clients act on a falsehood, so the outcome is reported as unknown
        // (the client re-reads). Requests already answered keep their answer.
        failAll(batch, batchDurable
            ? new KvException(ErrorKind.UNAVAILABLE, "commit outcome unknown: re-read before retrying")
            : new KvException(ErrorKind.INTERNAL, "internal storage error"));
      }
    }
  }

  /** Fills {@code batch} with what is waiting; returns whether the Stop job was reached. */
  private boolean drainBatch(List<Job> batch) throws InterruptedException {
    long bytes = 0;
    Job job = queue.take();
    while (true) {
      if (job instanceof Request) {
        queuedRequests.decrementAndGet();
      }
      if (job instanceof Stop) {
        return true;
      }
      if (job instanceof Request r && r.write().deadlineNanos() != Long.MAX_VALUE
          && System.nanoTime() - r.write().deadlineNanos() > 0) {
        r.future().completeExceptionally(new KvException(ErrorKind.NOT_APPLIED,
            "deadline exceeded before the request was applied"));
      } else {
        batch.add(job);
        bytes += job instanceof Request r ? r.bytes() : 0;
      }
      if (batch.size() >= maxBatchRequests || bytes >= maxBatchBytes) {
        return false;
      }
      job = queue.poll();
      if (job == null) {
        return false;
      }
    }
  }

  private void runBatch(List<Job> batch, boolean alone) {
    batchDurable = false;
    if (broken && !reopen()) {
      failAll(batch, new KvException(ErrorKind.UNAVAILABLE,
          "storage failed and could not be reopened: the write was not applied"));
      return;
    }
    long nowMs = clock.millis();
    long version = Math.max(lastCommitVersion + 1, micros(clock.instant()));
    int position = 0;
    int committedRequests = 0;
    int swept = -1;
    boolean changed = false;
    boolean sweepAgain = false;
    // Answers are given after the parent commit, in order; retries are queued only then, so that a
    // batch that fails as a whole cannot leave an already-answered request behind to be applied.
    List<Runnable> answers = new ArrayList<>();
    List<Request> retries = new ArrayList<>();
    List<KeyChange> changes = new ArrayList<>();
    RuntimeException commitFailure = null;
    try (Txn<byte[]> parent = env.txnWrite()) {
      for (Job job : batch) {
        Versionstamp vs = new Versionstamp(version, position);
        try (Txn<byte[]> child = env.txn(parent)) {
          if (job instanceof Sweep) {
            sweepQueued.set(false);
            Store.Swept result = store.sweep(child, nowMs, SWEEP_MAX_KEYS);
            if (result.due() > 0) {
              FailurePoints.reach(FailurePoints.Point.IN_SWEEP);
              child.commit();
              changed = true;
              for (byte[] key : result.deleted()) {
                changes.add(new KeyChange(key, vs, true));
              }
              position += result.deleted().isEmpty() ? 0 : 1;
              swept = result.deleted().size();
              sweepAgain = result.due() >= SWEEP_MAX_KEYS;
            }
            continue;
          }
          if (job instanceof Task t) {
            WriterTask.Context context = new WriterTask.Context(vs, nowMs);
            Object result;
            try {
              result = t.body().run(child, context);
            } catch (RuntimeException e) {
              LOG.log(Level.ERROR, "internal write failed; rolled back", e);
              answers.add(() -> t.future().completeExceptionally(e));
              continue;
            }
            child.commit();
            changed = true;
            position += context.stamped() ? 1 : 0;
            changes.addAll(context.changes());
            answers.add(() -> t.future().complete(result));
            continue;
          }
          Request r = (Request) job;
          CommitResult result;
          List<KeyChange> requestChanges = new ArrayList<>();
          try {
            result = apply(child, r.write(), vs, nowMs, requestChanges);
          } catch (KvException e) {
            answers.add(() -> r.future().completeExceptionally(e));
            continue; // closing the child rolls the whole request back
          }
          if (result.ok()) {
            child.commit();
            changes.addAll(requestChanges);
            changed = true;
            position++;
            committedRequests++;
            FailurePoints.reach(FailurePoints.Point.IN_BATCH);
          }
          answers.add(() -> r.future().complete(result));
        } catch (Env.MapFullException | Txn.TxFullException e) {
          // The child is already aborted; the parent carries on without it.
          if (job instanceof Task t) {
            answers.add(() -> t.future().completeExceptionally(
                new KvException(ErrorKind.RESOURCE_EXHAUSTED, DATABASE_FULL)));
          } else if (!(job instanceof Request r)) {
            LOG.log(Level.WARNING, "expiry sweep did not fit in the map; will retry");
          } else if (alone) {
            answers.add(() -> r.future().completeExceptionally(
                new KvException(ErrorKind.RESOURCE_EXHAUSTED, DATABASE_FULL)));
          } else {
            retries.add(r);
          }
        }
      }
      if (changed) {
        try {
          if (position > 0) {
            store.setLastCommitVersion(parent, version);
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
    if (commitFailure != null) {
      failAfterCommitFailure(batch, position > 0 ? version : -1, changes, commitFailure);
      return;
    }
    if (position > 0) {
      lastCommitVersion = version;
      changeFeed.publish(version, changes);
    }
    if (changed) {
      batches.incrementAndGet();
      batchedRequests.addAndGet(committedRequests);
      if (swept >= 0) {
        sweeps.incrementAndGet();
        sweptKeys.addAndGet(swept);
      }
    }
    retryAlone.addAll(retries);
    if (changed) {
      FailurePoints.reach(FailurePoints.Point.AFTER_COMMIT_BEFORE_ACK);
    }
    answers.forEach(Runnable::run);
    if (sweepAgain) {
      requestSweep();
    }
  }

  /**
   * Evaluates one request inside its child transaction, adding the keys it writes to
   * {@code changes}.
   */
  private CommitResult apply(Txn<byte[]> txn, AtomicWrite write, Versionstamp vs, long nowMs,
      List<KeyChange> changes) {
    // Every check and every condition sees the state before the request, and all are evaluated so
    // that the caller learns every reason at once.
    List<Integer> failedChecks = new ArrayList<>();
    List<Check> checks = write.checks();
    for (int i = 0; i < checks.size(); i++) {
      StoredEntry current = store.live(txn, checks.get(i).key(), nowMs);
      if (!checks.get(i).holds(current == null ? null : current.versionstamp(),
          current == null ? null : current.value())) {
        failedChecks.add(i);
      }
    }
    List<Integer> failedConditions = new ArrayList<>();
    List<Mutation> mutations = write.mutations();
    for (int i = 0; i < mutations.size(); i++) {
      Mutation m = mutations.get(i);
      if (m.where() != null) {
        StoredEntry current = store.live(txn, m.key(), nowMs);
        if (!m.conditionHolds(current == null ? null : current.value())) {
          failedConditions.add(i);
        }
      }
    }
    if (!failedChecks.isEmpty() || !failedConditions.isEmpty()) {
      return CommitResult.failed(failedChecks, failedConditions);
    }
    for (Mutation m : write.mutations()) {
      switch (m.kind()) {
        case SET -> {
          byte[] key = m.versionstampSuffix()
              ? KeyCodec.appendString(m.key(), vs.toString()) : m.key();
          store.put(txn, key, m.value(), vs, m.expiresAtMs());
          changes.add(new KeyChange(key, vs, false));
        }
        case DELETE -> {
          if (store.delete(txn, m.key())) {
            changes.add(new KeyChange(m.key(), vs, true));
          }
        }
        case SUM, MIN, MAX -> {
          StoredEntry current = store.live(txn, m.key(), nowMs);
          long operand = m.value().asU64();
          long result;
          if (current == null) {
            result = operand;
          } else if (current.value().kind() != ValueKind.U64) {
            throw new KvException(ErrorKind.FAILED_PRECONDITION, "Failed to perform '"
                + m.kind().wireName() + "' mutation on a non-U64 value in the database");
          } else {
            long stored = current.value().asU64();
            result = switch (m.kind()) {
              case SUM -> stored + operand; // wraps mod 2^64, as Deno.KvU64 does
              case MIN -> Long.compareUnsigned(stored, operand) <= 0 ? stored : operand;
              default -> Long.compareUnsigned(stored, operand) >= 0 ? stored : operand;
            };
          }
          store.put(txn, m.key(), Value.u64(result), vs, 0);
          changes.add(new KeyChange(m.key(), vs, false));
        }
        case MERGE -> {
          StoredEntry current = store.live(txn, m.key(), nowMs);
          store.put(txn, m.key(), m.merge().apply(current == null ? null : current.value()), vs,
              0);
        }
        default -> throw new IllegalStateException("unknown mutation kind " + m.kind());
      }
    }
    List<Enqueue> enqueues = write.enqueues();
    for (int i = 0; i < enqueues.size(); i++) {
      store.queues.add(txn, QueuedMessage.enqueued(vs, i, enqueues.get(i)));
    }
    return CommitResult.committed(vs);
  }

  /**
   * The parent commit failed. Usually LMDB rolled it back (a data page write failed: disk full,
   * I/O error) and nothing of the batch was written. If the meta page write failed, the env is in
   * MDB_PANIC: it is reopened, and the reopened store tells whether the batch became the last
   * commit anyway; if it did, it cannot be called durable, so its outcome is reported unknown.
   * Answers computed against the batch's own writes may not hold: every request fails.
   *
   * @param version the batch's commit version, or -1 when it stamped nothing
   */
  private void failAfterCommitFailure(List<Job> batch, long version, List<KeyChange> changes,
      RuntimeException failure) {
    if (!panicked()) {
      LOG.log(Level.ERROR, "batch commit failed; " + batch.size() + " requests not applied",
          failure);
      failAll(batch, new KvException(ErrorKind.RESOURCE_EXHAUSTED,
          failure instanceof Env.MapFullException ? DATABASE_FULL
              : "storage is full or failing: the write was not applied"));
      return;
    }
    LOG.log(Level.ERROR, "batch commit failed and left the LMDB environment in MDB_PANIC ("
        + batch.size() + " requests); reopening it", failure);
    if (!reopen()) {
      failAll(batch, new KvException(ErrorKind.UNAVAILABLE,
          "storage failed while committing: commit outcome unknown, re-read before retrying"));
      return;
    }
    if (version >= 0 && lastCommitVersion >= version) {
      changeFeed.publish(version, changes);
      failAll(batch, new KvException(ErrorKind.UNAVAILABLE,
          "storage failed while committing: commit outcome unknown, re-read before retrying"));
    } else {
      failAll(batch, new KvException(ErrorKind.RESOURCE_EXHAUSTED,
          "storage failed while committing: the write was not applied"));
    }
  }

  /** Whether LMDB refuses new transactions of this env (MDB_PANIC). */
  private boolean panicked() {
    try (Txn<byte[]> probe = env.txnRead()) {
      return false;
    } catch (LmdbNativeException.PanicException e) {
      return true;
    }
  }

  /**
   * Reopens the env through the engine and carries on from its last commit version, so
   * versionstamps keep increasing whether or not the failed batch landed. False if it failed.
   */
  private boolean reopen() {
    try {
      env = reopen.get();
      try (Txn<byte[]> txn = env.txnRead()) {
        lastCommitVersion = Math.max(lastCommitVersion, store.lastCommitVersion(txn));
      }
      broken = false;
      return true;
    } catch (RuntimeException e) {
      broken = true;
      LOG.log(Level.ERROR, "could not reopen the LMDB environment; writes fail until it reopens",
          e);
      return false;
    }
  }

  private static void failAll(List<Job> batch, KvException e) {
    for (Job job : batch) {
      if (job instanceof Request r) {
        r.future().completeExceptionally(e);
      } else if (job instanceof Task t) {
        t.future().completeExceptionally(e);
      }
    }
  }

  private static long approximateBytes(AtomicWrite write) {
    long bytes = 0;
    for (Check c : write.checks()) {
      bytes += c.key().length;
    }
    for (Mutation m : write.mutations()) {
      bytes += 2L * m.key().length + MUTATION_OVERHEAD
          + (m.value() == null ? 0 : m.value().countedSize());
    }
    for (Enqueue e : write.enqueues()) {
      bytes += MUTATION_OVERHEAD + e.payload().countedSize();
      for (byte[] key : e.keysIfUndelivered()) {
        bytes += key.length;
      }
    }
    return bytes;
  }

  private static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }
}
