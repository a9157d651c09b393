package dev.atomkv.server.raft;

import dev.atomkv.server.engine.CommitClock;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftGroupId;
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
      if (!decoded.writes().isEmpty()) {
        applied = applyAll(decoded, position);
      } else if (decoded.sweep()) {
        applied = store.sweep(decoded.timeMicros(), position).thenApply(n -> EntryCodec.SWEPT);
      } else {
        applied = store.apply(decoded.write(), decoded.timeMicros(), position)
            .thenApply(EntryCodec::reply);
      }
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

  /** An entry of several requests: one reply each, in order, once all of them are applied. */
  private CompletableFuture<byte[]> applyAll(EntryCodec.Decoded decoded, LogPosition position) {
    List<CompletableFuture<CommitResult>> each =
        store.applyAll(decoded.writes(), decoded.timeMicros(), position);
    return CompletableFuture.allOf(each.toArray(CompletableFuture[]::new))
        .handle((done, failure) -> {
          List<Object> outcomes = new ArrayList<>(each.size());
          for (CompletableFuture<CommitResult> f : each) {
            outcomes.add(f.handle((r, e) -> e == null ? r : kvFailure(e)).join());
          }
          return EntryCodec.replies(outcomes);
        });
  }

  @Override
  public void notifyTermIndexUpdated(long term, long index) {
    CompletableFuture<?> before;
    synchronized (this) {
      before = tail;
    }
    before.whenComplete((r, e) -> advance(term, index));
  }

  /** Moves the applied index forward; the store's applies complete in order, Ratis's may not. */
  private synchronized void advance(long term, long index) {
    if (getLastAppliedTermIndex() == null || getLastAppliedTermIndex().getIndex() < index) {
      updateLastAppliedTermIndex(term, index);
    }
  }

  /**
   * A linearizable read reaches here once this member has applied everything committed before
   * the read began; the caller then reads its local store.
   */
  @Override
  public CompletableFuture<Message> query(Message request) {
    return CompletableFuture.completedFuture(Message.EMPTY);
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
