package dev.atomkv.server.engine;

import java.util.List;

/**
 * One member's view of its cluster. The per-member progress of the others (match index, lag, last
 * contact) is known only when this member leads; a follower knows its own indexes and the leader.
 *
 * @param leaderId the member it follows as leader, or null while it knows of none
 * @param role LEADER, FOLLOWER, CANDIDATE, LEARNER or NOT_A_MEMBER (joining, or removed)
 * @param commitIndex the last log index known committed on a majority
 * @param appliedIndex the last log index applied to this member's store
 * @param snapshotIndex the last log index of this member's latest snapshot: its store holds
 *     everything up to it durably, and its Raft log may be purged up to it
 * @param snapshotInstalls how many times since it started this member rebuilt its store from a
 *     peer's copy (it was missing entries the leader had purged)
 * @param members every member of the configuration this member knows, sorted by id
 */
public record ClusterStatus(String clusterId, String nodeId, String leaderId, long term,
    String role, long commitIndex, long appliedIndex, long snapshotIndex, long snapshotInstalls,
    List<Member> members) {
  /** A progress figure this member does not know. */
  public static final long UNKNOWN = -1;

  public ClusterStatus {
    members = List.copyOf(members);
  }

  /** The member with this id, or null. */
  public Member member(String id) {
    return members.stream().filter(m -> m.id().equals(id)).findFirst().orElse(null);
  }

  /**
   * A member and its progress; each figure is {@link #UNKNOWN} when the answering member does not
   * know it.
   *
   * @param role LEADER, FOLLOWER (a voter) or LEARNER (receives the log, does not vote)
   * @param matchIndex the last index its log holds in agreement with the leader's (leader's view)
   * @param lag entries its log is behind the leader's commit index (leader's view)
   * @param commitIndex its commit index as it last reported it
   * @param appliedIndex its applied index (the answering member's own only)
   * @param lastContactMs milliseconds since the answering member last heard from it
   */
  public record Member(String id, String raftAddress, String role, long matchIndex, long lag,
      long commitIndex, long appliedIndex, long lastContactMs) {
    /** A member of whose progress nothing is known. */
    public Member(String id, String raftAddress) {
      this(id, raftAddress, "FOLLOWER", UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN, UNKNOWN);
    }
  }
}
