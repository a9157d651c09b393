package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.QueueListeners;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.lmdbjava.Txn;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands ready queue messages to listeners. One thread serves every listener: for each tenant
 * whose listeners have room it finds that tenant's due messages (a prefix of its partition of the
 * queue table), asks the writer to move them to the in-flight table, then gives each to one of
 * that tenant's listeners with room under a lease. A tenant without listeners is never scanned,
 * so its backlog costs the others nothing. Leases live in memory only: after a
 * restart every in-flight message is ready again. Settling (ack, lease expiry, a listener going
 * away) is a writer task too, so every change to the tables goes through the single writer.
 */
final class QueueDispatcher {
  private static final Logger LOG = LoggerFactory.getLogger(QueueDispatcher.class);
  /** Pause before trying again when the writer refused a queue move or a read failed. */
  private static final long RETRY_MS = 1000;

  /** Runs a read transaction (the engine's, so that close() waits for it). */
  interface Reader {
    <T> T read(Function<Txn<byte[]>, T> body);
  }

  private final GroupCommitWriter writer;
  private final Store store;
  private final QueueWrites writes;
  private final Reader reader;
  private final Clock clock;
  private final long leaseMs;
  private final ScheduledExecutorService executor;
  /** Random per process, so a lease id from before a restart never names a lease after it. */
  private final String epoch;
  private final AtomicLong leaseCounter = new AtomicLong();
  private final AtomicBoolean dispatchQueued = new AtomicBoolean();

  // Guarded by this.
  /** Each tenant's listeners, and the leases they hold. */
  private final Map<String, QueueListeners<Lease>> listeners = new LinkedHashMap<>();
  /** Ids of messages being moved to the in-flight table, so a new scan does not take them again. */
  private final Set<ByteBuffer> leasing = new HashSet<>();
  private boolean stopped;
  private ScheduledFuture<?> timer;
  private long timerAtMs = Long.MAX_VALUE;

