package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.lmdbjava.Txn;

/**
 * A request from a replicated log, applied at the entry's time and stamped from it, so that the
 * result is the same on every replica. Its log position is stored with the batch. The requests of
 * one entry share its {@link Proposal}: a proposal applied before is not applied again.
 */
final class ReplicatedEntry extends WriterJob {
  private final Proposal proposal;
  private final int index;
  private final AtomicWrite write;
  private final LogPosition position;
  private final CompletableFuture<CommitResult> future = new CompletableFuture<>();

  /** The {@code index}-th request of {@code proposal}'s entry, at {@code position}. */
  ReplicatedEntry(Proposal proposal, int index, AtomicWrite write, LogPosition position) {
    this.proposal = proposal;
    this.index = index;
    this.write = write;
    this.position = position;
  }

  /**
   * The entry's proposal, which its requests run in order in one batch: the first finds whether
   * it was applied before, the last remembers what they all came to.
   */
  static final class Proposal {
    private final ProposalId id;
    private final long entryTimeMicros;
    private final int size;
    private List<RequestOutcome> earlier;
    private final List<RequestOutcome> outcomes = new ArrayList<>();

    Proposal(ProposalId id, long entryTimeMicros, int size) {
      this.id = id;
      this.entryTimeMicros = entryTimeMicros;
      this.size = size;
    }

    private void lookUp(Txn<byte[]> txn, Batch batch) {
      outcomes.clear();
      earlier = batch.proposedInBatch(id);
      if (earlier == null) {
        earlier = batch.store().proposals.find(txn, id);
      }
    }
  }

  @Override
  boolean keepsWithNext() {
    return index < proposal.size - 1;
  }

  CompletableFuture<CommitResult> future() {
    return future;
  }

  @Override
  void run(Txn<byte[]> child, Batch batch) {
    if (index == 0) {
      proposal.lookUp(child, batch);
    }
    batch.applied(position);
    if (proposal.earlier != null) {
      // A second copy of the proposal: the first one's answer, and nothing written.
      RequestOutcome first = index < proposal.earlier.size() ? proposal.earlier.get(index)
          : RequestOutcome.failed(new KvException(ErrorKind.INTERNAL, "log entry "
              + position.index() + " repeats a proposal of " + proposal.earlier.size()
              + " requests with " + proposal.size));
      batch.answer(() -> first.answer(future));
      return;
    }
    Versionstamp vs = batch.startEntry(proposal.entryTimeMicros);
    proposal.outcomes.add(RequestApplication.apply(child, batch, write, vs,
        proposal.entryTimeMicros / 1000, future));
    if (index == proposal.size - 1) {
      batch.proposed(proposal.id,
          new ProposalTable.Recorded(proposal.entryTimeMicros, List.copyOf(proposal.outcomes)));
    }
  }

  @Override
  boolean didNotFit(Batch batch) {
    return false; // a replica cannot skip a log entry
  }

  @Override
  void fail(KvException e) {
    future.completeExceptionally(e);
  }
}
