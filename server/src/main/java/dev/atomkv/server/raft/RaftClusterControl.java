package dev.atomkv.server.raft;

import dev.atomkv.server.engine.ClusterControl;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.SetConfigurationRequest;
import org.apache.ratis.protocol.exceptions.RaftException;
import org.apache.ratis.protocol.exceptions.ReconfigurationInProgressException;
import org.apache.ratis.protocol.exceptions.SetConfigurationException;
import org.apache.ratis.protocol.exceptions.TransferLeadershipException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.RaftConfiguration;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Membership changes and leadership transfer through Ratis's admin API, from any member: a Ratis
 * client sends them to the leader. New members join as learners (Ratis's listeners); the leader
 * promotes each to voter once its store has caught up, checking every {@link #PROMOTE_EVERY_MS}.
 */
final class RaftClusterControl implements ClusterControl, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(RaftClusterControl.class);
  /** How long an admin call waits for the leader: under the CLI's default deadline of 10 s. */
  static final long ADMIN_TIMEOUT_MS = 8_000;
  /** A learner within this many entries of the leader's commit index becomes a voter. */
  static final long PROMOTE_LAG = 100;
  static final long PROMOTE_EVERY_MS = 1_000;
  private static final Pattern MEMBER_ID = Pattern.compile("[A-Za-z0-9._-]{1,64}");

  private final RaftNode node;
  private final String clusterId;
  private final Path raftDir;
  private final ClusterCounters counters;
  private final ExecutorService calls = Executors.newCachedThreadPool(daemon("atomkv-cluster-admin"));
  private final ScheduledExecutorService promoter =
      Executors.newSingleThreadScheduledExecutor(daemon("atomkv-cluster-promoter"));

  RaftClusterControl(RaftNode node, String clusterId, Path raftDir, ClusterCounters counters) {
    this.node = node;
    this.clusterId = clusterId;
    this.raftDir = raftDir;
    this.counters = counters;
    promoter.scheduleWithFixedDelay(this::promoteCaughtUpLearners, PROMOTE_EVERY_MS,
        PROMOTE_EVERY_MS, TimeUnit.MILLISECONDS);
  }

  @Override
  public ClusterStatus status() {
    return node.status(clusterId);
  }

  @Override
  public ClusterStatus addMember(String id, String raftAddress) {
    if (!MEMBER_ID.matcher(id).matches()) {
      throw KvException.invalid("id must be 1 to 64 letters, digits, '.', '_' or '-', got '"
          + id + "'");
    }
    try {
      HostPort.parse(raftAddress, "raft_address");
    } catch (IllegalArgumentException e) {
      throw KvException.invalid(e.getMessage());
    }
    RaftConfiguration conf = stableConf();
    for (RaftPeer p : all(conf)) {
      if (p.getId().toString().equals(id)) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION, "member " + id
            + " is in the cluster already");
      }
      if (p.getAddress().equals(raftAddress)) {
        throw new KvException(ErrorKind.FAILED_PRECONDITION, "raft_address " + raftAddress
            + " is member " + p.getId() + "'s already");
      }
    }
    List<RaftPeer> learners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    RaftPeer peer = RaftPeer.newBuilder().setId(id).setAddress(raftAddress)
        .setStartupRole(RaftPeerRole.LISTENER).build();
    learners.add(peer);
    setConfiguration(conf, new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)), learners,
        List.of(peer));
    LOG.info("learner added: id={} raftAddress={}", id, raftAddress);
    return status();
  }

  @Override
  public ClusterStatus removeMember(String id) {
    RaftConfiguration conf = stableConf();
    RaftPeer peer = member(conf, id);
    List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
    List<RaftPeer> learners = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    if (voters.remove(peer) && voters.isEmpty()) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "member " + id
          + " is the cluster's last voter: a cluster needs one");
    }
    learners.remove(peer);
    setConfiguration(conf, voters, learners, List.of());
    LOG.info("member removed: id={}", id);
    return status();
  }

  @Override
  public void transferLeadership(String id) {
    RaftConfiguration conf = stableConf();
    RaftPeer peer = member(conf, id);
    if (!conf.getCurrentPeers(RaftPeerRole.FOLLOWER).contains(peer)) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "member " + id
          + " is a learner: only a voter can lead");
    }
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(ADMIN_TIMEOUT_MS);
    if (!peer.getId().equals(division().getInfo().getLeaderId())) {
      RaftClientReply reply = withClient(conf, List.of(),
          client -> client.admin().transferLeadership(peer.getId(), ADMIN_TIMEOUT_MS - 1_000));
      check(reply, "leadership transfer");
    }
    // The old leader answers once it has stepped down; this member may hear of the new one later.
    while (!peer.getId().equals(division().getInfo().getLeaderId())) {
      if (System.nanoTime() > deadline) {
        throw new KvException(ErrorKind.UNAVAILABLE, "member " + id
            + " did not become leader within " + ADMIN_TIMEOUT_MS + " ms");
      }
      sleep(20);
    }
    LOG.info("leadership transferred: leader={}", id);
  }

  @Override
  public RaftStats stats() {
    RaftServer.Division division = division();
    var info = division.getInfo();
    return new RaftStats(info.getCurrentTerm(), ClusterProgress.ownRole(division),
        Math.max(0, division.getRaftLog().getLastCommittedIndex()),
        Math.max(0, info.getLastAppliedIndex()), logBytes(),
        counters.leaderChanges(), counters.forwardedWrites(), node.snapshotInstalls());
  }

  /**
   * On the leader: a learner whose store has applied the log to within {@link #PROMOTE_LAG} of
   * the commit index becomes a voter. Its applied index comes from the learner itself (Ratis's
   * group info), since the leader only knows how far its log has come.
   */
  private void promoteCaughtUpLearners() {
    try {
      RaftServer.Division division = division();
      RaftConfiguration conf = division.getRaftConf();
      if (!division.getInfo().isLeader() || conf.getCurrentPeers(RaftPeerRole.LISTENER).isEmpty()
          || !conf.getPreviousPeers().isEmpty()) {
        return;
      }
      long commit = division.getRaftLog().getLastCommittedIndex();
      for (RaftPeer learner : conf.getCurrentPeers(RaftPeerRole.LISTENER)) {
        long applied = withClient(conf, List.of(), client -> client
            .getGroupManagementApi(learner.getId()).info(node.groupId())
            .getLogInfoProto().getApplied().getIndex());
        if (commit - applied > PROMOTE_LAG) {
          continue;
        }
        promote(conf, learner);
        LOG.info("learner caught up, promoted to voter: id={} applied={} commit={}",
            learner.getId(), applied, commit);
        return;
      }
    } catch (KvException | UncheckedIOException e) {
      LOG.info("learner promotion will be retried: cause={}", e.getMessage());
    } catch (RuntimeException e) {
      LOG.warn("learner promotion failed; will retry", e);
    }
  }

  /**
   * Ratis marks a follower caught up (and then sends it ordinary appends, which let it serve
   * reads and vote) only when it joins as a new voter through its staging; a listener added to a
   * running group never is, not even once it is made a voter in place. So the learner leaves the
   * configuration and comes back as a new voter: Ratis stages it (quickly: its log is nearly
   * complete) before the change commits.
   */
  private void promote(RaftConfiguration conf, RaftPeer learner) {
    List<RaftPeer> voters = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.FOLLOWER));
    List<RaftPeer> others = new ArrayList<>(conf.getCurrentPeers(RaftPeerRole.LISTENER));
    others.remove(learner);
    setConfiguration(conf, voters, others, List.of());
    RaftPeer voter = RaftPeer.newBuilder(learner).setStartupRole(RaftPeerRole.FOLLOWER).build();
    List<RaftPeer> withVoter = new ArrayList<>(voters);
    withVoter.add(voter);
    try {
      setConfiguration(division().getRaftConf(), withVoter, others, List.of(voter));
    } catch (KvException e) {
      // Back as a learner, so that the next round tries again.
      List<RaftPeer> withLearner = new ArrayList<>(others);
      withLearner.add(learner);
      setConfiguration(division().getRaftConf(), voters, withLearner, List.of(learner));
      throw e;
    }
  }

  private void setConfiguration(RaftConfiguration current, List<RaftPeer> voters,
      List<RaftPeer> learners, List<RaftPeer> newcomers) {
    // Compare-and-set: a change computed from a stale view is refused, never applied over another.
    SetConfigurationRequest.Arguments args = SetConfigurationRequest.Arguments.newBuilder()
        .setServersInNewConf(voters)
        .setListenersInNewConf(learners)
        .setServersInCurrentConf(new ArrayList<>(current.getCurrentPeers(RaftPeerRole.FOLLOWER)))
        .setListenersInCurrentConf(
            new ArrayList<>(current.getCurrentPeers(RaftPeerRole.LISTENER)))
        .setMode(SetConfigurationRequest.Mode.COMPARE_AND_SET)
        .build();
    try {
      check(withClient(current, newcomers, client -> client.admin().setConfiguration(args)),
          "membership change");
    } catch (KvException e) {
      // A change that commits after the client's request timeout (a new member's store copy on a
      // busy machine) is sent again by the client, and the compare-and-set refuses the repeat:
      // the configuration is no longer the one it was computed from. It is the requested one.
      if (!holds(division().getRaftConf(), voters, learners)) {
        throw e;
      }
      LOG.info("membership change in place after a refused repeat: cause={}", e.getMessage());
    }
  }

  private static boolean holds(RaftConfiguration conf, List<RaftPeer> voters,
      List<RaftPeer> learners) {
    return conf.getPreviousPeers().isEmpty()
        && ids(conf.getCurrentPeers(RaftPeerRole.FOLLOWER)).equals(ids(voters))
        && ids(conf.getCurrentPeers(RaftPeerRole.LISTENER)).equals(ids(learners));
  }

  private static Set<String> ids(Collection<RaftPeer> peers) {
    return peers.stream().map(p -> p.getId().toString()).collect(Collectors.toSet());
  }

  private static void check(RaftClientReply reply, String what) {
    if (reply.isSuccess()) {
      return;
    }
    RaftException e = reply.getException();
    if (e instanceof ReconfigurationInProgressException) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION,
          "another membership change is in progress: retry when cluster-status shows it done");
    }
    if (e instanceof SetConfigurationException) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "the leader refused the " + what
          + " (the membership may have changed meanwhile: re-read cluster-status and retry): "
          + e.getMessage());
    }
    if (e instanceof TransferLeadershipException) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION, "the leadership transfer did not "
          + "finish: " + e.getMessage());
    }
    throw new KvException(ErrorKind.UNAVAILABLE, "the " + what + " failed: "
        + (e == null ? "no reason given" : e.getMessage()));
  }

  private interface ClientCall<T> {
    T call(RaftClient client) throws IOException;
  }

  /**
   * Runs one admin call through a client that knows every member of {@code conf} (and the
   * newcomers), bounded by {@link #ADMIN_TIMEOUT_MS}: a Ratis client retries until a leader
   * answers, and without a quorum none does.
   */
  private <T> T withClient(RaftConfiguration conf, List<RaftPeer> newcomers, ClientCall<T> call) {
    List<RaftPeer> peers = new ArrayList<>(all(conf));
    peers.addAll(newcomers);
    RaftProperties properties = new RaftProperties();
    RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
        TimeDuration.valueOf(3, TimeUnit.SECONDS));
    RaftPeerId leader = division().getInfo().getLeaderId();
    RaftClient.Builder builder = RaftClient.newBuilder()
        .setProperties(properties)
        .setRaftGroup(RaftGroup.valueOf(node.groupId(), peers))
        .setClientId(ClientId.randomId())
        .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(100,
            TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)));
    if (leader != null) {
      builder.setLeaderId(leader);
    }
    RaftClient client = builder.build();
    Callable<T> task = () -> call.call(client);
    Future<T> future = calls.submit(task);
    try {
      return future.get(ADMIN_TIMEOUT_MS, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new KvException(ErrorKind.UNAVAILABLE, "no leader answered within "
          + ADMIN_TIMEOUT_MS + " ms (no quorum, an election running, or a new member not serving"
          + " yet): check cluster-status, then retry");
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof KvException k) {
        throw k;
      }
      throw new KvException(ErrorKind.UNAVAILABLE, "the cluster did not answer: " + cause,
          cause);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvException(ErrorKind.UNAVAILABLE, "interrupted while waiting for the leader");
    } finally {
      try {
        client.close();
      } catch (IOException e) {
        LOG.debug("closing an admin client failed: cause={}", e.toString());
      }
    }
  }

  /** The latest configuration, refused while a change is half done (joint consensus). */
  private RaftConfiguration stableConf() {
    RaftConfiguration conf = division().getRaftConf();
    if (!conf.getPreviousPeers().isEmpty()) {
      throw new KvException(ErrorKind.FAILED_PRECONDITION,
          "another membership change is in progress: retry when cluster-status shows it done");
    }
    return conf;
  }

  private static List<RaftPeer> all(RaftConfiguration conf) {
    return Stream.concat(conf.getAllPeers(RaftPeerRole.FOLLOWER).stream(),
        conf.getAllPeers(RaftPeerRole.LISTENER).stream()).distinct().toList();
  }

  private static RaftPeer member(RaftConfiguration conf, String id) {
    if (id.isEmpty()) {
      throw KvException.invalid("id is required");
    }
    return all(conf).stream().filter(p -> p.getId().toString().equals(id)).findFirst()
        .orElseThrow(() -> KvException.invalid("no member has id " + id + " (members: "
            + String.join(", ", all(conf).stream().map(p -> p.getId().toString()).sorted()
                .toList()) + ")"));
  }

  private RaftServer.Division division() {
    try {
      return node.division();
    } catch (IOException e) {
      throw new KvException(ErrorKind.UNAVAILABLE, "the Raft server is not running: " + e);
    }
  }

  /** Bytes of the Raft log's segment files (Ratis names them log_*), snapshots not included. */
  private long logBytes() {
    try (Stream<Path> files = Files.walk(raftDir)) {
      return files.filter(p -> p.getFileName().toString().startsWith("log_"))
          .mapToLong(p -> {
            try {
              return Files.size(p);
            } catch (IOException e) {
              return 0; // closed (renamed) or purged during the walk: the next scrape counts it
            }
          }).sum();
    } catch (IOException | UncheckedIOException e) {
      return 0;
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new KvException(ErrorKind.UNAVAILABLE, "interrupted");
    }
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    promoter.shutdownNow();
    calls.shutdownNow();
  }
}
