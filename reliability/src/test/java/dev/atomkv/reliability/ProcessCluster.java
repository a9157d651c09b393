package dev.atomkv.reliability;

import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.ClusterStatusRequest;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Cluster members, each the server's runnable jar in a JVM of its own, on loopback ports fixed for
 * the whole run: a member killed and started again on its data directory keeps its gRPC and Raft
 * addresses, so its peers and the clients' channels find it again. Each start of a member logs to a
 * file of its own ({@code n2-1.log}: n2's second start).
 */
final class ProcessCluster implements AutoCloseable {
  private static final Duration LEADER_WAIT = Duration.ofSeconds(90);

  private final Path dir;
  private final String[] flags;
  private final int[] ports;
  private final ServerProcess[] members;
  private final int[] starts;
  private final String peers;
  /** The spare member's gRPC port and Raft address: it joins with --join (startSpare). */
  private final int sparePort;
  private final String spareRaftAddress;
  private ServerProcess spare;
  private final List<ManagedChannel> channels = new ArrayList<>();
  private final long startedNanos = System.nanoTime();

  /** Starts {@code size} members, all at once, and waits until each serves. */
  ProcessCluster(Path dir, int size, String clusterId, String... extraFlags) throws Exception {
    this.dir = dir;
    this.ports = new int[size];
    this.members = new ServerProcess[size];
    this.starts = new int[size];
    List<String> peers = new ArrayList<>();
    int[] free = StablePorts.free(2 * size + 2);
    for (int i = 0; i < size; i++) {
      ports[i] = free[2 * i];
      peers.add(id(i) + "=127.0.0.1:" + free[2 * i + 1]);
    }
    this.peers = String.join(",", peers);
    this.sparePort = free[2 * size];
    this.spareRaftAddress = "127.0.0.1:" + free[2 * size + 1];
    List<String> common = new ArrayList<>(List.of("--cluster-id=" + clusterId,
        "--peers=" + this.peers));
    common.addAll(List.of(extraFlags));
    this.flags = common.toArray(String[]::new);
    // The members wait for each other to elect a leader: started one by one, the first would sit
    // without a quorum while the next JVM starts, which is slow but harmless; in parallel it is
    // quicker on a loaded machine.
    List<Thread> starting = new ArrayList<>();
    List<Exception> failed = new ArrayList<>();
    for (int i = 0; i < size; i++) {
      int member = i;
      Thread t = new Thread(() -> {
        try {
          start(member);
        } catch (Exception e) {
          synchronized (failed) {
            failed.add(e);
          }
        }
      });
      starting.add(t);
      t.start();
    }
    for (Thread t : starting) {
      t.join();
    }
    if (!failed.isEmpty()) {
      close();
      throw failed.get(0);
    }
    for (int i = 0; i < size; i++) {
      channels.add(NettyChannelBuilder.forAddress("127.0.0.1", ports[i]).usePlaintext().build());
    }
  }

  /** When the first member began to start, on the monotonic clock. */
  long startedNanos() {
    return startedNanos;
  }

  static String id(int member) {
    return "n" + (member + 1);
  }

  int size() {
    return members.length;
  }

  /** Member {@code i}'s gRPC address, {@code 127.0.0.1:port}. */
  String address(int i) {
    return "127.0.0.1:" + ports[i];
  }

  Path dataDir(int i) {
    return dir.resolve(id(i));
  }

  /** A channel to member {@code i} for the test's own calls, open for the whole run. */
  ManagedChannel channel(int i) {
    return channels.get(i);
  }

  boolean isAlive(int i) {
    ServerProcess m = members[i];
    return m != null && m.isAlive();
  }

  /** {@code kill -9} of member {@code i}. */
  void kill(int i) throws InterruptedException {
    members[i].kill();
  }

  /** Starts member {@code i} again on its data directory and ports; waits until it serves. */
  void restart(int i) throws IOException, InterruptedException {
    if (isAlive(i)) {
      throw new IllegalStateException(id(i) + " is still running");
    }
    start(i);
  }

  private void start(int i) throws IOException, InterruptedException {
    List<String> own = new ArrayList<>(List.of(flags));
    own.add("--node-id=" + id(i));
    Path log = dir.resolve(id(i) + "-" + starts[i]++ + ".log");
    members[i] = ServerProcess.start(dataDir(i), log,
        List.of("-Datomkv.raft.cut-peers-file=" + cutFile(i),
            "-Datomkv.clock.offset-file=" + clockFile(i)), ports[i],
        own.toArray(String[]::new));
  }

  /** Deletes member {@code i}'s data directory (it must be down): it comes back empty. */
  void wipe(int i) throws IOException, InterruptedException {
    if (isAlive(i)) {
      throw new IllegalStateException(id(i) + " is still running");
    }
    try (Stream<Path> paths = Files.walk(dataDir(i))) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  /** The file in which member {@code i} finds the peers whose Raft requests it refuses. */
  private Path cutFile(int i) {
    return dir.resolve(id(i) + ".cut");
  }

  /**
   * Cuts the Raft links between {@code isolated} and every other member, both ways: each refuses
   * the other's requests (the server's test partition), whatever addresses Ratis dials.
   */
  void isolate(int isolated) throws IOException {
    List<Integer> others = new ArrayList<>();
    for (int i = 0; i < members.length; i++) {
      if (i != isolated) {
        others.add(i);
        refuse(i, List.of(isolated));
      }
    }
    refuse(isolated, others);
  }

  /** Member {@code member} refuses the Raft requests of {@code peers} (and of no one else). */
  void refuse(int member, List<Integer> peers) throws IOException {
    Files.writeString(cutFile(member),
        String.join(",", peers.stream().map(ProcessCluster::id).toList()));
  }

  /**
   * Steps member {@code member}'s wall clock to {@code offsetMs} from the machine's (negative:
   * behind); the member reads it within 20 ms. Its timers, which run on a monotonic clock, do not
   * move.
   */
  void shiftClock(int member, long offsetMs) throws IOException {
    Path tmp = Files.writeString(dir.resolve(id(member) + ".clock.tmp"), Long.toString(offsetMs));
    // Moved into place whole: the member never reads half a number.
    Files.move(tmp, clockFile(member), StandardCopyOption.REPLACE_EXISTING,
        StandardCopyOption.ATOMIC_MOVE);
  }

  /** The file in which member {@code i} finds its clock's offset. */
  private Path clockFile(int i) {
    return dir.resolve(id(i) + ".clock");
  }

  /** Mends every cut link. */
  void heal() throws IOException {
    for (int i = 0; i < members.length; i++) {
      Files.writeString(cutFile(i), "");
    }
  }

  /** The spare member's id: the one after the cluster's members ({@code n4} for three). */
  String spareId() {
    return id(members.length);
  }

  /** The spare member's Raft address, for AddMember. */
  String spareRaftAddress() {
    return spareRaftAddress;
  }

  /**
   * Starts the spare member with {@code --join} (its --peers: the members' and its own) on an
   * empty data directory of its own; it waits outside the configuration until AddMember adds it.
   * It never counts in {@link #awaitLeader}.
   */
  void startSpare() throws IOException, InterruptedException {
    List<String> own = new ArrayList<>();
    for (String f : flags) {
      own.add(f.startsWith("--peers=") ? f + "," + spareId() + "=" + spareRaftAddress : f);
    }
    own.add("--node-id=" + spareId());
    own.add("--join");
    spare = ServerProcess.start(dir.resolve(spareId()), dir.resolve(spareId() + "-0.log"),
        List.of(), sparePort, own.toArray(String[]::new));
  }

  /** SIGTERM to the spare member, if it runs. */
  void stopSpare() throws InterruptedException {
    if (spare != null && spare.isAlive()) {
      spare.stop();
    }
  }

  /** AdminService on member {@code i}, each call bounded by 30 s. */
  AdminServiceGrpc.AdminServiceBlockingStub admin(int i) {
    return AdminServiceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /**
   * The index of the member that every live member names as leader, once they agree (a restarted
   * member agrees once it has heard from the leader).
   */
  int awaitLeader() throws InterruptedException {
    long deadline = System.nanoTime() + LEADER_WAIT.toNanos();
    String last = "";
    while (System.nanoTime() < deadline) {
      String agreed = null;
      boolean disagree = false;
      StringBuilder seen = new StringBuilder();
      for (int i = 0; i < members.length && !disagree; i++) {
        if (!isAlive(i)) {
          continue;
        }
        String leader = leaderSeenBy(i);
        seen.append(id(i)).append("->").append(leader.isEmpty() ? "?" : leader).append(' ');
        disagree = leader.isEmpty() || (agreed != null && !agreed.equals(leader));
        agreed = leader;
      }
      last = seen.toString();
      if (!disagree && agreed != null) {
        int leader = Integer.parseInt(agreed.substring(1)) - 1;
        if (isAlive(leader)) {
          return leader;
        }
      }
      Thread.sleep(100);
    }
    throw new AssertionError("the live members did not agree on a leader within " + LEADER_WAIT
        + "; last seen: " + last);
  }

  /** The leader member {@code i} names, or "" if it names none or does not answer. */
  String leaderSeenBy(int i) {
    try {
      return AdminServiceGrpc.newBlockingStub(channels.get(i))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .clusterStatus(ClusterStatusRequest.getDefaultInstance())
          .getLeaderId();
    } catch (RuntimeException e) {
      return "";
    }
  }

  /** Every member's log of its last start, for a failure message. */
  String logs() {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < members.length; i++) {
      if (members[i] != null) {
        b.append(dir.resolve(id(i) + "-" + (starts[i] - 1) + ".log")).append('\n');
      }
    }
    return b.toString();
  }

  /** SIGTERM to every live member; each finishes what is in flight and closes its store. */
  void stop() throws InterruptedException {
    stopSpare();
    for (ServerProcess m : members) {
      if (m != null && m.isAlive()) {
        m.stop();
      }
    }
  }

  @Override
  public void close() throws InterruptedException {
    channels.forEach(ManagedChannel::shutdownNow);
    if (spare != null) {
      spare.close();
    }
    for (ServerProcess m : members) {
      if (m != null) {
        m.close();
      }
    }
  }
}
