package dev.atomkv.server.raft;

import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.QueueListeners;
import dev.atomkv.server.engine.QueueOutcome;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Queue delivery on one cluster member. The queue tables are replicated state: every change to
 * them is a log entry, and its time and log index decide what happens, so every member holds the
 * same messages and leases. What stays local is who listens here.
 *
 * <ul>
 *   <li>Each tenant has a queue of its own. A member whose listeners of a tenant have room, and
 *       whose replica holds a due message of that tenant, proposes a lease entry for that many of
 *       the tenant's messages (one entry at a time, taking the tenants in turn; a tenant without
 *       listeners here is never proposed for, so its backlog costs the others nothing). Applying
 *       it moves the tenant's messages due at the entry's time to the in-flight table under
 *       leases named by the entry's log index; the reply goes to the proposer only, which hands
 *       them to its tenant's listeners. Members racing for
 *       the same messages get disjoint ones, since the log orders their entries: each message is
 *       delivered once.
 *   <li>An ack through any member is a settle entry; every member hears which leases ended and
 *       the one holding the lease frees its listener's room.
 *   <li>The leader alone proposes lease expiry (the leases expired at its entry's time fail, and
 *       are retried after their backoff or given up on) and, once it leads, a requeue of every
 *       lease: leases held through the old leader may have died with it, as they do with a single
 *       node's restart, so every message in flight is delivered again.
 * </ul>
 */
final class ClusterQueues implements QueueEvents {
  private static final Logger LOG = LoggerFactory.getLogger(ClusterQueues.class);
  /** Pause before proposing again after the cluster refused or did not answer. */
  static final long RETRY_MS = 1000;
  /**
   * Pause after a lease entry found nothing due although this replica showed some: another
   * member took them and this replica has not applied it yet, or the leader's clock is behind.
   */
  static final long EMPTY_LEASE_PAUSE_MS = 50;
  /** How often the leader looks for expired leases: their expiry is late by up to this. */
  static final long LEADER_TICK_MS = 100;
  /** How long stopping waits for the messages held here to be handed back. */
  static final long STOP_RETURN_MS = 3000;

  /** Proposes a log entry; completes with the applied entry's reply. */
  interface Proposer extends Function<byte[], CompletableFuture<byte[]>> {}

  private final ReplicaStore local;
  private final Proposer proposer;
  private final long leaseMs;
  /** The wall clock that lease and delivery times are judged by. */
  private final Clock clock;
  private final ScheduledThreadPoolExecutor executor;
  private final AtomicBoolean dispatchQueued = new AtomicBoolean();
  /** Settles proposed and not yet answered: stopping waits for them. */
  private final Set<CompletableFuture<?>> settling = ConcurrentHashMap.newKeySet();
  private final LeaderQueueDuty leaderDuty;

  // Guarded by this.
  /** Each tenant's listeners here, and the leases they hold. */
  private final Map<String, QueueListeners<Lease>> listeners = new LinkedHashMap<>();
  /** Where the next dispatch starts among the tenants, so that each gets its turn. */
  private int turn;
  private boolean leasing;
  /** Leases taken by entries before this index have ended (a requeue applied here). */
  private long requeuedBelow;
  private boolean stopped;
  private ScheduledFuture<?> timer;
  private long timerAtMs = Long.MAX_VALUE;

