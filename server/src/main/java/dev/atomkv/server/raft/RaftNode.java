package dev.atomkv.server.raft;

import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.ratis.RaftConfigKeys;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.client.retry.RequestTypeDependentRetryPolicy;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.server.GrpcServices;
import org.apache.ratis.proto.RaftProtos.RaftClientRequestProto;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.io.grpc.ServerServiceDefinition;
import org.apache.ratis.util.ExitUtils;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * This member's Raft server (Apache Ratis over gRPC) and the client it proposes through. The log
 * lives in its own directory beside the store; Ratis syncs it before an entry counts as written.
 */
public final class RaftNode implements Closeable {
  /**
   * Proposers: a Ratis client keeps its own requests in order, so an entry sent through a client
   * waits behind the one before it; the entries this member has on their way (at most
   * --raft-proposals-in-flight, see {@link Proposals}) and its reads go through different clients.
   */
  static final int PROPOSERS = 32;
  /** How long after its first try a write is no longer sent again. */
  static final TimeDuration WRITE_RETRY_WINDOW = TimeDuration.valueOf(60, TimeUnit.SECONDS);

  private final RaftServer server;
  private final AtomkvStateMachine machine;
  private final ExecutorService copier;
  private final RaftClient[] clients;
  private final AtomicInteger next = new AtomicInteger();
  private final RaftPeerId id;
  private final RaftGroupId groupId;

  private RaftNode(RaftServer server, AtomkvStateMachine machine, ExecutorService copier,
      RaftClient[] clients, RaftPeerId id, RaftGroupId groupId) {
    this.server = server;
    this.machine = machine;
    this.copier = copier;
    this.clients = clients;
    this.id = id;
    this.groupId = groupId;
  }

  /**
   * Ratis ends the whole JVM with {@code System.exit} when its gRPC server cannot listen, and
   * (through the default handler it installs) on an uncaught exception of any thread. The server
   * decides its own exit status, and tests run several members in one JVM: a failed start
   * becomes an exception, and an uncaught exception goes back to the JVM's own handling (the
   * thread's stack trace on stderr), as in single-node mode.
   */
  private static void startOrFail(RaftServer server, String raftBind) throws IOException {
    ExitUtils.disableSystemExit();
    Thread.setDefaultUncaughtExceptionHandler(null);
    try {
      server.start();
    } catch (ExitUtils.ExitException e) {
      server.close();
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      // No cause chained: the address is the news, and Ratis has logged the stack already.
      throw new IOException("the Raft server cannot listen on " + raftBind + ": "
          + root.getMessage());
    }
  }

