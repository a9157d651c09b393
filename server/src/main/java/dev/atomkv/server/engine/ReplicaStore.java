package dev.atomkv.server.engine;

import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * The local store of one member of a replicated cluster: every member applies the same log
 * entries in the same order, through here, and so holds the same keys with the same versionstamps.
 * Reads, watches and backups work as on any {@link KvEngine}; {@link #commit} is not how a replica
 * is written to.
 */
public interface ReplicaStore extends KvEngine {
  /** A copy ({@link #copyTo}) is this one file in its directory. */
  String COPY_FILE = "data.mdb";

  /**
   * How long, in entry time, a proposal is remembered as applied. A proposer stops sending a
   * proposal again a minute after its first try, so a second copy enters the log within a minute
   * of the first, plus whatever the two leaders' clocks disagree by: this leaves four minutes for
   * that.
   */
  long PROPOSALS_KEPT_MICROS = 5 * 60 * 1_000_000L;

  /** The position of the last entry applied, stored in the same transaction as its data. */
  LogPosition lastApplied();

  /**
   * Applies one log entry of several requests, in order, each at the entry's time: its
   * versionstamp is {@code max(last commit version + 1, entryTimeMicros)} at position 0, and its
   * checks, conditions and expiry are judged at the entry's time, so every replica that applies
   * the same entries reaches the same state whatever its own clock says. They land in the same
   * commit as {@code position}, so a restart finds all or none of them; each future completes
   * once that is durable, with the request's result or its
   * {@link dev.atomkv.server.model.KvException} (every replica fails it alike).
   *
   * <p>A proposal lands in the log twice when it is sent again after a leader change before the
   * new leader applied the first copy. The store keeps each entry's {@code proposal} with its
   * results for {@link #PROPOSALS_KEPT_MICROS} of entry time: a later entry of the same proposal
   * writes nothing (it still moves the position) and answers with the first copy's results.
   */
  List<CompletableFuture<CommitResult>> applyAll(ProposalId proposal, List<AtomicWrite> writes,
      long entryTimeMicros, LogPosition position);

  /** {@link #applyAll} of an entry that holds one request. */
  default CompletableFuture<CommitResult> apply(ProposalId proposal, AtomicWrite write,
      long entryTimeMicros, LogPosition position) {
    return applyAll(proposal, List.of(write), entryTimeMicros, position).get(0);
  }

  /**
   * Applies a sweep entry: deletes up to a fixed number of keys whose expiry time is at or before
   * the entry's time (in expiry order), as one commit stamped like a write entry, and reports the
   * deletions to watchers. Every replica holds the same keys, so every replica deletes the same.
   *
   * @return how many keys it deleted
   */
  CompletableFuture<Integer> sweep(long entryTimeMicros, LogPosition position);

  /**
   * Makes every entry applied so far durable, whatever the sync mode left unsynced, and returns
   * the position of the last one: the log may be dropped up to it.
   */
  LogPosition syncApplied();

  /**
   * Writes a consistent copy of the whole store (one read transaction, as a backup is) into the
   * empty directory {@code directory}; returns the position of the last entry the copy holds.
   */
  LogPosition copyTo(Path directory);

  /** The position of the last entry applied in the closed copy in {@code directory}. */
  LogPosition appliedIn(Path directory);

  /**
   * Replaces the whole store with the closed copy in {@code directory}, which must be on the
   * filesystem of {@link #dataDir()} (it is renamed into place). Applies queued before it finish
   * first; the future completes once the copy is the store, which then goes on from the copy's
   * position. If it fails, the store it had stays.
   */
  CompletableFuture<Void> replaceWith(Path directory);

  /** Where the store lives. */
  Path dataDir();

  /** Whether some key's expiry time is at or before {@code nowMs}: a sweep would find work. */
  boolean hasExpired(long nowMs);

  // ---- queues: every decision is the entry's (its time, its log index), never the replica's ----

  /**
   * Applies a lease entry: moves up to {@code max} of {@code tenant}'s messages ready at the
   * entry's time to the
   * in-flight table under leases named by the entry's log index, expiring {@code leaseMs} after
   * the entry's time, and counts their delivery.
   *
   * @return the leased messages, in delivery order, as their listener receives them
   */
  CompletableFuture<List<QueueDelivery>> leaseQueued(String tenant, int max, long leaseMs,
      long entryTimeMicros, LogPosition position);

  /**
   * Applies a settle entry: ends the lease {@code leaseId} with {@code outcome} at the entry's
   * time (a message given up on writes its undelivered keys, stamped like a write entry).
   *
   * @return false when the lease had already ended (settled, expired or requeued), or holds
   *     a message of a tenant other than {@code tenant}
   */
  CompletableFuture<Boolean> settleLease(String tenant, String leaseId, QueueOutcome outcome,
      long entryTimeMicros, LogPosition position);

  /**
   * Applies a lease-expiry entry: every lease expired at the entry's time ends as failed.
   *
   * @return the ids of the leases it ended
   */
  CompletableFuture<List<String>> expireLeases(long entryTimeMicros, LogPosition position);

  /**
   * Applies a requeue entry: every message in flight is ready again at the entry's time, its
   * delivery not counted, as after a single node's restart.
   *
   * @return how many there were
   */
  CompletableFuture<Integer> requeueLeases(long entryTimeMicros, LogPosition position);

  /**
   * Applies a drop entry: every message of {@code tenant}'s queue, waiting or in flight, is
   * removed (its leases end as unknown).
   *
   * @return how many there were
   */
  CompletableFuture<Integer> dropTenantQueue(String tenant, long entryTimeMicros,
      LogPosition position);

  /** This replica's queue as it is now: whether proposing queue work would find any. */
  QueueState queueState();

  /** The ready time of {@code tenant}'s first waiting message ({@link Long#MAX_VALUE}: none). */
  long nextReadyAtMs(String tenant);
}
