package dev.atomkv.server.engine;

/**
 * Operating a cluster from any member: its status, membership changes and leadership transfer
 * (forwarded to the leader), and the figures its metrics export. The calls block until the
 * cluster has answered or a bounded time has passed.
 */
public interface ClusterControl {
  /** This member's view of its cluster. */
  ClusterStatus status();

  /**
   * Adds a learner; the leader promotes it to voter once it has caught up.
   *
   * @throws dev.atomkv.server.model.KvException INVALID_ARGUMENT for a malformed id or address,
   *     FAILED_PRECONDITION when the id or address is a member's already or another change is in
   *     progress, UNAVAILABLE without a quorum
   */
  ClusterStatus addMember(String id, String raftAddress);

  /**
   * Removes a voter or learner.
   *
   * @throws dev.atomkv.server.model.KvException INVALID_ARGUMENT for an unknown id,
   *     FAILED_PRECONDITION for the last voter or while another change is in progress,
   *     UNAVAILABLE without a quorum
   */
  ClusterStatus removeMember(String id);

  /**
   * Makes the named voter the leader; returns once it leads.
   *
   * @throws dev.atomkv.server.model.KvException INVALID_ARGUMENT for an unknown id,
   *     FAILED_PRECONDITION for a learner or a transfer that did not finish, UNAVAILABLE without
   *     a leader
   */
  void transferLeadership(String id);

  /** The figures the metrics endpoint exports; cheap enough for every scrape. */
  RaftStats stats();

  /**
   * The Raft side of a member for monitoring. Counters count since the process started.
   *
   * @param role LEADER, FOLLOWER, CANDIDATE, LEARNER or NOT_A_MEMBER (joining, or removed)
   * @param logBytes bytes of the Raft log's files on disk
   * @param leaderChanges times this member saw the leader change (including to none)
   * @param forwardedWrites writes this member proposed while it was not the leader
   * @param snapshotInstalls snapshots this member installed from the leader
   */
  record RaftStats(long term, String role, long commitIndex, long appliedIndex, long logBytes,
      long leaderChanges, long forwardedWrites, long snapshotInstalls) {
    /** Entries committed and not yet applied here. */
    public long applyLag() {
      return Math.max(0, commitIndex - appliedIndex);
    }
  }
}
