package dev.atomkv.server.raft;

import java.util.Map;
import java.util.UUID;

/**
 * Who the members of a cluster are and which one this process is.
 *
 * @param clusterId the cluster's name; every member is started with the same one. It names the
 *     Raft group, and the store's database id (what KV Connect clients see) derives from it
 * @param nodeId this member's id, one of {@code peers}' keys
 * @param raftBind where this member's Raft server listens (host:port)
 * @param peers every member's id and Raft address (host:port) as the others reach it, this one
 *     included
 * @param electionTimeoutMs how long a follower waits for the leader before standing for election
 *     (randomised between it and twice it)
 * @param join whether this member starts outside the configuration, to be added by the leader
 *     (add-member); {@code peers} then names the members it can reach and itself
 * @param snapshotEvery how many applied entries between two snapshots (the store synced, the log
 *     purged behind it)
 * @param logSegmentBytes the size at which a Raft log segment file is closed and a new one begun;
 *     only closed segments are purged
 * @param batchMaxRequests the most write requests one log entry carries
 * @param proposalsInFlight the most log entries of writes this member has proposed and not yet
 *     seen answered; requests arriving meanwhile wait and go together in the next entry
 */
public record ClusterSettings(String clusterId, String nodeId, String raftBind,
    Map<String, String> peers, long electionTimeoutMs, boolean join, long snapshotEvery,
    long logSegmentBytes, int batchMaxRequests, int proposalsInFlight) {
  /** One Ratis client per entry in flight: each keeps its own requests in order. */
  public static final int MAX_PROPOSALS_IN_FLIGHT = RaftNode.PROPOSERS;

  public ClusterSettings {
    peers = Map.copyOf(peers);
  }

  /** The id every member derives alike from the cluster's name. */
  public UUID clusterUuid() {
    return UUID.nameUUIDFromBytes(("atomkv-cluster:" + clusterId)
        .getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }
}