  QueueDispatcher(GroupCommitWriter writer, Store store, QueueWrites writes, Reader reader,
      Clock clock, long leaseMs) {
    this.writer = writer;
    this.store = store;
    this.writes = writes;
    this.reader = reader;
    this.clock = clock;
    this.leaseMs = Math.max(1, leaseMs);
    ScheduledThreadPoolExecutor pool = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "atomkv-queue");
      t.setDaemon(true);
      return t;
    });
    // Most lease timers are cancelled by an ack; without this they would pile up until due.
    pool.setRemoveOnCancelPolicy(true);
    this.executor = pool;
    byte[] e = new byte[8];
    new SecureRandom().nextBytes(e);
    this.epoch = HexFormat.of().formatHex(e);
  }

  /**
   * Makes the messages left in flight by the previous run ready again. The writer runs its jobs
   * in order, so no lease taken afterwards can be caught by this.
   */
  void start() {
    if (reader.read(store.queues::inFlightEntries) == 0) {
      wake();
      return; // nothing was held at the last stop: no commit needed
    }
    writer.submit(writes.requeueInflight())
        .whenComplete((n, failure) -> {
          if (failure != null) {
            LOG.error("could not make in-flight queue messages ready again", failure);
          } else if (n > 0) {
            LOG.info("queue messages in flight at the last stop are ready again: count={}", n);
          }
          wake();
        });
  }

  QueueSubscription listen(String tenant, int maxInFlight, QueueSink sink) {
    QueueSubscription listener;
    synchronized (this) {
      if (stopped) {
        throw new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
      }
      listener = listeners.computeIfAbsent(tenant, t -> new QueueListeners<>(this, this::letGo))
          .add(maxInFlight, sink);
    }
    wake();
    return listener;
  }

  /** Settles a lease of {@code tenant}'s: another tenant's lease is, to it, one that ended. */
  CompletableFuture<Void> ack(String tenant, String leaseId, boolean success) {
    Lease lease;
    synchronized (this) {
      QueueListeners<Lease> own = listeners.get(tenant);
      lease = own == null ? null : release(own, leaseId);
    }
    if (lease == null) {
      return CompletableFuture.failedFuture(QueueDelivery.leaseEnded());
    }
    wake();
    return settle(lease.messageId, success);
  }

  /** Called when a commit that enqueued messages completes. */
  void enqueued() {
    wake();
  }

  void stop() {
    List<QueueSink> sinks = new ArrayList<>();
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
      for (QueueListeners<Lease> each : listeners.values()) {
        QueueListeners.Stopped<Lease> s = each.stop();
        sinks.addAll(s.sinks());
        for (Lease lease : s.leases()) {
          lease.timeout.cancel(false);
        }
      }
    }
    // Their messages stay in the in-flight table: the next start makes them ready again.
    KvException reason = new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
    for (QueueSink sink : sinks) {
      try {
        sink.end(reason);
      } catch (RuntimeException e) {
        LOG.warn("queue listener failed to end", e);
      }
    }
    executor.shutdownNow();
  }

  /**
   * Ends a deleted tenant's listeners (their streams outlive the tokens that opened them); what
   * they held went with the tenant's queue.
   */
  void endTenant(String tenant) {
    List<QueueSink> sinks;
    synchronized (this) {
      QueueListeners<Lease> own = listeners.remove(tenant);
      if (own == null) {
        return;
      }
      QueueListeners.Stopped<Lease> ended = own.stop();
      for (Lease lease : ended.leases()) {
        lease.timeout.cancel(false);
      }
      sinks = ended.sinks();
    }
    for (QueueSink sink : sinks) {
      try {
        sink.end(QueueListeners.tenantDeleted(tenant));
      } catch (RuntimeException e) {
        LOG.warn("queue listener failed to end", e);
      }
    }
  }

  // ---- dispatching (on the queue thread) -------------------------------------------------------

  private void wake() {
    if (!dispatchQueued.compareAndSet(false, true)) {
      return;
    }
    try {
      executor.execute(() -> {
        dispatchQueued.set(false);
        dispatch();
      });
    } catch (RejectedExecutionException e) {
      dispatchQueued.set(false); // stopped
    }
  }

  private record Assignment(QueuedMessage message, QueueListeners<Lease> owner,
      QueueListeners<Lease>.Listener listener) {}

  private void dispatch() {
    Map<String, Integer> rooms = new LinkedHashMap<>();
    Set<ByteBuffer> skip;
    synchronized (this) {
      if (stopped) {
        return;
      }
      listeners.forEach((tenant, each) -> {
        if (each.room() > 0) {
          rooms.put(tenant, each.room());
        }
      });
      if (rooms.isEmpty()) {
        return; // an ack, an expiry or a new listener wakes us again
      }
      skip = new HashSet<>(leasing);
    }
    long nowMs = clock.millis();
    Map<String, QueueTables.Due> dues = new LinkedHashMap<>();
    try {
      reader.read(txn -> {
        rooms.forEach((tenant, room) ->
            dues.put(tenant, store.queues.due(txn, tenant, nowMs, room, skip)));
        return null;
      });
    } catch (RuntimeException e) {
      LOG.warn("queue scan failed; retrying", e);
      synchronized (this) {
        arm(clock.millis() + RETRY_MS);
      }
      return;
    }
    List<Assignment> assignments = new ArrayList<>();
    synchronized (this) {
      if (stopped) {
        return;
      }
      dues.forEach((tenant, due) -> {
        if (due.nextReadyAtMs() != Long.MAX_VALUE) {
          arm(due.nextReadyAtMs());
        }
        QueueListeners<Lease> own = listeners.get(tenant);
        for (QueuedMessage m : due.messages()) {
          QueueListeners<Lease>.Listener l = own.withRoom();
          if (l == null) {
            break;
          }
          own.reserve(l);
          leasing.add(ByteBuffer.wrap(m.id()));
          assignments.add(new Assignment(m, own, l));
        }
      });
    }
    if (assignments.isEmpty()) {
      return;
    }
    writer.submit(writes.lease(assignments.stream().map(Assignment::message).toList()))
        .whenCompleteAsync((moved, failure) -> leased(assignments, moved, failure), executor);
  }

  private void leased(List<Assignment> assignments, List<QueuedMessage> moved,
      Throwable failure) {
    List<Runnable> deliveries = new ArrayList<>();
    List<byte[]> orphans = new ArrayList<>();
    long nowMs = clock.millis();
    synchronized (this) {
      for (int i = 0; i < assignments.size(); i++) {
        Assignment a = assignments.get(i);
        QueueListeners<Lease>.Listener l = a.listener();
        leasing.remove(ByteBuffer.wrap(a.message().id()));
        QueuedMessage m = failure == null ? moved.get(i) : null;
        if (m == null || stopped) {
          a.owner().unreserve(l);
          continue;
        }
        if (l.closed()) {
          a.owner().unreserve(l);
          orphans.add(m.id());
          continue;
        }
        Lease lease = new Lease(newLeaseId(), m.id(), a.owner());
        a.owner().hold(l, lease.id, lease);
        lease.timeout = executor.schedule(() -> expire(lease), leaseMs, TimeUnit.MILLISECONDS);
        QueueDelivery delivery = new QueueDelivery(lease.id, m.payload(), m.deliveries(),
            nowMs + leaseMs, m.versionstamp());
        deliveries.add(() -> l.sink().deliver(delivery));
      }
      if (failure != null && !stopped) {
        LOG.warn("queue move refused; retrying: cause={}", failure.toString());
        arm(nowMs + RETRY_MS);
      }
    }
    for (Runnable d : deliveries) {
      try {
        d.run();
      } catch (RuntimeException e) {
        LOG.warn("queue delivery failed; the lease will expire", e);
      }
    }
    // Taken for a listener that left meanwhile: ready again at once, the delivery not counted.
    for (byte[] id : orphans) {
      writeUntilDone(() -> writer.submit(writes.returnUndelivered(id)));
    }
    wake();
  }

  private void expire(Lease lease) {
    synchronized (this) {
      if (lease.owner.get(lease.id) != lease) {
        return; // settled meanwhile
      }
      release(lease.owner, lease.id);
    }
    settle(lease.messageId, false);
    wake();
  }

  // ---- settling --------------------------------------------------------------------------------

  /** Removes the message on success; else schedules its redelivery or gives it up. */
  private CompletableFuture<Void> settle(byte[] id, boolean success) {
    return writeUntilDone(() -> writer.submit(writes.settle(id, success))).thenRun(this::wake);
  }

  /**
   * Submits a settling write, and submits it again later if the writer refuses it (say the disk
   * is full): otherwise the message would stay in flight, undelivered, until the next restart.
   * The returned future reports the first attempt, which is what an Ack caller waits for.
   */
  private <T> CompletableFuture<T> writeUntilDone(
      java.util.function.Supplier<CompletableFuture<T>> write) {
    CompletableFuture<T> first = write.get();
    first.whenComplete((r, failure) -> {
      if (failure == null) {
        return;
      }
      synchronized (this) {
        if (stopped) {
          return;
        }
      }
      LOG.warn("queue settle refused; retrying: cause={}", failure.toString());
      try {
        executor.schedule(() -> writeUntilDone(write), RETRY_MS, TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // stopped meanwhile: the message is ready again after the restart
      }
    });
    return first;
  }

  // ---- bookkeeping (under this) ----------------------------------------------------------------

  /** Ends a lease, freeing its listener's room; the lease, or null when it had ended. */
  private Lease release(QueueListeners<Lease> owner, String leaseId) {
    Lease lease = owner.release(leaseId);
    if (lease != null) {
      lease.timeout.cancel(false);
    }
    return lease;
  }

  /** What a closing listener held counts as failed. */
  private void letGo(List<Lease> dropped) {
    for (Lease lease : dropped) {
      lease.timeout.cancel(false);
      settle(lease.messageId, false);
    }
  }

  /** Makes sure a dispatch runs no later than {@code atMs}. */
  private void arm(long atMs) {
    if (timer != null && !timer.isDone() && timerAtMs <= atMs) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAtMs = atMs;
    // One millisecond more: the scan compares whole milliseconds of the same clock.
    long delay = Math.max(0, atMs - clock.millis()) + 1;
    try {
      timer = executor.schedule(this::wake, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      timer = null;
    }
  }

  private String newLeaseId() {
    return epoch + "-" + Long.toHexString(leaseCounter.incrementAndGet());
  }

  private static final class Lease {
    final String id;
    final byte[] messageId;
    /** The listeners of the tenant whose message it is. */
    final QueueListeners<Lease> owner;
    ScheduledFuture<?> timeout;

    Lease(String id, byte[] messageId, QueueListeners<Lease> owner) {
      this.id = id;
      this.messageId = messageId;
      this.owner = owner;
    }
  }
}
