package dev.atomkv.server.raft;

import dev.atomkv.server.engine.CommitClock;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.io.IOException;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftGroupMemberId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
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
  /** What the store held when this member started: entries up to it are not applied again. */
  private volatile LogPosition durable = LogPosition.NONE;
  /**
   * The last apply handed to the store. Ratis reports entries of its own (configuration, a new
   * leader's first entry) in log order between ours; the applied index moves past them only once
   * every entry before them is in the store, or a read could be served from behind.
   */
  private CompletableFuture<?> tail = CompletableFuture.completedFuture(null);
  /** What this member's metrics count; installing a snapshot counts one there. */
  final ClusterCounters counters = new ClusterCounters();

  AtomkvStateMachine(ReplicaStore store, EntryCodec codec) {
    this.store = store;
    this.codec = codec;
  }

  @Override
  public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage storage)
      throws IOException {
    super.initialize(server, groupId, storage);
    durable = store.lastApplied();
    if (durable.index() > 0) {
      advance(durable.term(), durable.index());
    }
    LOG.info("state machine starts after the applied entry: term={} index={}", durable.term(),
        durable.index());
  }

  /** On the leader, before replication: the entry gets the leader's time. */
  @Override
  public TransactionContext startTransaction(RaftClientRequest request) throws IOException {
    ByteString proposal = request.getMessage().getContent();
    ByteString stamped = proposal.concat(
        ByteString.copyFrom(EntryCodec.timeStamp(CommitClock.micros(Instant.now()))));
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
    if (position.index() <= durable.index()) {
      // Replayed after a restart: the store already holds it, and nobody waits for its answer.
      advance(position.term(), position.index());
      return CompletableFuture.completedFuture(Message.valueOf(ByteString.copyFrom(
          EntryCodec.reply(new KvException(ErrorKind.UNAVAILABLE,
              "commit outcome unknown: re-read before retrying")))));
    }
    CompletableFuture<byte[]> applied;
    try {
      EntryCodec.Decoded decoded =
          codec.decode(entry.getStateMachineLogEntry().getLogData().toByteArray());
      applied = decoded.sweep()
          ? store.sweep(decoded.timeMicros(), position).thenApply(n -> EntryCodec.SWEPT)
          : store.apply(decoded.write(), decoded.timeMicros(), position)
              .thenApply(EntryCodec::reply);
    } catch (KvException e) {
      applied = CompletableFuture.failedFuture(e);
    }
    CompletableFuture<Message> answered = applied
        .exceptionally(failure -> EntryCodec.reply(kvFailure(failure)))
        .thenApply(reply -> {
          advance(position.term(), position.index());
          return Message.valueOf(ByteString.copyFrom(reply));
        });
    synchronized (this) {
      tail = answered;
    }
    return answered;
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
   * A linearizable read reaches here once Ratis counts everything up to its read index applied;
   * the caller then reads its local store. Ratis counts an entry of its own (a configuration, a
   * commit-index record) applied at once, ahead of ours before it that the store is still
   * writing: waiting for the last apply handed to the store puts every entry up to the read index
   * in the store first.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    CompletableFuture<?> before;
    synchronized (this) {
      before = tail;
    }
    return before.handle((r, e) -> Message.EMPTY);
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
