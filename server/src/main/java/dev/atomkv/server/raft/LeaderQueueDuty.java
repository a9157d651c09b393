package dev.atomkv.server.raft;

import dev.atomkv.server.engine.ReplicaStore;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue work only the leader proposes, so that it happens once for the whole cluster: the
 * requeue a new leader owes (leases held through the old leader may have died with it), and the
 * expiry of leases whose time has come on the leader's clock. One proposal at a time; one that
 * fails is proposed again at a later tick.
 */
final class LeaderQueueDuty {
  private static final Logger LOG = LoggerFactory.getLogger(LeaderQueueDuty.class);

  private final ReplicaStore local;
  private final ClusterQueues.Proposer proposer;
  private final BooleanSupplier isLeader;
  /** The wall clock that lease and delivery times are judged by. */
  private final Clock clock;
  private final AtomicBoolean inFlight = new AtomicBoolean();
  private volatile boolean requeueOwed;

  LeaderQueueDuty(ReplicaStore local, ClusterQueues.Proposer proposer, BooleanSupplier isLeader,
      Clock clock) {
    this.clock = clock;
    this.local = local;
    this.proposer = proposer;
    this.isLeader = isLeader;
  }

  /** This member began to lead: it owes the cluster a requeue of every lease. */
  void owed() {
    requeueOwed = true;
  }

  /** Proposes the requeue owed, else an expiry when a lease is due; nothing off the leader. */
  void tick() {
    if (!isLeader.getAsBoolean() || !inFlight.compareAndSet(false, true)) {
      return;
    }
    try {
      boolean requeue = requeueOwed;
      byte[] entry = null;
      if (requeue) {
        entry = EntryCodec.encodeRequeueLeases();
      } else if (local.queueState().nextLeaseExpiryMs() <= clock.millis()) {
        entry = EntryCodec.encodeExpireLeases();
      }
      if (entry == null) {
        inFlight.set(false);
        return;
      }
      proposer.apply(entry).whenComplete((reply, failure) -> {
        if (failure != null) {
          LOG.warn("queue lease proposal failed; will retry: cause={}", failure.toString());
        } else if (requeue) {
          requeueOwed = false;
        }
        inFlight.set(false);
      });
    } catch (RuntimeException e) {
      inFlight.set(false);
      LOG.warn("queue lease proposal failed; will retry: cause={}", e.toString());
    }
  }
}
