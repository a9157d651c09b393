package dev.atomkv.server.raft;

import dev.atomkv.server.engine.ClusterStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.ratis.proto.RaftProtos.CommitInfoProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;

/**
 * A member's view of the cluster and each member's progress, read from Ratis's division: the
 * configuration for who is a voter or a learner, {@link RoleInfoProto} for who was heard from
 * when, the leader's log appenders for match indexes, and the commit infos members report.
 */
final class ClusterProgress {
  /** The role of a server outside the configuration: joining, or removed. */
  static final String NOT_A_MEMBER = "NOT_A_MEMBER";

  private ClusterProgress() {}

  /** Our name for Ratis's roles: a listener is what Raft calls a learner. */
  static String roleName(RaftPeerRole role) {
    return role == RaftPeerRole.LISTENER ? "LEARNER" : role.name();
  }

  static ClusterStatus of(RaftServer.Division division, String clusterId, long snapshotIndex,
      long snapshotInstalls) {
    DivisionInfo info = division.getInfo();
    RaftPeerId self = division.getId();
    RaftPeerId leaderId = info.getLeaderId();
    // Match indexes come without ids, in the order of the leader's log appenders; RoleInfoProto
    // lists the same appenders in the same order with their ids. Read back to back they pair up,
    // unless a membership change in between added or removed an appender: then the sizes differ
    // and no match index is reported this time.
    long[] matches = info.isLeader() ? info.getFollowerMatchIndices() : new long[0];
    RoleInfoProto roleInfo = info.getRoleInfoProto();
    Map<String, Long> matchById = new HashMap<>();
    Map<String, Long> contactById = new HashMap<>();
    if (roleInfo.hasLeaderInfo()) {
      List<ServerRpcProto> followers = roleInfo.getLeaderInfo().getFollowerInfoList();
      for (int i = 0; i < followers.size(); i++) {
        String id = followers.get(i).getId().getId().toStringUtf8();
        contactById.put(id, followers.get(i).getLastRpcElapsedTimeMs());
        if (followers.size() == matches.length) {
          matchById.put(id, matches[i]);
        }
      }
    } else if (roleInfo.hasFollowerInfo() && roleInfo.getFollowerInfo().hasLeaderInfo()) {
      ServerRpcProto leader = roleInfo.getFollowerInfo().getLeaderInfo();
      contactById.put(leader.getId().getId().toStringUtf8(), leader.getLastRpcElapsedTimeMs());
    }
    Map<String, Long> commitById = new HashMap<>();
    for (CommitInfoProto c : division.getCommitInfos()) {
      commitById.put(c.getServer().getId().toStringUtf8(), c.getCommitIndex());
    }
    // Ratis says -1 for "none yet" (a member with an empty log); the status says 0.
    long commitIndex = Math.max(0, division.getRaftLog().getLastCommittedIndex());
    long appliedIndex = Math.max(0, info.getLastAppliedIndex());
    if (info.isLeader()) {
      matchById.put(self.toString(), division.getRaftLog().getFlushIndex());
    }

    RaftConfiguration conf = division.getRaftConf();
    List<ClusterStatus.Member> members = new ArrayList<>();
    for (RaftPeerRole role : new RaftPeerRole[] {RaftPeerRole.FOLLOWER, RaftPeerRole.LISTENER}) {
      for (RaftPeer peer : conf.getCurrentPeers(role)) {
        String id = peer.getId().toString();
        String memberRole = peer.getId().equals(leaderId) ? "LEADER" : roleName(role);
        Long match = matchById.get(id);
        long lag = match == null ? ClusterStatus.UNKNOWN : Math.max(0, commitIndex - match);
        members.add(new ClusterStatus.Member(id, peer.getAddress(), memberRole,
            known(match), lag, known(commitById.get(id)),
            peer.getId().equals(self) ? appliedIndex : ClusterStatus.UNKNOWN,
            known(contactById.get(id))));
      }
    }
    members.sort(Comparator.comparing(ClusterStatus.Member::id));
    return new ClusterStatus(clusterId, self.toString(),
        leaderId == null ? null : leaderId.toString(), info.getCurrentTerm(),
        ownRole(division), commitIndex, appliedIndex, snapshotIndex, snapshotInstalls, members);
  }

  /**
   * This member's role. Ratis reports a member it added as a listener, or one not in the
   * configuration at all (started with --join and not added yet, or removed), as a follower; the
   * configuration tells them apart.
   */
  static String ownRole(RaftServer.Division division) {
    RaftPeerRole role = division.getInfo().getCurrentRole();
    if (role != RaftPeerRole.FOLLOWER) {
      return roleName(role);
    }
    RaftConfiguration conf = division.getRaftConf();
    if (conf.getPeer(division.getId(), RaftPeerRole.FOLLOWER) != null) {
      return "FOLLOWER";
    }
    return conf.getPeer(division.getId(), RaftPeerRole.LISTENER) != null ? "LEARNER"
        : NOT_A_MEMBER;
  }

  private static long known(Long value) {
    return value == null ? ClusterStatus.UNKNOWN : value;
  }
}