  ClusterQueues(ReplicaStore local, Proposer proposer, BooleanSupplier isLeader, long leaseMs,
      Clock clock) {
    this.clock = clock;
    this.local = local;
    this.proposer = proposer;
    this.leaderDuty = new LeaderQueueDuty(local, proposer, isLeader, clock);
    this.leaseMs = Math.max(1, leaseMs);
    this.executor = new ScheduledThreadPoolExecutor(1, r -> {
      Thread t = new Thread(r, "atomkv-cluster-queue");
      t.setDaemon(true);
      return t;
    });
    executor.setRemoveOnCancelPolicy(true);
    executor.scheduleWithFixedDelay(leaderDuty::tick, LEADER_TICK_MS, LEADER_TICK_MS,
        TimeUnit.MILLISECONDS);
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

  /**
   * Settles a lease of {@code tenant}'s held through any member; fails with FAILED_PRECONDITION
   * once it ended (or when it is another tenant's).
   */
  CompletableFuture<Void> ack(String tenant, String leaseId, boolean success) {
    return proposer.apply(EntryCodec.encodeSettle(tenant, leaseId,
            success ? QueueOutcome.ACKED : QueueOutcome.FAILED))
        .thenApply(reply -> {
          EntryCodec.check(reply);
          leasesEnded(List.of(leaseId)); // at once, not when this replica applies it
          return null;
        });
  }

  /**
   * Ends every listener here. The messages they held are handed back, their delivery not
   * counted, as a single node's restart makes them ready again; when the cluster does not answer
   * within {@link #STOP_RETURN_MS} (with the settles already under way) their leases expire
   * instead, or the next leader requeues them.
   */
  void stop() {
    List<QueueSink> sinks = new ArrayList<>();
    List<Lease> held = new ArrayList<>();
    synchronized (this) {
      if (stopped) {
        return;
      }
      stopped = true;
      for (QueueListeners<Lease> each : listeners.values()) {
        QueueListeners.Stopped<Lease> ended = each.stop();
        sinks.addAll(ended.sinks());
        held.addAll(ended.leases());
      }
    }
    // The streams end first: nothing acks what is being handed back.
    KvException reason = new KvException(ErrorKind.UNAVAILABLE, "server is shutting down");
    for (QueueSink sink : sinks) {
      try {
        sink.end(reason);
      } catch (RuntimeException e) {
        LOG.warn("queue listener failed to end", e);
      }
    }
    // Listeners that went away just before (their clients stopping too) are being settled:
    // waiting for those as well keeps their messages from waiting out their leases.
    List<CompletableFuture<?>> outstanding = new ArrayList<>(settling);
    for (Lease lease : held) {
      outstanding.add(proposer.apply(
          EntryCodec.encodeSettle(lease.tenant, lease.id, QueueOutcome.RETURNED)));
    }
    try {
      CompletableFuture.allOf(outstanding.toArray(CompletableFuture[]::new))
          .get(STOP_RETURN_MS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      LOG.warn("queue messages held here were not all handed back; their leases will expire: "
          + "count={} cause={}", outstanding.size(), e.toString());
    }
    executor.shutdownNow();
  }

  // ---- what applying the log tells us ---------------------------------------------------------

  @Override
  public void queueChanged() {
    wake();
  }

  @Override
  public void leasesEnded(List<String> leaseIds) {
    synchronized (this) {
      for (String id : leaseIds) {
        for (QueueListeners<Lease> each : listeners.values()) {
          each.release(id);
        }
      }
    }
    wake();
  }

  @Override
  public void requeued(long index) {
    synchronized (this) {
      requeuedBelow = Math.max(requeuedBelow, index);
      for (QueueListeners<Lease> each : listeners.values()) {
        each.releaseIf(lease -> lease.index < index);
      }
    }
    wake();
  }

  /** Ends a deleted tenant's listeners here; what they held went with its queue. */
  @Override
  public void tenantQueueDropped(String tenant) {
    List<QueueSink> sinks;
    synchronized (this) {
      QueueListeners<Lease> own = listeners.remove(tenant);
      if (own == null) {
        return;
      }
      sinks = own.stop().sinks();
    }
    for (QueueSink sink : sinks) {
      try {
        sink.end(QueueListeners.tenantDeleted(tenant));
      } catch (RuntimeException e) {
        LOG.warn("queue listener failed to end", e);
      }
    }
  }

  @Override
  public void leaderReady() {
    leaderDuty.owed();
    try {
      executor.execute(leaderDuty::tick);
    } catch (RejectedExecutionException e) {
      // stopped
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

  private void dispatch() {
    List<Map.Entry<String, Integer>> rooms = new ArrayList<>();
    synchronized (this) {
      if (stopped || leasing) {
        return; // the lease in flight wakes us again when answered
      }
      listeners.forEach((tenant, each) -> {
        if (each.room() > 0) {
          rooms.add(Map.entry(tenant, each.room()));
        }
      });
      if (rooms.isEmpty()) {
        return; // an ack, an expiry or a new listener wakes us again
      }
      Collections.rotate(rooms, -(turn++ % rooms.size()));
    }
    String tenant = null;
    int room = 0;
    long nextReadyAtMs = Long.MAX_VALUE;
    long nowMs = clock.millis();
    try {
      for (Map.Entry<String, Integer> each : rooms) {
        long next = local.nextReadyAtMs(each.getKey());
        if (next <= nowMs) {
          tenant = each.getKey();
          room = each.getValue();
          break;
        }
        nextReadyAtMs = Math.min(nextReadyAtMs, next);
      }
    } catch (RuntimeException e) {
      LOG.warn("queue scan failed; retrying", e);
      arm(clock.millis() + RETRY_MS);
      return;
    }
    if (tenant == null) {
      if (nextReadyAtMs != Long.MAX_VALUE) {
        arm(nextReadyAtMs);
      }
      return;
    }
    synchronized (this) {
      if (stopped) {
        return;
      }
      leasing = true;
    }
    CompletableFuture<byte[]> reply;
    try {
      reply = proposer.apply(EntryCodec.encodeLease(tenant, room, leaseMs));
    } catch (RuntimeException e) {
      reply = CompletableFuture.failedFuture(e);
    }
    String leasedFor = tenant;
    reply.whenCompleteAsync((r, failure) -> leased(leasedFor, r, failure), executor);
  }

  private void leased(String tenant, byte[] reply, Throwable failure) {
    EntryCodec.Leased leased = null;
    if (failure == null) {
      try {
        leased = EntryCodec.leased(reply);
      } catch (KvException e) {
        failure = e;
      }
    }
    List<Runnable> deliveries = new ArrayList<>();
    List<String> orphans = new ArrayList<>();
    synchronized (this) {
      leasing = false;
      if (stopped) {
        return; // what it leased expires, or the next leader requeues it
      }
      if (failure != null) {
        // It may yet be applied: its leases then expire and the messages are retried.
        LOG.warn("queue lease proposal failed; retrying: cause={}", failure.toString());
        armLocked(clock.millis() + RETRY_MS);
        return;
      }
      if (leased.deliveries().isEmpty()) {
        armLocked(clock.millis() + EMPTY_LEASE_PAUSE_MS);
        return;
      }
      if (leased.leaseIndex() < requeuedBelow) {
        leased = new EntryCodec.Leased(List.of(), leased.leaseIndex()); // ready again already
      }
      QueueListeners<Lease> own = listeners.get(tenant);
      for (QueueDelivery d : leased.deliveries()) {
        QueueListeners<Lease>.Listener l = own.withRoom();
        if (l == null) {
          orphans.add(d.leaseId()); // its listener closed meanwhile
          continue;
        }
        own.reserve(l);
        own.hold(l, d.leaseId(), new Lease(d.leaseId(), leased.leaseIndex(), tenant));
        deliveries.add(() -> l.sink().deliver(d));
      }
    }
    for (Runnable d : deliveries) {
      try {
        d.run();
      } catch (RuntimeException e) {
        LOG.warn("queue delivery failed; the lease will expire", e);
      }
    }
    for (String id : orphans) {
      settleUntilDone(tenant, id, QueueOutcome.RETURNED);
    }
    wake();
  }

  /**
   * Settles a lease this member let go of, proposing again later when the cluster does not
   * answer (no leader for now): otherwise the message would wait for its lease to expire.
   */
  private void settleUntilDone(String tenant, String leaseId, QueueOutcome outcome) {
    CompletableFuture<byte[]> settled =
        proposer.apply(EntryCodec.encodeSettle(tenant, leaseId, outcome));
    settling.add(settled);
    settled.whenComplete((reply, failure) -> {
      settling.remove(settled);
      synchronized (this) {
        if (failure == null || stopped) {
          return; // settled, or found ended already
        }
      }
      LOG.warn("queue settle failed; retrying: cause={}", failure.toString());
      try {
        executor.schedule(() -> settleUntilDone(tenant, leaseId, outcome), RETRY_MS,
            TimeUnit.MILLISECONDS);
      } catch (RejectedExecutionException e) {
        // stopped meanwhile: the lease expires, or the next leader requeues it
      }
    });
  }

  // ---- bookkeeping -----------------------------------------------------------------------------

  private synchronized void arm(long atMs) {
    armLocked(atMs);
  }

  /** Makes sure a dispatch runs no later than {@code atMs}. */
  private void armLocked(long atMs) {
    if (stopped || (timer != null && !timer.isDone() && timerAtMs <= atMs)) {
      return;
    }
    if (timer != null) {
      timer.cancel(false);
    }
    timerAtMs = atMs;
    long delay = Math.max(0, atMs - clock.millis()) + 1;
    try {
      timer = executor.schedule(this::wake, delay, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException e) {
      timer = null;
    }
  }

  /** What a closing listener held counts as failed, as on a single node. */
  private void letGo(List<Lease> dropped) {
    for (Lease lease : dropped) {
      settleUntilDone(lease.tenant, lease.id, QueueOutcome.FAILED);
    }
  }

  /** A lease held here of {@code tenant}'s message, taken by the lease entry at {@code index}. */
  private record Lease(String id, long index, String tenant) {}
}
