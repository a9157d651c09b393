package dev.atomkv.server;

import dev.atomkv.server.raft.ClusterSettings;
import dev.atomkv.server.raft.HostPort;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Option;

/**
 * The settings of cluster mode. Without {@code --cluster-id} the server is a single node, exactly
 * as it always was.
 */
public final class ClusterOptions {
  /** No cluster: a single node. */
  static final String CLUSTER_ID = "";
  static final String NODE_ID = "";
  static final String PEERS = "";
  /** Take the port of this node's address in --peers, on every interface of the --bind host. */
  static final String RAFT_BIND = "";
  /** etcd's default: ten heartbeats of 100 ms; a busy machine does not depose a live leader. */
  static final long ELECTION_TIMEOUT_MS = 1000;
  /**
   * gRPC worker threads of a member when --threads is 0: a strong read waits on its thread for
   * the leader's ReadIndex round (tens of milliseconds), so one thread per core would allow only
   * that many reads in flight while the CPU idles.
   */
  static final int THREADS = 32;
  /** A member of the configuration --peers describes, not one waiting to be added. */
  static final boolean JOIN = false;
  /**
   * Requests per log entry at most: under load an entry carries what arrived during one round
   * through the leader, and this bounds how much one entry's apply holds up the next.
   */
  static final int RAFT_BATCH_MAX_REQUESTS = 256;
  /**
   * Entries of writes one member has on their way at once: enough to overlap one entry's log
   * sync with the previous one's store commit, few enough that under load each carries many
   * requests.
   */
  static final int RAFT_PROPOSALS_IN_FLIGHT = 4;

  @Option(names = "--cluster-id", defaultValue = "${ATOMKV_CLUSTER_ID:-" + CLUSTER_ID + "}",
      description = "Run as a member of this cluster (every member gets the same name); empty "
          + "for a single node. Env: ATOMKV_CLUSTER_ID.")
  String clusterId;

  @Option(names = "--node-id", defaultValue = "${ATOMKV_NODE_ID:-" + NODE_ID + "}",
      description = "This member's id, one of --peers. Env: ATOMKV_NODE_ID.")
  String nodeId;

  @Option(names = "--peers", defaultValue = "${ATOMKV_PEERS:-" + PEERS + "}",
      description = "Every member's id and Raft address, this one included: "
          + "id=host:port,id=host:port,... Env: ATOMKV_PEERS.")
  String peers;

  @Option(names = "--raft-bind", defaultValue = "${ATOMKV_RAFT_BIND:-" + RAFT_BIND + "}",
      description = "Where this member's Raft server listens (host:port); empty for the "
          + "--bind address and the port of this member in --peers. Env: ATOMKV_RAFT_BIND.")
  String raftBind;

  @Option(names = "--raft-election-timeout-ms",
      defaultValue = "${ATOMKV_RAFT_ELECTION_TIMEOUT_MS:-" + ELECTION_TIMEOUT_MS + "}",
      description = "How long a follower waits without hearing from the leader before it stands "
          + "for election (randomised up to twice this); the leader sends heartbeats at a "
          + "fraction of it. Env: ATOMKV_RAFT_ELECTION_TIMEOUT_MS.")
  long electionTimeoutMs;

  @Option(names = "--raft-snapshot-every",
      defaultValue = "${ATOMKV_RAFT_SNAPSHOT_EVERY:-" + ServerDefaults.RAFT_SNAPSHOT_EVERY + "}",
      description = "Take a snapshot every this many applied log entries: the store is synced "
          + "and the Raft log purged behind it (a member missing purged entries is rebuilt from "
          + "a peer's copy). Env: ATOMKV_RAFT_SNAPSHOT_EVERY.")
  long snapshotEvery;

  @Option(names = "--raft-log-segment-bytes", converter = SettingConverters.ByteSize.class,
      defaultValue = "${ATOMKV_RAFT_LOG_SEGMENT_BYTES:-" + ServerDefaults.RAFT_LOG_SEGMENT_MIB
          + "m}",
      description = "Size at which a Raft log segment file is closed and the next begun; only "
          + "closed segments are purged, so the log on disk is about this plus what the last "
          + "snapshot leaves. Suffixes k, m, g. Env: ATOMKV_RAFT_LOG_SEGMENT_BYTES.")
  long logSegmentBytes;

