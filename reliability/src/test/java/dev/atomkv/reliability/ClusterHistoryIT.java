package dev.atomkv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.Consistency;
import dev.atomkv.client.KvChannels;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import io.grpc.ManagedChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Three cluster members as processes of their own under a recorded load from clients spread over
 * every member (a quarter bound to each member, a quarter given all three addresses), while seeded
 * rounds of faults {@code kill -9} the leader or a follower and start it again on its data
 * directory, or on an empty one (a wiped follower, rebuilt from a peer's store copy); after them,
 * {@code reliability.cluster.fault-passes} times: a follower and then the leader killed (no quorum
 * left), the leader's wall clock stepped back, and (unless {@code reliability.cluster.partitions}
 * is false) the leader partitioned away, a link flapping and a follower that stops hearing the
 * leader; then a fourth member is added, promoted and removed while the clients write. Then the
 * whole history is checked by {@link LinearizabilityChecker}, every member's state is compared
 * with what the writes that landed make it, and the members' data must be identical. Rounds:
 * {@code reliability.cluster.rounds}; calls at least {@code reliability.cluster.ops}; clients
 * {@code reliability.cluster.clients} (64). A failed run keeps its history and every member's logs
 * and data under {@code target/cluster-history/}.
 */
class ClusterHistoryIT {
  private static final int MEMBERS = 3;
  private static final Duration DEADLINE = Duration.ofSeconds(20);
  private static final Duration CONVERGE_WAIT = Duration.ofSeconds(60);

  @Test
  void historyAcrossKillsOfLeaderAndFollowersIsLinearizableAndMembersConverge() throws Exception {
    long seed = Seeds.seed("ClusterHistoryIT");
    int rounds = Integer.getInteger("reliability.cluster.rounds", 4);
    // A quarter bound to each member, a quarter given every member's address.
    int clients = Integer.getInteger("reliability.cluster.clients", 64);
    long minCalls = Long.getLong("reliability.cluster.ops", 3000);
    // How many times the other faults follow the kill rounds: two members killed in turn, the
    // leader's clock stepped back, and the partition rounds.
    int passes = Integer.getInteger("reliability.cluster.fault-passes", 1);
    // On unless turned off: they found a follower answering for entries it never wrote, which
    // left a member behind for ever (docs/reliability.md, "Bugs found").
    boolean partitions = Boolean.parseBoolean(
        System.getProperty("reliability.cluster.partitions", "true"));
    Path dir = Path.of("target", "cluster-history",
        "seed-" + seed + "-" + System.currentTimeMillis());
    Files.createDirectories(dir);
    History history = new History();
    List<String> clientsAt = new ArrayList<>();
    List<HistoryDump.Event> events = Collections.synchronizedList(new ArrayList<>());
    try {
      run(dir, seed, clients, rounds, passes, minCalls, partitions, history, clientsAt, events);
    } catch (Throwable t) {
      Path file = HistoryDump.write(dir.resolve("history.txt"), history, clientsAt,
          List.copyOf(events));
      System.out.println("ClusterHistoryIT failed with seed=" + seed + " (rerun with "
          + "-Datomkv.test.seed=" + seed + "); history in " + file.toAbsolutePath()
          + ", the members' logs and data directories in " + dir.toAbsolutePath());
      throw t;
    }
    deleteTree(dir);
  }

