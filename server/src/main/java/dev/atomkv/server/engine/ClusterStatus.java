package dev.atomkv.server.engine;

import java.util.List;

/**
 * One member's view of its cluster.
 *
 * @param leaderId the member it follows as leader, or null while it knows of none
 * @param role LEADER, FOLLOWER, CANDIDATE or LISTENER
 * @param commitIndex the last log index known committed on a majority
 * @param appliedIndex the last log index applied to this member's store
 * @param members every member's id and Raft address
 */
public record ClusterStatus(String clusterId, String nodeId, String leaderId, long term,
    String role, long commitIndex, long appliedIndex, List<Member> members) {
  public ClusterStatus {
    members = List.copyOf(members);
  }

  /** A member: its id and Raft address. */
  public record Member(String id, String raftAddress) {}
}
