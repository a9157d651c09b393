package dev.atomkv.server.raft;

import dev.atomkv.server.engine.CommitClock;
import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.raft.wire.QueueEntry;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.raftlog.RaftLog;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.SnapshotInfo;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster's state machine: every member applies the log's requests, in order, to its own
 * {@link ReplicaStore}. The leader stamps each entry with its clock as it accepts it; applying
 * uses only what the entry holds, so every member reaches the same state.
 *
 * <p>Application errors (a check that failed, a sum on a string) are replies, never exceptions:
 * an exception from {@link #applyTransaction} would stop the member.
 */
final class AtomkvStateMachine extends BaseStateMachine {
  private static final Logger LOG = LoggerFactory.getLogger(AtomkvStateMachine.class);

  private final ReplicaStore store;
  private final EntryCodec codec;
  /** The leader's wall clock, which stamps each entry it takes. */
  private final Clock clock;
  /** What the store held when this member started: entries up to it are not applied again. */
  private volatile LogPosition durable = LogPosition.NONE;
  /**
   * The last apply handed to the store. Ratis reports entries of its own (configuration, a new
   * leader's first entry) in log order between ours; the applied index moves past them only once
   * every entry before them is in the store, or a read could be served from behind.
   */
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  /** The store's durable position Ratis knows of: the log before it may be purged. */
  private volatile LogPosition snapshot = LogPosition.NONE;
  private final StoreInstaller installer;
  /** What this member's metrics count; installing a snapshot counts one there. */
  final ClusterCounters counters = new ClusterCounters();
  private volatile QueueEvents queueEvents = QueueEvents.NONE;
  /** Why this member stopped applying the log ({@link #halt}); null while it applies it. */
  private volatile String halted;
  /** The reply for an entry this member did not apply: the caller cannot know its outcome. */
  private static final byte[] UNAPPLIED = EntryCodec.reply(KvException.outcomeUnknown(null));
  /** Whether this member became ready to lead before its queue delivery was attached. */
  private boolean ledBeforeAttached;

  AtomkvStateMachine(ReplicaStore store, EntryCodec codec, Clock clock) {
    this.store = store;
    this.codec = codec;
    this.clock = clock;
    this.installer = new StoreInstaller(store, this::peers);
  }

  /** Where this member's queue delivery hears of the queue entries applied. */
  synchronized void queueEvents(QueueEvents events) {
    this.queueEvents = events;
    if (ledBeforeAttached) {
      events.leaderReady();
    }
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    getLifeCycle().startAndTransition(() -> {
      super.initialize(server, groupId, storage);
      loadFromStore();
    });
    LOG.info("state machine starts after the applied entry: term={} index={}", durable.term(),
        durable.index());
  }

  /**
   * What the store holds is where this member stands: replay starts after it, and it counts as
   * the snapshot (the store is on disk), so a restarted member does not need the log before it.
   */
  private void loadFromStore() {
    durable = store.lastApplied();
    snapshot = durable;
    if (durable.index() > 0) {
      advance(durable.term(), durable.index());
    }
  }

  /**
   * LMDB is the snapshot: syncing it makes every applied entry durable, and Ratis may then purge
   * the log up to the last one. Nothing is copied.
   */
  @Override
  public long takeSnapshot() {
    LogPosition synced = store.syncApplied();
    if (synced.index() <= 0) {
      return RaftLog.INVALID_LOG_INDEX;
    }
    snapshot = synced;
    LOG.info("snapshot taken: term={} index={}", synced.term(), synced.index());
    return synced.index();
  }

  @Override
  public SnapshotInfo getLatestSnapshot() {
    LogPosition s = snapshot;
    return s.index() <= 0 ? null : new StoreSnapshot(TermIndex.valueOf(s.term(), s.index()));
  }

  /**
   * The leader no longer has the entries this member needs (purged behind a snapshot, or this
   * member is new or was wiped): it fetches a whole store from a peer instead. Ratis then pauses
   * and reinitializes this state machine and goes on from the copy's position.
   */
  @Override
  public CompletableFuture<TermIndex> notifyInstallSnapshotFromLeader(RoleInfoProto roleInfo,
      TermIndex firstTermIndexInLog) {
    String leader = roleInfo.hasFollowerInfo()
        ? roleInfo.getFollowerInfo().getLeaderInfo().getId().getId().toStringUtf8() : null;
    // Every entry before the leader's first one must be in the copy.
    long needed = firstTermIndexInLog.getIndex() - 1;
    CompletableFuture<?> before;
    synchronized (this) {
      before = tail;
    }
    return before.handle((r, e) -> null)
        .thenCompose(x -> installer.install(leader, needed))
        .thenApply(position -> {
          durable = position;
          return TermIndex.valueOf(position.term(), position.index());
        });
  }

  @Override
  public synchronized void pause() {
    getLifeCycle().transition(LifeCycle.State.PAUSING);
    getLifeCycle().transition(LifeCycle.State.PAUSED);
  }

  /** After an install: the store is the copy now, and the applied index is the copy's. */
  @Override
  public synchronized void reinitialize() {
    durable = store.lastApplied();
    snapshot = durable;
    updateLastAppliedTermIndex(durable.term(), durable.index());
    if (getLifeCycleState() == LifeCycle.State.PAUSED) {
      getLifeCycle().transition(LifeCycle.State.STARTING);
      getLifeCycle().transition(LifeCycle.State.RUNNING);
    }
    LOG.info("state machine goes on from an installed store copy: term={} index={}",
        durable.term(), durable.index());
  }

  /** Installs of a store copied from a peer since this member started. */
  long snapshotInstalls() {
    return installer.installs();
  }

  long snapshotIndex() {
    return snapshot.index();
  }

  /** Every other member's id and Raft address, as the group says. */
  private Map<String, String> peers() {
    Map<String, String> peers = new LinkedHashMap<>();
    try {
      RaftServer server = getServer().join();
      for (RaftPeer p : server.getDivision(getGroupId()).getGroup().getPeers()) {
        if (!p.getId().equals(server.getId())) {
          peers.put(p.getId().toString(), p.getAddress());
        }
      }
    } catch (IOException e) {
      LOG.warn("cannot list the group's members", e);
    }
    return peers;
  }

  @Override
  public void close() throws IOException {
    installer.close();
    super.close();
  }

  /** On the leader, before replication: the entry gets the leader's time. */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString proposal = request.getMessage().getContent();
    ByteString stamped = proposal.concat(
        ByteString.copyFrom(EntryCodec.timeStamp(CommitClock.micros(clock.instant()))));
    return TransactionContext.newBuilder()
        .setStateMachine(this)
        .setClientRequest(request)
        .setLogData(stamped)
        .build();
  }

  @Override
  public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
    LogEntryProto entry = trx.getLogEntry();
    LogPosition position = new LogPosition(entry.getTerm(), entry.getIndex());
    if (halted != null) {
      // Stopped at an earlier entry: this one is applied once the member restarts with room.
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(UNAPPLIED)));
    }
    if (position.index() <= durable.index()) {
      // Replayed after a restart: the store already holds it, and nobody waits for its answer.
      advance(position.term(), position.index());
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(UNAPPLIED)));
    }
    CompletableFuture<byte[]> applied;
    boolean writes = false;
    try {
      EntryCodec.Decoded decoded =
          codec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
      writes = decoded.write() != null || !decoded.writes().isEmpty();
      if (!decoded.writes().isEmpty()) {
        applied = applyAll(proposalOf(entry), decoded, position);
      } else if (decoded.sweep()) {
        applied = store.sweep(decoded.timeMicros(), position).thenApply(n -> EntryCodec.SWEPT);
      } else if (decoded.queue() != null) {
        applied = applyQueue(decoded.queue(), decoded.timeMicros(), position);
      } else {
        applied = store.apply(proposalOf(entry), decoded.write(), decoded.timeMicros(), position)
            .thenApply(result -> {
              if (result.ok() && !decoded.write().enqueues().isEmpty()) {
                queueEvents.queueChanged();
              }
              return EntryCodec.reply(result);
            });
      }
    } catch (KvException e) {
      applied = CompletableFuture.failedFuture(e);
    }
    // Only the leader holds the proposer's request: followers apply entries nobody waits on here.
    // Clients' writes only: a member's own entries (sweeps, queue work) have no caller to answer.
    boolean awaited = writes && trx.getClientRequest() != null;
    CompletableFuture<Message> answered = applied.handle((reply, failure) -> {
      if (failure != null) {
        KvException e = kvFailure(failure);
        if (isLocalFailure(e)) {
          halt(position, e);
          return Message.valueOf(ByteString.copyFrom(UNAPPLIED));
        }
        reply = EntryCodec.reply(e);
      }
      if (awaited) {
        FailurePoints.reach(FailurePoints.Point.LEADER_APPLIED_BEFORE_REPLY);
      }
      advance(position.term(), position.index());
      return Message.valueOf(ByteString.copyFrom(reply));
    });
    synchronized (this) {
      tail = answered;
    }
    return answered;
  }

  /** An entry of several requests: one reply each, in order, once all of them are applied. */
  private CompletableFuture<byte[]> applyAll(ProposalId proposal, EntryCodec.Decoded decoded,
      LogPosition position) {
    List<CompletableFuture<CommitResult>> each =
        store.applyAll(proposal, decoded.writes(), decoded.timeMicros(), position);
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .handle((done, failure) -> {
          List<Object> outcomes = new ArrayList<>(each.size());
          for (CompletableFuture<CommitResult> f : each) {
            Object outcome = f.handle((r, e) -> e == null ? r : kvFailure(e)).join();
            if (outcome instanceof KvException e && isLocalFailure(e)) {
              throw e; // the store holds none of the entry: no request of it has an outcome here
            }
            outcomes.add(outcome);
          }
          if (enqueued(decoded.writes(), each)) {
            queueEvents.queueChanged();
          }
          return EntryCodec.replies(outcomes);
        });
  }

  /**
   * The proposer's call that put the entry in the log: a proposer's Raft client sends a call
   * again, with the same client id and call id, until a leader answers it. A new leader that has
   * the first copy in its log but has not applied it yet takes the retry for a new call and
   * appends a second copy; the store applies only the first.
   */
  private static ProposalId proposalOf(LogEntryProto entry) {
    // A Ratis client id is a UUID's 16 bytes.
    ByteBuffer client = entry.getStateMachineLogEntry().getClientId().asReadOnlyByteBuffer();
    return new ProposalId(client.getLong(), client.getLong(),
        entry.getStateMachineLogEntry().getCallId());
  }

  /** Whether some committed request of an entry of several enqueued messages. */
  private static boolean enqueued(List<AtomicWrite> writes,
      List<CompletableFuture<CommitResult>> results) {
    for (int i = 0; i < writes.size(); i++) {
      CommitResult r = results.get(i).handle((ok, e) -> e == null ? ok : null).join();
      if (r != null && r.ok() && !writes.get(i).enqueues().isEmpty()) {
        return true;
      }
    }
    return false;
  }

  /**
   * Applies a queue entry and tells this member's delivery what changed. A settle of a lease that
   * has ended is answered as a failed precondition, as on a single node.
   */
  private CompletableFuture<byte[]> applyQueue(QueueEntry q, long timeMicros,
      LogPosition position) {
    QueueEvents events = queueEvents;
    return switch (q.getOpCase()) {
      case LEASE -> store.leaseQueued(EntryCodec.tenant(q.getLease().getTenant()),
          q.getLease().getMax(), q.getLease().getLeaseMs(), timeMicros, position)
          .thenApply(leased -> EntryCodec.leased(leased, position.index()));
      case SETTLE -> store.settleLease(EntryCodec.tenant(q.getSettle().getTenant()),
          q.getSettle().getLeaseId(),
          EntryCodec.outcome(q.getSettle()), timeMicros, position).thenApply(settled -> {
            if (!settled) {
              return EntryCodec.reply(QueueDelivery.leaseEnded());
            }
            events.leasesEnded(List.of(q.getSettle().getLeaseId()));
            events.queueChanged();
            return EntryCodec.SWEPT;
          });
      case EXPIRE_LEASES -> store.expireLeases(timeMicros, position).thenApply(ended -> {
        events.leasesEnded(ended);
        events.queueChanged();
        return EntryCodec.SWEPT;
      });
      case REQUEUE_LEASES -> store.requeueLeases(timeMicros, position).thenApply(n -> {
        if (n > 0) {
          LOG.info("queue messages in flight before this leader are ready again: count={}", n);
        }
        events.requeued(position.index());
        return EntryCodec.SWEPT;
      });
      case DROP_TENANT_QUEUE -> store.dropTenantQueue(q.getDropTenantQueue(), timeMicros, position)
          .thenApply(n -> {
            events.tenantQueueDropped(q.getDropTenantQueue());
            return EntryCodec.SWEPT;
          });
      default -> CompletableFuture.failedFuture(new KvException(ErrorKind.INTERNAL,
          "log entry holds an unknown queue operation " + q.getOpCase()));
    };
  }

  /** Once this member leads and has applied every earlier term's entries. */
  @Override
  public synchronized void notifyLeaderReady() {
    ledBeforeAttached = queueEvents == QueueEvents.NONE;
    queueEvents.leaderReady();
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    CompletableFuture<?> before;
    synchronized (this) {
      before = tail;
    }
    before.whenComplete((r, e) -> advance(term, index));
  }

  @Override
  public void notifyLeaderChanged(RaftGroupMemberId groupMemberId, RaftPeerId newLeaderId) {
    counters.leaderChanged();
  }

  /** Moves the applied index forward; the store's applies complete in order, Ratis's may not. */
  private synchronized void advance(long term, long index) {
    if (getLastAppliedTermIndex() == null || getLastAppliedTermIndex().getIndex() < index) {
      updateLastAppliedTermIndex(term, index);
    }
  }

  /**
   * A linearizable read reaches here once Ratis counts the read's index as applied; the caller
   * then reads its local store. Ratis counts an entry of its own (configuration, log metadata) as
   * applied the moment it reaches it, even while entries before it are still being written to the
   * store, so the read also waits for the last apply handed to the store: then every entry up to
   * its index is in.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    CompletableFuture<?> before;
    synchronized (this) {
      before = tail;
    }
    return before.handle((r, e) -> Message.EMPTY);
  }

  /**
   * Whether the store failed for a reason of this member's own (its database full, its storage
   * failing) rather than giving the request its outcome, which every replica gives alike. Such an
   * entry is not in the store, and a replica must not skip it.
   */
  private static boolean isLocalFailure(KvException e) {
    return e.kind() == ErrorKind.RESOURCE_EXHAUSTED || e.kind() == ErrorKind.UNAVAILABLE;
  }

  /**
   * Stops applying the log at {@code position}: the store stays at the entry before it, reads
   * are refused, and the entries after it are not applied here (the other members apply them).
   * The member's Raft server stops too: a member that cannot apply must not lead (it could answer
   * no write) nor hold a vote the others need. A restart, with room, replays the log from the
   * store's position.
   */
  private void halt(LogPosition position, KvException cause) {
    synchronized (this) {
      if (halted != null) {
        return;
      }
      halted = "this member stopped applying the log at entry " + position.index() + " ("
          + cause.getMessage() + "); restart it once it has room (a larger --map-size, disk "
          + "space)";
    }
    LOG.error("{}", halted);
    // Not on the applying thread: closing the server waits for that thread to end.
    Thread stopper = new Thread(() -> {
      try {
        getServer().join().close();
        LOG.error("the Raft server of this member is stopped: it neither leads nor votes until "
            + "restarted");
      } catch (IOException | RuntimeException e) {
        LOG.warn("stopping the Raft server of a member that stopped applying failed", e);
      }
    }, "atomkv-halt");
    stopper.setDaemon(true);
    stopper.start();
  }

  /** Why this member stopped applying the log, or null while it applies it. */
  String halted() {
    return halted;
  }

  private static KvException kvFailure(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    if (cause instanceof KvException e) {
      return e;
    }
    LOG.error("applying a log entry failed", cause);
    return new KvException(ErrorKind.INTERNAL, "internal error while applying the request");
  }
}
