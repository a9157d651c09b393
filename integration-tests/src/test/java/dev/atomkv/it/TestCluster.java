package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.CommitResult;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.server.engine.ClusterStatus;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/**
 * Cluster members in this JVM, each a real server (gRPC on a loopback port, Raft over gRPC on
 * another, LMDB and the Raft log in its own directory under {@code dir/n<i>}). Members are
 * numbered from 0 here and named {@code n1..nN} in the cluster.
 */
final class TestCluster implements AutoCloseable {
  /** How long a test waits for an election or for a member to catch up. */
  static final long WAIT_MS = 20_000;

  private final Path dir;
  private final String clusterId;
  private final String[] extraFlags;
  private final List<RunningServer> nodes = new ArrayList<>();
  private final String peers;

  private TestCluster(Path dir, String clusterId, int size, String[] extraFlags)
      throws IOException {
    this.dir = dir;
    this.clusterId = clusterId;
    this.extraFlags = extraFlags;
    List<String> members = new ArrayList<>();
    for (int i = 1; i <= size; i++) {
      members.add("n" + i + "=127.0.0.1:" + RaftPorts.free());
    }
    this.peers = String.join(",", members);
  }

  /** Starts {@code size} members; {@code extraFlags} go to every member. */
  static TestCluster start(Path dir, String clusterId, int size, String... extraFlags)
      throws IOException {
    TestCluster c = new TestCluster(dir, clusterId, size, extraFlags);
    try {
      for (int i = 0; i < size; i++) {
        c.nodes.add(c.startMember(i));
      }
    } catch (IOException | RuntimeException e) {
      c.close();
      throw e;
    }
    return c;
  }

  /** The {@code --peers} value every member was started with. */
  String peers() {
    return peers;
  }

  int size() {
    return nodes.size();
  }

  RunningServer node(int i) {
    return nodes.get(i);
  }

  KvClient client(int i) {
    return nodes.get(i).client();
  }

  /** Member {@code i}'s data directory (LMDB and its Raft log). */
  Path dataDir(int i) {
    return dir.resolve("n" + (i + 1));
  }

  /** Stops member {@code i} gracefully; it stays stopped until {@link #restart}. */
  void stop(int i) {
    RunningServer n = nodes.get(i);
    if (n != null) {
      n.close();
      nodes.set(i, null);
    }
  }

  /**
   * Starts member {@code i} again on its data directory (stopping it first if it runs);
   * {@code ownFlags} go to it after the cluster's, for this start only.
   */
  void restart(int i, String... ownFlags) throws IOException {
    stop(i);
    nodes.set(i, startMember(i, ownFlags));
  }

  private RunningServer startMember(int i, String... ownFlags) throws IOException {
    String[] base = {"--cluster-id=" + clusterId, "--node-id=n" + (i + 1), "--peers=" + peers,
        "--kv-connect-port=0", "--console-port=-1", "--metrics-port=-1"};
    return RunningServer.start(dataDir(i), Stream.of(Arrays.stream(base),
        Arrays.stream(extraFlags), Arrays.stream(ownFlags)).flatMap(f -> f)
        .toArray(String[]::new));
  }

  /**
   * Starts one more member, {@code n<size+1>}, with {@code --join}, its Raft server on
   * {@code raftAddress} (e.g. {@code 127.0.0.1:} and a {@link RaftPorts#free}): a server outside
   * the configuration until {@code AddMember} adds it (from then on it counts in
   * {@link #awaitLeader}). Its {@code --peers} are the members' and its own; {@code extraFlags}
   * go to it after the cluster's. Returns its index.
   */
  int join(String address, String... extraFlags) throws IOException {
    int i = nodes.size();
    String id = "n" + (i + 1);
    String[] base = {"--cluster-id=" + clusterId, "--node-id=" + id,
        "--peers=" + peers + "," + id + "=" + address, "--join",
        "--kv-connect-port=0", "--console-port=-1", "--metrics-port=-1"};
    String[] flags = Stream.of(Arrays.stream(base), Arrays.stream(this.extraFlags),
        Arrays.stream(extraFlags)).flatMap(f -> f).toArray(String[]::new);
    nodes.add(RunningServer.start(dataDir(i), flags));
    return i;
  }

  /** Member {@code i}'s Raft address, as the cluster's {@code --peers} give it. */
  String raftAddress(int i) {
    String id = "n" + (i + 1);
    for (String entry : peers.split(",")) {
      if (entry.startsWith(id + "=")) {
        return entry.substring(id.length() + 1);
      }
    }
    throw new IllegalArgumentException(id + " is not in the cluster's --peers");
  }

  /** AdminService on member {@code i}, with a deadline longer than its calls' own bound. */
  dev.atomkv.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub admin(int i) {
    return dev.atomkv.proto.v1.AdminServiceGrpc.newBlockingStub(nodes.get(i).channel())
        .withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  /** Member {@code i}'s own view of the cluster. */
  ClusterStatus status(int i) {
    return nodes.get(i).server().clusterStatus();
  }

  /** The index of the member every running member agrees leads. */
  int awaitLeader() throws InterruptedException {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (System.currentTimeMillis() < deadline) {
      String leader = null;
      boolean agreed = true;
      for (RunningServer n : nodes) {
        if (n == null) {
          continue;
        }
        ClusterStatus s = n.server().clusterStatus();
        if (s.leaderId() == null || (leader != null && !leader.equals(s.leaderId()))) {
          agreed = false;
          break;
        }
        leader = s.leaderId();
      }
      if (agreed && leader != null) {
        return Integer.parseInt(leader.substring(1)) - 1;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no leader within " + WAIT_MS + " ms");
  }

  /** Retries a write refused while the cluster elects a leader, until it commits. */
  static CommitResult retryUntilOk(Callable<CommitResult> write) throws Exception {
    long deadline = System.currentTimeMillis() + WAIT_MS;
    while (true) {
      try {
        CommitResult r = write.call();
        assertTrue(r.ok());
        return r;
      } catch (KvException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** Retries a read until the entry exists (a member catching up, an election). */
  static KvEntry retryUntilPresent(Callable<KvEntry> read) throws Exception {
    return retryUntilPresent(read, WAIT_MS);
  }

  /** {@link #retryUntilPresent(Callable)}, waiting up to {@code waitMs}. */
  static KvEntry retryUntilPresent(Callable<KvEntry> read, long waitMs) throws Exception {
    long deadline = System.currentTimeMillis() + waitMs;
    while (true) {
      try {
        KvEntry e = read.call();
        if (e.exists()) {
          return e;
        }
      } catch (KvException e) {
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("never caught up");
      }
      Thread.sleep(100);
    }
  }


  @Override
  public void close() {
    for (RunningServer n : nodes) {
      if (n != null) {
        n.close();
      }
    }
  }
}
