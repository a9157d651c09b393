package dev.atomkv.server.raft;

import dev.atomkv.server.engine.DeadLetterLog;
import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.ClusterControl;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.EngineStats;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.QueueCounts;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.engine.RangeRead;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.MergeCodec;
import dev.atomkv.server.model.Versionstamp;
import dev.atomkv.server.model.tenant.Usage;
import dev.atomkv.server.raft.wire.AtomicWriteEntry;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.ToLongFunction;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link KvEngine} of a cluster member. Writes go through the replicated log (any member takes
 * them: its Raft client forwards them to the leader) and are answered once applied; reads are
 * linearizable: a ReadIndex round through the leader makes sure this member has applied every
 * write acknowledged before the read began, then the local store answers.
 */
public final class ReplicatedEngine implements KvEngine {
  private static final Logger LOG = LoggerFactory.getLogger(ReplicatedEngine.class);
  /** How long a write waits for the cluster when the request carries no deadline. */
  static final long DEFAULT_WRITE_TIMEOUT_MS = 30_000;
  /** How long a read waits for the leader to confirm it is up to date. */
  static final long READ_TIMEOUT_MS = 10_000;

  private final ReplicaStore local;
  private final RaftNode node;
  private final EntryCodec codec;
  private final UUID databaseId;
  private final String clusterId;
  private final KvEngine eventual;
  private final Proposals proposals;
  private final ReadBarrier reads;
  private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(
      r -> {
        Thread t = new Thread(r, "atomkv-cluster-sweeper");
        t.setDaemon(true);
        return t;
      });
  private final AtomicBoolean sweepInFlight = new AtomicBoolean();
  private final AtomkvStateMachine machine;
  /** The wall clock this member judges expiry by (the leader's also stamps each entry). */
  private final Clock clock;
  private final RaftClusterControl control;
  private final ClusterQueues queues;

  private ReplicatedEngine(ReplicaStore local, RaftNode node, EntryCodec codec,
      ClusterSettings settings, AtomkvStateMachine machine, Path raftDir, long queueLeaseMs,
      Clock clock) {
    this.local = local;
    this.node = node;
    this.machine = machine;
    this.clock = clock;
    this.control = new RaftClusterControl(node, settings.clusterId(), raftDir, machine.counters);
    this.codec = codec;
    this.databaseId = settings.clusterUuid();
    this.clusterId = settings.clusterId();
    this.eventual = new EventualReads(this, local);
    this.queues = new ClusterQueues(local,
        entry -> propose(entry, DEFAULT_WRITE_TIMEOUT_MS), node::isLeader, queueLeaseMs, clock);
    this.proposals = new Proposals(node, settings.batchMaxRequests(),
        settings.proposalsInFlight());
    this.reads = new ReadBarrier(this::readIndexRound);
  }

  /**
   * Joins the cluster with {@code local} as this member's store (the engine owns it from here).
   *
   * @param raftDir where the Raft log lives
   * @param merges how the edges' merges travel in the log
   * @param queueLeaseMs how long a listener here holds a queue message before it counts as failed
   */
  public static ReplicatedEngine start(ClusterSettings settings, ReplicaStore local, Path raftDir,
      List<MergeCodec> merges, long sweepIntervalMs, long queueLeaseMs, Clock clock)
      throws IOException {
    EntryCodec codec = new EntryCodec(merges);
    AtomkvStateMachine machine = new AtomkvStateMachine(local, codec, clock);
    RaftNode node;
    try {
      node = RaftNode.start(settings, raftDir, machine, local);
    } catch (IOException | RuntimeException e) {
      local.close();
      throw e;
    }
    LOG.info("cluster member started: cluster={} node={} peers={}", settings.clusterId(),
        settings.nodeId(), settings.peers());
    ReplicatedEngine engine = new ReplicatedEngine(local, node, codec, settings, machine,
        raftDir, queueLeaseMs, clock);
    // Entries applied before this are a replay of what the store holds, or a catch-up whose
    // queue changes a listener (none can be connected yet) need not hear of.
    machine.queueEvents(engine.queues);
    long interval = Math.max(1, sweepIntervalMs);
    engine.sweeper.scheduleWithFixedDelay(engine::sweepIfLeader, interval, interval,
        TimeUnit.MILLISECONDS);
    return engine;
  }

  /**
   * The leader's expiry sweep: when some key is due, it proposes a sweep entry, and every member
   * deletes the keys due at that entry's time. One at a time; a sweep that hit its key limit is
   * followed by another at the next tick.
   */
  private void sweepIfLeader() {
    try {
      if (sweepInFlight.get() || !node.isLeader()
          || !local.hasExpired(clock.millis())) {
        return;
      }
      sweepInFlight.set(true);
      node.client().async().send(Message.valueOf(ByteString.copyFrom(EntryCodec.encodeSweep())))
          .orTimeout(DEFAULT_WRITE_TIMEOUT_MS, TimeUnit.MILLISECONDS)
          .whenComplete((reply, failure) -> sweepInFlight.set(false));
    } catch (RuntimeException e) {
      sweepInFlight.set(false);
      LOG.warn("expiry sweep proposal failed; will retry: cause={}", e.toString());
    }
  }

  // ---- writes ----------------------------------------------------------------------------------

