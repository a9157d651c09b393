package dev.atomkv.server.raft;

import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.raft.wire.AtomicWriteEntry;
import dev.atomkv.server.raft.wire.Reply;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The writes this member proposes, gathered into log entries of several requests. Each log entry
 * costs a round through the leader, a log sync on a majority and a store commit on every member
 * whatever it holds, so requests that arrive while earlier entries are on their way wait and go
 * together in the next one: at one request in flight nothing waits, under load an entry carries
 * what arrived during one round. Every entry is one Ratis call with its own call id, which a retry
 * across a leader change keeps: the retry is answered from the retry cache, or, when it lands in
 * the log a second time, the store answers that copy as it answered the first and applies it
 * only once.
 */
final class Proposals {
  private static final Logger LOG = LoggerFactory.getLogger(Proposals.class);
  /**
   * An entry grows no larger than this unless one request alone is larger: well inside what
   * Ratis's log appender puts in one append call (4 MiB by default), so one large entry does not
   * hold back the entries behind it.
   */
  static final long MAX_ENTRY_BYTES = 1 << 20;

  private record Pending(AtomicWriteEntry write, long deadlineNanos,
      CompletableFuture<CommitResult> answer) {}

  private final RaftNode node;
  private final int maxRequests;
  private final int maxInFlight;
  /** Guarded by this, as is {@link #inFlight}. */
  private final ArrayDeque<Pending> waiting = new ArrayDeque<>();
  private int inFlight;

  /**
   * @param maxRequests the most requests one log entry carries
   * @param maxInFlight the most entries this member has proposed and not yet seen answered
   */
  Proposals(RaftNode node, int maxRequests, int maxInFlight) {
    this.node = node;
    this.maxRequests = maxRequests;
    this.maxInFlight = maxInFlight;
  }

  /**
   * Proposes one request. The answer fails with UNAVAILABLE "commit outcome unknown" when the
   * cluster did not answer by the deadline (it may still be applied).
   */
  CompletableFuture<CommitResult> propose(AtomicWriteEntry write, long timeoutMs) {
    Pending pending = new Pending(write,
        System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs), new CompletableFuture<>());
    List<Pending> batch;
    synchronized (this) {
      waiting.add(pending);
      batch = nextBatch();
    }
    if (batch != null) {
      send(batch);
    }
    return pending.answer().orTimeout(timeoutMs, TimeUnit.MILLISECONDS)
        .exceptionallyCompose(failure -> {
          Throwable cause = unwrap(failure);
          if (cause instanceof KvException) {
            return CompletableFuture.failedFuture(cause);
          }
          // It may have been appended, and may yet be applied: only a re-read can tell.
          LOG.warn("a write got no answer from the cluster: cause={}", cause.toString());
          return CompletableFuture.failedFuture(
              KvException.outcomeUnknown(cause));
        });
  }

  /** The next entry's requests, when one may go now; null otherwise. Holds the lock. */
  private List<Pending> nextBatch() {
    if (inFlight >= maxInFlight) {
      return null;
    }
    List<Pending> batch = new ArrayList<>();
    long bytes = 0;
    while (!waiting.isEmpty() && batch.size() < maxRequests) {
      Pending next = waiting.peek();
      long size = next.write().getSerializedSize();
      if (!batch.isEmpty() && bytes + size > MAX_ENTRY_BYTES) {
        break;
      }
      waiting.poll();
      if (next.answer().isDone()) {
        continue; // its deadline passed while it waited: never proposed
      }
      batch.add(next);
      bytes += size;
    }
    if (batch.isEmpty()) {
      return null;
    }
    inFlight++;
    return batch;
  }

  private void send(List<Pending> batch) {
    long deadline = batch.get(0).deadlineNanos();
    List<AtomicWriteEntry> writes = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      writes.add(p.write());
      deadline = Math.max(deadline, p.deadlineNanos());
    }
    long timeoutMs = Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
    CompletableFuture<RaftClientReply> sent;
    try {
      sent = node.client().async()
          .send(Message.valueOf(ByteString.copyFrom(EntryCodec.encodeBatch(writes))))
          .orTimeout(timeoutMs, TimeUnit.MILLISECONDS);
    } catch (RuntimeException e) {
      sent = CompletableFuture.failedFuture(e);
    }
    sent.whenComplete((reply, failure) -> {
      answer(batch, reply, failure);
      List<Pending> next;
      synchronized (this) {
        inFlight--;
        next = nextBatch();
      }
      if (next != null) {
        send(next);
      }
    });
  }

  private static void answer(List<Pending> batch, RaftClientReply reply, Throwable failure) {
    Throwable cause = failure != null ? unwrap(failure)
        : reply.isSuccess() ? null : reply.getException();
    if (cause != null) {
      KvException unknown = KvException.outcomeUnknown(cause);
      LOG.warn("an entry got no answer from the cluster: requests={} cause={}", batch.size(),
          cause.toString());
      batch.forEach(p -> p.answer().completeExceptionally(unknown));
      return;
    }
    byte[] content = reply.getMessage().getContent().toByteArray();
    try {
      if (batch.size() == 1) {
        batch.get(0).answer().complete(EntryCodec.result(content));
        return;
      }
      List<Reply> replies = EntryCodec.results(content);
      if (replies.size() != batch.size()) {
        // The entry failed as a whole (or was replayed after a restart): one reply for all.
        CommitResult whole = EntryCodec.result(content);
        throw new KvException(ErrorKind.INTERNAL,
            "the cluster answered an entry of " + batch.size() + " requests with "
                + replies.size() + " replies (" + whole + ")");
      }
      for (int i = 0; i < batch.size(); i++) {
        CompletableFuture<CommitResult> answer = batch.get(i).answer();
        try {
          answer.complete(EntryCodec.result(replies.get(i)));
        } catch (KvException e) {
          answer.completeExceptionally(e);
        }
      }
    } catch (KvException e) {
      batch.forEach(p -> p.answer().completeExceptionally(e));
    }
  }

  static Throwable unwrap(Throwable t) {
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }
}
