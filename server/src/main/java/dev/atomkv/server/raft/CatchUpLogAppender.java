package dev.atomkv.server.raft;

import org.apache.ratis.grpc.server.GrpcLogAppender;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.leader.FollowerInfo;
import org.apache.ratis.server.leader.LeaderState;

/**
 * Ratis's gRPC log appender, with one decision corrected: whether a follower must be told to
 * install a snapshot.
 *
 * <p>Ratis 3.3.0 tells a follower to install one whenever the follower's next entry is the first
 * the leader's log holds and the leader no longer knows the term of the entry before it (that
 * entry was in a segment already purged). A follower whose own snapshot ends right before that
 * entry answers "already installed", which is true, and the leader should then send the entries
 * with no previous one, as its append path allows exactly then. Instead it asks again, for ever:
 * the follower never receives another entry. This happens to a leader killed with every entry of
 * its term applied, once the next leader purges that term's segment (a term begins a segment).
 */
final class CatchUpLogAppender extends GrpcLogAppender {
  CatchUpLogAppender(RaftServer.Division server, LeaderState leaderState, FollowerInfo follower) {
    super(server, leaderState, follower);
  }

  @Override
  public boolean shouldInstallSnapshot(boolean hasSnapshot) {
    FollowerInfo follower = getFollower();
    if (holdsEverythingBeforeTheLog(follower.getNextIndex(), follower.getSnapshotIndex(),
        getRaftLog().getStartIndex())) {
      return false;
    }
    return super.shouldInstallSnapshot(hasSnapshot);
  }

  /**
   * Whether the follower has said (in its answer to a snapshot notification) that it holds every
   * entry before its next one, and that next one is in the leader's log: then the entries can go
   * to it from the log, and a snapshot would add nothing.
   *
   * @param followerSnapshotIndex the index the follower last reported its snapshot at; 0 until
   *     it answered a notification
   */
  static boolean holdsEverythingBeforeTheLog(long followerNextIndex, long followerSnapshotIndex,
      long leaderStartIndex) {
    return followerSnapshotIndex > 0
        && followerNextIndex == followerSnapshotIndex + 1
        && followerNextIndex >= leaderStartIndex;
  }
}