  static RaftNode start(ClusterSettings settings, Path raftDir, AtomkvStateMachine machine,
      ReplicaStore store) throws IOException {
    List<RaftPeer> peers = new ArrayList<>();
    for (Map.Entry<String, String> p : settings.peers().entrySet()) {
      peers.add(RaftPeer.newBuilder().setId(p.getKey()).setAddress(p.getValue()).build());
    }
    RaftGroupId groupId = RaftGroupId.valueOf(settings.clusterUuid());
    RaftGroup group = RaftGroup.valueOf(groupId, peers);
    RaftPeerId id = RaftPeerId.valueOf(settings.nodeId());
    // A joining member starts with no configuration: Ratis then waits, without elections, for
    // the leader to add it and send the log. Once its log holds a configuration (restarts), that
    // one counts and the flag changes nothing.
    RaftGroup serverGroup = settings.join() ? RaftGroup.valueOf(groupId) : group;

    RaftProperties properties = properties(settings, raftDir);

    // A member's store is copied to another over the Raft port, by a service on Ratis's server.
    Path staging = store.dataDir().resolve(StoreInstaller.STAGING_DIR);
    SnapshotTransfer.deleteTree(staging);
    ExecutorService copier = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "atomkv-store-copy");
      t.setDaemon(true);
      return t;
    });
    ServerServiceDefinition copies = SnapshotTransfer.service(store, staging, copier);
    Parameters parameters = new Parameters();
    Optional<CutPeers> cut = CutPeers.fromSystemProperty();
    GrpcConfigKeys.Server.setServicesCustomizer(parameters, (builder, types) -> {
      cut.ifPresent(builder::intercept);
      return types.contains(GrpcServices.Type.SERVER) ? builder.addService(copies) : builder;
    });

    RaftServer server = RaftServer.newBuilder()
        .setServerId(id)
        .setGroup(serverGroup)
        .setProperties(properties)
        .setParameters(parameters)
        .setStateMachine(machine)
        .setOption(RaftStorage.StartupOption.RECOVER)
        .build();
    startOrFail(server, settings.raftBind());

    RaftProperties clientProperties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(clientProperties,
        TimeDuration.valueOf(3, TimeUnit.SECONDS));
    RaftClient[] clients = new RaftClient[PROPOSERS];
    for (int i = 0; i < clients.length; i++) {
      clients[i] = RaftClient.newBuilder()
          .setProperties(clientProperties)
          .setRaftGroup(group)
          .setClientId(ClientId.randomId())
          .setRetryPolicy(retryPolicy())
          .build();
    }
    return new RaftNode(server, machine, copier, clients, id, groupId);
  }

  /**
   * A proposer's Raft client sends a call again, with the same call id, until a leader answers
   * it: Ratis's retry cache answers a retry of an entry already applied with its first reply, and
   * the store applies a second copy of an entry not applied yet as a no-op
   * ({@link ReplicaStore#applyAll}). Writes are sent again for a minute at most, well inside the
   * time the store remembers proposals ({@link ReplicaStore#PROPOSALS_KEPT_MICROS}); their
   * caller has its answer ("outcome unknown") by then.
   */
  private static RetryPolicy retryPolicy() {
    RetryPolicy fixed = RetryPolicies.retryUpToMaximumCountWithFixedSleep(600,
        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS));
    RequestTypeDependentRetryPolicy.Builder policy = RequestTypeDependentRetryPolicy.newBuilder();
    for (RaftClientRequestProto.TypeCase type : RaftClientRequestProto.TypeCase.values()) {
      if (type != RaftClientRequestProto.TypeCase.TYPE_NOT_SET) {
        policy.setRetryPolicy(type, fixed);
      }
    }
    return policy.setTimeout(RaftClientRequestProto.TypeCase.WRITE, WRITE_RETRY_WINDOW).build();
  }

  /** The Ratis server's settings for this member. */
  static RaftProperties properties(ClusterSettings settings, Path raftDir) {
    RaftProperties properties = new RaftProperties();
    RaftConfigKeys.Rpc.setType(properties, new CatchUpRpcType());
    RaftServerConfigKeys.setStorageDir(properties, List.of(raftDir.toFile()));
    // Followers serve reads too: ReadIndex through the leader keeps them linearizable.
    RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
    RaftServerConfigKeys.Read.setTimeout(properties,
        TimeDuration.valueOf(ReplicatedEngine.READ_TIMEOUT_MS, TimeUnit.MILLISECONDS));
    snapshots(properties, settings);
    appendsThatAnswerOnlyForWhatTheyWrote(properties);
    RaftServerConfigKeys.Rpc.setTimeoutMin(properties,
        TimeDuration.valueOf(settings.electionTimeoutMs(), TimeUnit.MILLISECONDS));
    RaftServerConfigKeys.Rpc.setTimeoutMax(properties,
        TimeDuration.valueOf(2 * settings.electionTimeoutMs(), TimeUnit.MILLISECONDS));
    HostPort bind = HostPort.parse(settings.raftBind(), "--raft-bind");
    GrpcConfigKeys.Server.setHost(properties, bind.host());
    GrpcConfigKeys.Server.setPort(properties, bind.port());
    return properties;
  }

  /**
   * A follower answers an append only for entries its log holds: the leader counts the answer's
   * match index as held, towards commits and as where to send from next.
   *
   * <p>Ratis 3.3.0 by default ("append-entries compose") hands a follower's log writes to a chain
   * of futures and, so that the next append's previous entry is found before the write is done,
   * keeps the index ranges being written in a map keyed by each range's first index. An append
   * whose first index is already a key is taken for a duplicate: its entries are dropped, it waits
   * for the write already under way, and it is answered SUCCESS with its own last index as the
   * match index. After an inconsistent answer, or on a new stream after a broken one, the leader
   * resends from the same index, often with more entries than the first try had (its log has
   * grown meanwhile); if the first try is still being written, the entries past its end are never
   * written, yet the leader counts them as held. It then has a match index above the follower's
   * last entry and never sends those entries again: every append fails "previous entry not
   * found", the leader puts the next index back to match index + 1 (only an installed snapshot
   * lowers a match index), and the follower stays behind for ever. Worse, the leader counts the
   * missing entries towards the majority that commits them.
   *
   * <p>Without compose the follower hands the entries to its log on the request's own thread (the
   * log's cache takes them at once, so the next append finds its previous entry there): the log
   * skips the entries it already holds, writes the rest, and the answer waits for those writes.
   */
  private static void appendsThatAnswerOnlyForWhatTheyWrote(RaftProperties properties) {
    RaftServerConfigKeys.Log.setAppendEntriesComposeEnabled(properties, false);
  }

  /**
   * Snapshots every {@code snapshotEvery} applied entries; the log is purged up to each, whatever
   * the other members have (one that needs purged entries is sent to a peer's store copy), but
   * one interval's entries stay behind it so a member slightly behind catches up from the log.
   * Ratis never ships files: a member that needs the state copies a peer's store itself.
   */
  private static void snapshots(RaftProperties properties, ClusterSettings settings) {
    RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
    RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, settings.snapshotEvery());
    RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
    RaftServerConfigKeys.Log.setPurgeGap(properties,
        (int) Math.min(Integer.MAX_VALUE, settings.snapshotEvery()));
    RaftServerConfigKeys.Log.setPurgePreservationLogNum(properties, settings.snapshotEvery());
    RaftServerConfigKeys.Log.setSegmentSizeMax(properties,
        SizeInBytes.valueOf(settings.logSegmentBytes()));
    RaftServerConfigKeys.Log.Appender.setInstallSnapshotEnabled(properties, false);
  }

  /** A proposer, in turn. */
  RaftClient client() {
    return clients[Math.floorMod(next.getAndIncrement(), clients.length)];
  }

  RaftPeerId id() {
    return id;
  }

  /** Whether this member leads now (it may learn otherwise a moment later). */
  boolean isLeader() {
    try {
      return server.getDivision(groupId).getInfo().isLeader();
    } catch (IOException e) {
      return false;
    }
  }

  RaftGroupId groupId() {
    return groupId;
  }

  /** This member's Raft state for the cluster's group. */
  RaftServer.Division division() throws IOException {
    return server.getDivision(groupId);
  }

  /** How many times since it started this member rebuilt its store from a peer's copy. */
  long snapshotInstalls() {
    return machine.snapshotInstalls();
  }

  /** This member's view of the cluster, from its own state. */
  ClusterStatus status(String clusterId) {
    try {
      return ClusterProgress.of(division(), clusterId, machine.snapshotIndex(),
          machine.snapshotInstalls());
    } catch (IOException e) {
      throw new KvException(ErrorKind.UNAVAILABLE, "the Raft server is not running: " + e);
    }
  }

  @Override
  public void close() throws IOException {
    try {
      for (RaftClient c : clients) {
        c.close();
      }
    } finally {
      try {
        server.close();
      } finally {
        copier.shutdownNow();
      }
    }
  }
}