  @Option(names = "--join", defaultValue = "${ATOMKV_JOIN:-" + JOIN + "}", arity = "0..1",
      description = "Start as a new member waiting to be added with atomkv cluster-add-member: "
          + "outside the configuration, no elections, until the leader adds it as a learner "
          + "and sends it the log. --peers then lists the members to join and this one. "
          + "Harmless once it has joined (its log holds the configuration then). "
          + "Env: ATOMKV_JOIN.")
  boolean join;

  @Option(names = "--raft-batch-max-requests",
      defaultValue = "${ATOMKV_RAFT_BATCH_MAX_REQUESTS:-" + RAFT_BATCH_MAX_REQUESTS + "}",
      description = "The most write requests one Raft log entry carries: writes that arrive "
          + "while earlier entries are on their way go together in the next one (one log "
          + "sync and one store commit for all). Env: ATOMKV_RAFT_BATCH_MAX_REQUESTS.")
  int batchMaxRequests;

  @Option(names = "--raft-proposals-in-flight",
      defaultValue = "${ATOMKV_RAFT_PROPOSALS_IN_FLIGHT:-" + RAFT_PROPOSALS_IN_FLIGHT + "}",
      description = "How many log entries of writes this member may have proposed and not yet "
          + "seen answered; more requests wait for the next entry. "
          + "Env: ATOMKV_RAFT_PROPOSALS_IN_FLIGHT.")
  int proposalsInFlight;

  /** The gRPC worker threads when --threads is 0. */
  int defaultThreads() {
    return enabled() ? THREADS : Runtime.getRuntime().availableProcessors();
  }

  boolean enabled() {
    return !clusterId.isEmpty();
  }

  /**
   * The cluster as the flags describe it.
   *
   * @param bind the server's --bind address, where Raft listens unless --raft-bind says otherwise
   * @throws IllegalArgumentException with one line naming the setting at fault
   */
  ClusterSettings settings(String bind) {
    if (nodeId.isEmpty()) {
      throw new IllegalArgumentException("--node-id is required with --cluster-id");
    }
    Map<String, String> members = parsePeers(peers);
    String own = members.get(nodeId);
    if (own == null) {
      throw new IllegalArgumentException("--peers does not name this node (--node-id "
          + nodeId + "): " + peers);
    }
    String listen = raftBind.isEmpty()
        ? bind + ":" + HostPort.parse(own, "--peers").port() : raftBind;
    HostPort.parse(listen, "--raft-bind");
    if (electionTimeoutMs < 100 || electionTimeoutMs > 60_000) {
      throw new IllegalArgumentException("--raft-election-timeout-ms must be in 100..60000, got "
          + electionTimeoutMs);
    }
    if (snapshotEvery < 1) {
      throw new IllegalArgumentException("--raft-snapshot-every must be at least 1, got "
          + snapshotEvery);
    }
    if (logSegmentBytes < 64 * 1024 || logSegmentBytes > (1L << 31)) {
      throw new IllegalArgumentException("--raft-log-segment-bytes must be in 64k..2g, got "
          + logSegmentBytes);
    }
    if (batchMaxRequests < 1 || batchMaxRequests > 10_000) {
      throw new IllegalArgumentException("--raft-batch-max-requests must be in 1..10000, got "
          + batchMaxRequests);
    }
    if (proposalsInFlight < 1 || proposalsInFlight > ClusterSettings.MAX_PROPOSALS_IN_FLIGHT) {
      throw new IllegalArgumentException("--raft-proposals-in-flight must be in 1.."
          + ClusterSettings.MAX_PROPOSALS_IN_FLIGHT + ", got " + proposalsInFlight);
    }
    return new ClusterSettings(clusterId, nodeId, listen, members, electionTimeoutMs, join,
        snapshotEvery, logSegmentBytes, batchMaxRequests, proposalsInFlight);
  }

  static Map<String, String> parsePeers(String text) {
    Map<String, String> members = new LinkedHashMap<>();
    if (text.isBlank()) {
      throw new IllegalArgumentException("--peers is required with --cluster-id");
    }
    for (String item : text.split(",")) {
      int eq = item.indexOf('=');
      if (eq <= 0 || eq == item.length() - 1) {
        throw new IllegalArgumentException("--peers: expected id=host:port, got '" + item + "'");
      }
      String id = item.substring(0, eq).strip();
      String address = item.substring(eq + 1).strip();
      HostPort.parse(address, "--peers");
      if (members.put(id, address) != null) {
        throw new IllegalArgumentException("--peers names " + id + " twice");
      }
    }
    return members;
  }
}
