package dev.atomkv.server.engine;

import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The local store of one member of a replicated cluster: every member applies the same log
 * entries in the same order, through here, and so holds the same keys with the same versionstamps.
 * Reads, watches and backups work as on any {@link KvEngine}; {@link #commit} is not how a replica
 * is written to.
 */
public interface ReplicaStore extends KvEngine {
  /** The position of the last entry applied, stored in the same transaction as its data. */
  LogPosition lastApplied();

  /**
   * Applies one log entry's request, in log order. Its versionstamp is
   * {@code max(last commit version + 1, entryTimeMicros)} at position 0, and its checks,
   * conditions and expiry are judged at the entry's time: every replica that applies the same
   * entries reaches the same state, whatever its own clock says. The future completes once the
   * data and {@code position} are durably committed together; it fails with the request's
   * {@link dev.atomkv.server.model.KvException} (every replica fails it alike).
   */
  CompletableFuture<CommitResult> apply(AtomicWrite write, long entryTimeMicros,
      LogPosition position);

  /**
   * Applies one log entry of several requests, in order, each as {@link #apply} would apply it
   * alone at the entry's time. They land in the same commit as {@code position}, so a restart
   * finds all or none of them; each future completes as that request's would.
   */
  List<CompletableFuture<CommitResult>> applyAll(List<AtomicWrite> writes, long entryTimeMicros,
      LogPosition position);

  /**
   * Applies a sweep entry: deletes up to a fixed number of keys whose expiry time is at or before
   * the entry's time (in expiry order), as one commit stamped like a write entry, and reports the
   * deletions to watchers. Every replica holds the same keys, so every replica deletes the same.
   *
   * @return how many keys it deleted
   */
  CompletableFuture<Integer> sweep(long entryTimeMicros, LogPosition position);

  /** Whether some key's expiry time is at or before {@code nowMs}: a sweep would find work. */
  boolean hasExpired(long nowMs);
}