  @Override
  public CompletableFuture<CommitResult> commit(AtomicWrite write) {
    AtomicWriteEntry proposal;
    try {
      proposal = codec.encodeWrite(write);
    } catch (KvException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (!node.isLeader()) {
      machine.counters.writeForwarded();
    }
    long timeoutMs = write.deadlineNanos() == Long.MAX_VALUE ? DEFAULT_WRITE_TIMEOUT_MS
        : Math.max(1, TimeUnit.NANOSECONDS.toMillis(write.deadlineNanos() - System.nanoTime()));
    return proposals.propose(proposal, timeoutMs);
  }

  /**
   * Proposes a queue entry through this member's Raft client; the applied entry's reply. (Writes
   * go through {@link Proposals}, which packs several into one entry.)
   */
  private CompletableFuture<byte[]> propose(byte[] proposal, long timeoutMs) {
    return node.client().async().send(Message.valueOf(ByteString.copyFrom(proposal)))
        .orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .handle((reply, failure) -> {
          Throwable cause = failure != null ? Proposals.unwrap(failure)
              : reply.isSuccess() ? null : reply.getException();
          if (cause != null) {
            // It may have been appended, and may yet be applied: only a re-read can tell.
            LOG.warn("a proposal got no answer from the cluster: cause={}", cause.toString());
            throw KvException.outcomeUnknown(cause);
          }
          return reply.getMessage().getContent().toByteArray();
        });
  }

  // ---- reads -----------------------------------------------------------------------------------

  /** Waits until this member has applied every write acknowledged before now. */
  private void readBarrier() {
    String halted = machine.halted();
    if (halted != null) {
      throw new KvException(ErrorKind.UNAVAILABLE, halted);
    }
    CompletableFuture<Void> reply = reads.await();
    try {
      reply.get(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new KvException(ErrorKind.UNAVAILABLE,
          "no leader confirmed this node is up to date in time (no quorum?): retry the read");
    } catch (ExecutionException e) {
      throw new KvException(ErrorKind.UNAVAILABLE,
          "the cluster could not confirm this node is up to date: retry the read", e.getCause());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvException(ErrorKind.UNAVAILABLE, "interrupted while reading");
    }
  }

  /** One ReadIndex round through the leader; completes once this member has applied up to it. */
  private CompletableFuture<Void> readIndexRound() {
    return node.client().async().sendReadOnlyUnordered(Message.EMPTY, node.id())
        .orTimeout(READ_TIMEOUT_MS, TimeUnit.MILLISECONDS)
        .thenAccept(r -> {
          if (!r.isSuccess()) {
            throw new CompletionException(r.getException());
          }
        });
  }

  @Override
  public List<StoredEntry> get(List<byte[]> keys) {
    readBarrier();
    return local.get(keys);
  }

  @Override
  public ListPage list(byte[] start, byte[] end, boolean reverse, int limit, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    readBarrier();
    return local.list(start, end, reverse, limit, maxBytes, sizer);
  }

  @Override
  public List<ListPage> listRanges(List<RangeRead> ranges, long maxBytes,
      ToLongFunction<StoredEntry> sizer) {
    readBarrier();
    return local.listRanges(ranges, maxBytes, sizer);
  }

  @Override
  public KeyWatch watch(List<byte[]> keys, Versionstamp after, WatchListener listener) {
    // Every member applies every entry, so the local change feed sees every write; the barrier
    // makes the first state at least as new as any write acknowledged before the call.
    readBarrier();
    return local.watch(keys, after, listener);
  }

  /** Reads from this member's store as it is, without the round through the leader. */
  @Override
  public KvEngine eventualReads() {
    return eventual;
  }

  // ---- queues ----------------------------------------------------------------------------------

  /** A listener on this member: see {@link ClusterQueues} for how delivery is decided. */
  @Override
  public QueueSubscription listen(String tenant, int maxInFlight, QueueSink sink) {
    return queues.listen(tenant, maxInFlight, sink);
  }

  /** Settles a lease taken through any member, as a log entry. */
  @Override
  public CompletableFuture<Void> ack(String tenant, String leaseId, boolean success) {
    return queues.ack(tenant, leaseId, success);
  }

  @Override
  public CompletableFuture<Integer> dropTenantQueue(String tenant) {
    return propose(EntryCodec.encodeDropTenantQueue(tenant), DEFAULT_WRITE_TIMEOUT_MS)
        .thenApply(reply -> {
          EntryCodec.check(reply);
          return 0; // counted by each member as it applies the entry
        });
  }

  @Override
  public void stopQueueDelivery() {
    queues.stop();
  }

  // ---- the rest --------------------------------------------------------------------------------

  @Override
  public BackupResult backup(Path directory) {
    return local.backup(directory);
  }

  /** The cluster's: every member answers with the same id. */
  @Override
  public UUID databaseId() {
    return databaseId;
  }

  @Override
  public Usage usage(String tenant) {
    return local.usage(tenant);
  }

  @Override
  public EngineStats stats() {
    return local.stats();
  }

  /** Every member's store holds the queue as applied so far; this member's answers. */
  @Override
  public DeadLetterLog deadLetters() {
    return local.deadLetters();
  }

  @Override
  public QueueCounts queueCounts(long nowMs, int maxReadyCounted) {
    return local.queueCounts(nowMs, maxReadyCounted);
  }

  @Override
  public ClusterStatus clusterStatus() {
    return node.status(clusterId);
  }

  @Override
  public ClusterControl cluster() {
    return control;
  }

  @Override
  public void close() {
    queues.stop();
    sweeper.shutdownNow();
    control.close();
    try {
      node.close();
    } catch (IOException | RuntimeException e) {
      LOG.warn("closing the Raft server failed", e);
    }
    local.close();
  }
}