  private void run(Path dir, long seed, int clients, int rounds, int passes, long minCalls,
      boolean partitions, History history, List<String> clientsAt,
      List<HistoryDump.Event> events) throws Exception {
    ClusterWorkload workload = new ClusterWorkload();
    // A short election timeout makes each leader kill cost about a second; frequent snapshots let
    // members drop the log behind them, so a restarted member may need a peer's store to catch up.
    try (ProcessCluster cluster = new ProcessCluster(dir, MEMBERS, "history",
        "--raft-election-timeout-ms=600", "--raft-snapshot-every=1000")) {
      cluster.awaitLeader();
      System.out.printf("ClusterHistoryIT members serving, a leader agreed (at %.1f s)%n",
          (System.nanoTime() - cluster.startedNanos()) / 1e9);
      List<String> addresses = new ArrayList<>();
      for (int i = 0; i < MEMBERS; i++) {
        addresses.add(cluster.address(i));
      }
      ManagedChannel spread = KvChannels.forAddresses(addresses).build();
      List<ManagedChannel> channels = new ArrayList<>();
      for (int i = 0; i < MEMBERS; i++) {
        channels.add(cluster.channel(i));
      }
      channels.add(spread);
      AtomicBoolean stop = new AtomicBoolean();
      AtomicLong calls = new AtomicLong();
      ConcurrentLinkedQueue<RuntimeException> failures = new ConcurrentLinkedQueue<>();
      List<Thread> threads = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        int at = c % (MEMBERS + 1);
        clientsAt.add("client " + c + ": "
            + (at < MEMBERS ? ProcessCluster.id(at) : "all members"));
        KvClient kv = KvClient.builder(channels.get(at)).deadline(DEADLINE).build();
        Random own = new Random(seed * 7919 + c);
        Thread t = new Thread(() -> {
          long seq = 0;
          try {
            while (!stop.get()) {
              calls.incrementAndGet();
              if (!workload.step(kv, own, client, seq++, history)) {
                pause(); // no answer: its member is down, or no leader yet
              }
            }
          } catch (RuntimeException e) {
            failures.add(e); // not a KvException: a bug in the client or the test
          }
        }, "cluster-client-" + c);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      ClusterFaults.Faults faults;
      // A long run spreads its faults over its calls: the k-th fault waits for k / faults of
      // them, so no long stretch of the run is without faults.
      int planned = rounds + passes * (partitions ? 5 : 2) + 1;
      try {
        AtomicInteger begun = new AtomicInteger();
        ClusterFaults.Pace pace = () -> {
          long due = begun.getAndIncrement() * minCalls / planned;
          while (calls.get() < due) {
            Thread.sleep(50);
          }
        };
        faults = ClusterFaults.killRounds(cluster, channels, new Random(seed), rounds, events,
            pace);
        Random rnd = new Random(seed + 1);
        for (int pass = 0; pass < passes; pass++) {
          pace.beforeFault();
          ClusterFaults.killTwoInTurn(cluster, channels, rnd, events);
          pace.beforeFault();
          ClusterFaults.stepTheLeadersClockBack(cluster, rnd, events);
          if (partitions) {
            pace.beforeFault();
            ClusterFaults.isolateTheLeader(cluster, rnd, events);
            pace.beforeFault();
            ClusterFaults.flapALink(cluster, rnd, events);
            pace.beforeFault();
            ClusterFaults.deafenAFollower(cluster, rnd, events);
          }
        }
        pace.beforeFault();
        ClusterFaults.addAndRemoveAMember(cluster, events);
        while (calls.get() < minCalls) {
          Thread.sleep(50);
        }
      } finally {
        stop.set(true);
        for (Thread t : threads) {
          // A read may try three times, each up to the deadline.
          t.join(DEADLINE.toMillis() * 6);
          if (t.isAlive()) {
            throw new AssertionError(t.getName() + " did not finish");
          }
        }
        spread.shutdownNow();
      }
      if (!failures.isEmpty()) {
        throw new AssertionError("a client failed", failures.peek());
      }

      List<String> digests = awaitConvergence(cluster);
      System.out.printf("ClusterHistoryIT members converged (at %.1f s)%n",
          (System.nanoTime() - cluster.startedNanos()) / 1e9);
      KvClient first = KvClient.create(cluster.channel(0)).withDeadline(DEADLINE);
      first.stream(ListSelector.prefix(ClusterWorkload.PREFIX.append("hlog")),
              ListOptions.builder().batchSize(1000).consistency(Consistency.EVENTUAL).build())
          .forEach(e -> history.landed((String) e.key().parts().get(2), e.versionstamp()));
      List<String> violations = new ArrayList<>(LinearizabilityChecker.check(history));
      for (int i = 0; i < MEMBERS; i++) {
        List<KvEntry> state = KvClient.create(cluster.channel(i)).withDeadline(DEADLINE)
            .getMany(ClusterWorkload.allKeys(), Consistency.EVENTUAL);
        violations.addAll(ClusterWorkload.finalStateProblems(history, ProcessCluster.id(i), state));
      }
      long writes = history.writes().size();
      long unknown = history.writes().stream().filter(w -> w.outcome() == Outcome.UNKNOWN).count();
      long landed = history.landed().size();
      new Figures("ClusterHistoryIT").put("seed", seed).put("operations", history.size())
          .put("writes", writes).put("landed", landed).put("unknown", unknown)
          .put("reads", history.reads().size()).put("kills-of-leader", faults.leaders())
          .put("kills-of-follower", faults.followers())
          .put("followers-wiped", faults.wiped())
          .put("restarts", rounds).put("faults", planned).put("clients", clients)
          .put("entries-per-member", digests.get(0).split(" ")[0])
          .put("violations", violations.size()).report();
      assertEquals(List.of(), violations, LinearizabilityChecker.describe(violations));
      assertTrue(landed * 10 > writes, "too few writes landed: " + landed + " of " + writes);
      assertEquals(rounds, faults.leaders() + faults.followers() + faults.wiped());
      if (rounds >= 4) {
        assertTrue(faults.leaders() > 0 && faults.followers() > 0 && faults.wiped() > 0,
            "a leader killed, a follower killed, a follower wiped: " + faults);
      }
      cluster.stop();
    }
  }

  /**
   * Waits until every member's EVENTUAL List of the workload's keys gives the same digest of keys,
   * values and versionstamps; returns each member's {@code "entries sha256"}.
   */
  private static List<String> awaitConvergence(ProcessCluster cluster) throws Exception {
    long deadline = System.nanoTime() + CONVERGE_WAIT.toNanos();
    while (true) {
      List<String> digests = new ArrayList<>();
      for (int i = 0; i < cluster.size(); i++) {
        digests.add(digest(KvClient.create(cluster.channel(i)).withDeadline(DEADLINE)));
      }
      if (digests.stream().distinct().count() == 1) {
        return digests;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the members' data differ after " + CONVERGE_WAIT
            + " without load (entries and SHA-256 per member): " + digests);
      }
      Thread.sleep(200);
    }
  }

  private static String digest(KvClient kv) throws Exception {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    long entries = 0;
    try (Stream<KvEntry> all = kv.stream(ListSelector.prefix(ClusterWorkload.PREFIX),
        ListOptions.builder().batchSize(1000).consistency(Consistency.EVENTUAL).build())) {
      for (KvEntry e : (Iterable<KvEntry>) all::iterator) {
        sha.update((e.key() + "=" + e.value() + "@" + e.versionstamp() + "\n")
            .getBytes(StandardCharsets.UTF_8));
        entries++;
      }
    }
    return entries + " " + HexFormat.of().formatHex(sha.digest());
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void deleteTree(Path dir) throws Exception {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Collections.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
