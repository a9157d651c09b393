package dev.atomkv.server.engine;

import java.util.List;

/**
 * One member's view of its cluster.
 *
 * @param leaderId the member it follows as leader, or null while it knows of none
 * @param role LEADER, FOLLOWER, CANDIDATE or LISTENER
 * @param commitIndex the last log index known committed on a majority
 * @param appliedIndex the last log index applied to this member's store
 * @param snapshotIndex the last log index of this member's latest snapshot: its store holds
 *     everything up to it durably, and its Raft log may be purged up to it
 * @param snapshotInstalls how many times since it started this member rebuilt its store from a
 *     peer's copy (it was missing entries the leader had purged)
 * @param members every member's id and Raft address
 */
public record ClusterStatus(String clusterId, String nodeId, String leaderId, long term,
    String role, long commitIndex, long appliedIndex, long snapshotIndex, long snapshotInstalls,
    List<Member> members) {
  public ClusterStatus {
    members = List.copyOf(members);
  }

  /** A member: its id and Raft address. */
  public record Member(String id, String raftAddress) {}
}
