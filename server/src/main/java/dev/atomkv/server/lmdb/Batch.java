package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch as the writer runs it: a parent transaction whose jobs each run in a child. The jobs
 * report here what they committed; answers and retries wait until the parent has committed, so
 * that a batch failing as a whole never leaves a request answered or queued twice.
 */
final class Batch {
  private final Store store;
  private final long lastCommitVersion;
  private final long nowMs;
  private final boolean alone;
  /** The commit version being stamped, and the next position in it. */
  private long version;
  private int position;
  private boolean stamped;
  private long firstVersion;
  /** The version of the last commit a job made in the batch (when {@link #stamped}). */
  private long stampedVersion;
  private LogPosition applied;
  private int committedRequests;
  private boolean changed;
  private int sweptKeys = -1;
  private boolean sweepAgain;
  private final List<KeyChange> changes = new ArrayList<>();
  private final List<Runnable> answers = new ArrayList<>();
  private final List<ClientRequest> retries = new ArrayList<>();
  private final Map<ProposalId, ProposalTable.Recorded> proposals = new LinkedHashMap<>();

  /**
   * @param lastCommitVersion the store's last commit version before the batch
   * @param clockMicros the batch's clock reading in microseconds: the batch's commit version is
   *     the larger of it and {@code lastCommitVersion + 1}
   * @param nowMs the batch's clock reading: expiry and queue times are judged against it
   * @param alone whether this is a request retried on its own after it did not fit in a batch
   */
  Batch(Store store, long lastCommitVersion, long clockMicros, long nowMs, boolean alone) {
    this.store = store;
    this.lastCommitVersion = lastCommitVersion;
    this.version = Math.max(lastCommitVersion + 1, clockMicros);
    this.nowMs = nowMs;
    this.alone = alone;
  }

  Store store() {
    return store;
  }

  /** The last commit version the batch stamped (or would stamp next, when it stamped none). */
  long version() {
    return stamped ? stampedVersion : version;
  }

  long nowMs() {
    return nowMs;
  }

  boolean alone() {
    return alone;
  }

  /** The versionstamp the next commit of the batch gets. */
  Versionstamp nextVersionstamp() {
    return new Versionstamp(version, position);
  }

  /**
   * Starts a commit version of its own for a replicated log entry: {@code max(last + 1, the
   * entry's time)}, position 0. It depends only on the entries applied before and their times, so
   * every replica stamps the entry alike however it batches.
   */
  Versionstamp startEntry(long entryTimeMicros) {
    // From the last version a committed job took, not the last one started: an entry that was
    // refused stamps nothing, and the next must not depend on whether it shared the batch.
    version = Math.max((stamped ? stampedVersion : lastCommitVersion) + 1, entryTimeMicros);
    position = 0;
    return nextVersionstamp();
  }

  /** A replicated log entry was applied (or refused): its position is stored with the batch. */
  void applied(LogPosition position) {
    applied = position;
    changed = true;
  }

  /** A replicated proposal was applied: it is remembered with the batch's position. */
  void proposed(ProposalId id, ProposalTable.Recorded recorded) {
    proposals.put(id, recorded);
  }

  /** What {@code id}'s requests came to when applied earlier in this batch, or null. */
  List<RequestOutcome> proposedInBatch(ProposalId id) {
    ProposalTable.Recorded r = proposals.get(id);
    return r == null ? null : r.outcomes();
  }

  Map<ProposalId, ProposalTable.Recorded> proposals() {
    return proposals;
  }

  /** The first commit version the batch stamped (it may stamp several: replicated entries). */
  long firstVersion() {
    return firstVersion;
  }

  /** The position of the last log entry the batch applied, or null. */
  LogPosition appliedPosition() {
    return applied;
  }

  /**
   * A job's child transaction committed.
   *
   * @param stamped whether it took a versionstamp (a position in the batch)
   * @param clientRequest whether it was a client's request (counted for monitoring)
   */
  void committed(List<KeyChange> keys, boolean stamped, boolean clientRequest) {
    changed = true;
    changes.addAll(keys);
    if (stamped) {
      if (!this.stamped) {
        firstVersion = version;
      }
      stampedVersion = version;
      position++;
      this.stamped = true;
    }
    committedRequests += clientRequest ? 1 : 0;
  }

  void swept(int keys, boolean more) {
    sweptKeys = keys;
    sweepAgain = more;
  }

  /** Runs once the batch is durable (or answered as refused when nothing changed). */
  void answer(Runnable answer) {
    answers.add(answer);
  }

  /** A request to run again as a batch of its own, once this batch is done. */
  void retryAlone(ClientRequest request) {
    retries.add(request);
  }

  /** Whether anything was written: without it the parent is aborted and nothing is synced. */
  boolean changed() {
    return changed;
  }

  /** Whether a versionstamp was issued, so the batch's version becomes the last commit version. */
  boolean stamped() {
    return stamped;
  }

  int committedRequests() {
    return committedRequests;
  }

  /** Keys deleted by the batch's expiry sweep, or -1 when no sweep committed. */
  int sweptKeys() {
    return sweptKeys;
  }

  boolean sweepAgain() {
    return sweepAgain;
  }

  List<KeyChange> changes() {
    return changes;
  }

  List<Runnable> answers() {
    return answers;
  }

  List<ClientRequest> retries() {
    return retries;
  }
}
