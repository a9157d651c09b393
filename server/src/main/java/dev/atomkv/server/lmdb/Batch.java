package dev.atomkv.server.lmdb;

import dev.atomkv.server.engine.KeyChange;
import dev.atomkv.server.model.Versionstamp;
import java.util.ArrayList;
import java.util.List;

/**
 * One batch as the writer runs it: a parent transaction whose jobs each run in a child. The jobs
 * report here what they committed; answers and retries wait until the parent has committed, so
 * that a batch failing as a whole never leaves a request answered or queued twice.
 */
final class Batch {
  private final Store store;
  private final long version;
  private final long nowMs;
  private final boolean alone;
  private int position;
  private int committedRequests;
  private boolean changed;
  private int sweptKeys = -1;
  private boolean sweepAgain;
  private final List<KeyChange> changes = new ArrayList<>();
  private final List<Runnable> answers = new ArrayList<>();
  private final List<ClientRequest> retries = new ArrayList<>();

  /**
   * @param version the commit version every versionstamp of the batch starts with
   * @param nowMs the batch's clock reading: expiry and queue times are judged against it
   * @param alone whether this is a request retried on its own after it did not fit in a batch
   */
  Batch(Store store, long version, long nowMs, boolean alone) {
    this.store = store;
    this.version = version;
    this.nowMs = nowMs;
    this.alone = alone;
  }

  Store store() {
    return store;
  }

  long version() {
    return version;
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
   * A job's child transaction committed.
   *
   * @param stamped whether it took a versionstamp (a position in the batch)
   * @param clientRequest whether it was a client's request (counted for monitoring)
   */
  void committed(List<KeyChange> keys, boolean stamped, boolean clientRequest) {
    changed = true;
    changes.addAll(keys);
    position += stamped ? 1 : 0;
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
    return position > 0;
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
