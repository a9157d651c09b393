package dev.atomkv.reliability;

import dev.atomkv.proto.v1.AddMemberRequest;
import dev.atomkv.proto.v1.ClusterStatusRequest;
import dev.atomkv.proto.v1.ClusterStatusResponse;
import dev.atomkv.proto.v1.RemoveMemberRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import java.util.concurrent.Callable;

/**
 * The faults {@link ClusterHistoryIT} puts a three-member {@link ProcessCluster} through while its
 * clients write: seeded rounds of kill -9 (of the leader, of a follower, of a follower whose data
 * directory is then deleted; of a follower and then the leader, leaving one member without a
 * quorum), the leader's clock stepped back, partition rounds (the cluster's Raft links cut
 * inside the members, see {@link ProcessCluster#refuse}), and a member added and removed. Each
 * step prints what it does and records it among the history's events.
 */
final class ClusterFaults {
  /** How long the two members cut off from the leader may take to elect one of themselves. */
  private static final Duration PARTITION_ELECTION_WAIT = Duration.ofSeconds(30);
  /** How long a membership change may take, from the call to the member's new role. */
  private static final Duration MEMBERSHIP_WAIT = Duration.ofSeconds(90);

  private ClusterFaults() {}

  /** What a round of faults does. */
  private enum Fault {
    KILL_LEADER,
    KILL_FOLLOWER,
    /** A follower's data directory deleted while it is down: it comes back from a peer's copy. */
    WIPE_FOLLOWER
  }

  /** How many rounds killed the leader, a follower, and a follower whose data was then wiped. */
  record Faults(int leaders, int followers, int wiped) {}

  /** Called before each fault: spreads the faults over a long run's calls. */
  @FunctionalInterface
  interface Pace {
    void beforeFault() throws InterruptedException;
  }

  /**
   * The rounds of faults, in a seeded order: as many leader kills as follower kills (one more
   * leader kill for an odd count), every second follower kill with the follower's data directory
   * deleted before it starts again. After a stretch of load, the member chosen is killed, the two
   * left carry the load, then it starts again (on its data directory, or an empty one), and the
   * round ends once every member names the same leader (the restarted one has heard from it).
   */
  static Faults killRounds(ProcessCluster cluster, List<ManagedChannel> channels, Random rnd,
      int rounds, List<HistoryDump.Event> events, Pace pace) throws Exception {
    List<Fault> plan = new ArrayList<>();
    for (int k = 0; k < rounds; k++) {
      plan.add(k % 2 == 0 ? Fault.KILL_LEADER : k % 4 == 1 ? Fault.KILL_FOLLOWER
          : Fault.WIPE_FOLLOWER);
    }
    Collections.shuffle(plan, rnd);
    int[] counts = new int[Fault.values().length];
    for (int k = 0; k < rounds; k++) {
      pace.beforeFault();
      Thread.sleep(500 + rnd.nextInt(1500));
      Fault fault = plan.get(k);
      int leader = cluster.awaitLeader();
      int victim = fault == Fault.KILL_LEADER ? leader
          : (leader + 1 + rnd.nextInt(cluster.size() - 1)) % cluster.size();
      long downMs = 300 + rnd.nextInt(1700);
      String what = "round " + (k + 1) + ": kill -9 of " + ProcessCluster.id(victim)
          + (fault == Fault.KILL_LEADER ? " (leader)" : " (follower)")
          + (fault == Fault.WIPE_FOLLOWER ? ", its data directory deleted" : "");
      System.out.printf("ClusterHistoryIT %s, restart after %d ms (at %.1f s)%n", what, downMs,
          (System.nanoTime() - cluster.startedNanos()) / 1e9);
      events.add(new HistoryDump.Event(System.nanoTime(), what));
      cluster.kill(victim);
      counts[fault.ordinal()]++;
      if (fault == Fault.WIPE_FOLLOWER) {
        cluster.wipe(victim);
      }
      Thread.sleep(downMs);
      events.add(new HistoryDump.Event(System.nanoTime(), "restarting " + ProcessCluster.id(victim)));
      cluster.restart(victim);
      events.add(new HistoryDump.Event(System.nanoTime(), ProcessCluster.id(victim) + " serves"));
      // The channels to it backed off while it was down; let them connect again now.
      channels.forEach(ManagedChannel::resetConnectBackoff);
      int agreed = cluster.awaitLeader();
      events.add(new HistoryDump.Event(System.nanoTime(),
          "every member names " + ProcessCluster.id(agreed) + " leader"));
    }
    Thread.sleep(1000);
    return new Faults(counts[Fault.KILL_LEADER.ordinal()], counts[Fault.KILL_FOLLOWER.ordinal()],
        counts[Fault.WIPE_FOLLOWER.ordinal()]);
  }

  /**
   * While the clients write: a follower is killed, and 0.5–1.5 s later the leader too, so one
   * member is left alone without a quorum (its calls end refused or unknown, none may land
   * half-way). After 0.5–1.5 s the leader comes back first (two members: a quorum again), then
   * the follower; the round ends once all three name the same leader.
   */
  static void killTwoInTurn(ProcessCluster cluster, List<ManagedChannel> channels, Random rnd,
      List<HistoryDump.Event> events) throws Exception {
    Link link = leaderAndAFollower(cluster, rnd);
    int leader = link.leader();
    int follower = link.follower();
    note(cluster, events, "kill -9 of " + ProcessCluster.id(follower) + " (follower)");
    cluster.kill(follower);
    Thread.sleep(500 + rnd.nextInt(1000));
    note(cluster, events, "kill -9 of " + ProcessCluster.id(leader)
        + " (leader): one member left, no quorum");
    cluster.kill(leader);
    Thread.sleep(500 + rnd.nextInt(1000));
    note(cluster, events, "restarting " + ProcessCluster.id(leader));
    cluster.restart(leader);
    channels.forEach(ManagedChannel::resetConnectBackoff);
    note(cluster, events, "restarting " + ProcessCluster.id(follower));
    cluster.restart(follower);
    channels.forEach(ManagedChannel::resetConnectBackoff);
    note(cluster, events, "every member names "
        + ProcessCluster.id(cluster.awaitLeader()) + " leader");
  }

  /**
   * While the clients write: the leader's wall clock steps 2–5 s back for 3 s, then forward
   * again. Entries the leader stamps meanwhile carry the earlier time; versionstamps must still
   * rise (the checker sees every call's versionstamp against its interval), and no write may be
   * lost or land twice. The round ends once all three name the same leader.
   */
  static void stepTheLeadersClockBack(ProcessCluster cluster, Random rnd,
      List<HistoryDump.Event> events) throws Exception {
    int leader = cluster.awaitLeader();
    long backMs = 2000 + rnd.nextInt(3000);
    note(cluster, events, "clock step: " + ProcessCluster.id(leader) + " (leader) set "
        + backMs + " ms back for 3000 ms");
    cluster.shiftClock(leader, -backMs);
    Thread.sleep(3000);
    cluster.shiftClock(leader, 0);
    note(cluster, events, ProcessCluster.id(leader) + "'s clock set right; every member names "
        + ProcessCluster.id(cluster.awaitLeader()) + " leader");
  }

  /**
   * While the clients write: the leader's Raft links to both followers cut both ways for 2–3 s,
   * and at least until the two have elected a leader of their own (the old one can commit nothing
   * meanwhile; its clients' calls end as unknown or reach the new leader), then mended; the round
   * ends once all three name the same leader.
   */
  static void isolateTheLeader(ProcessCluster cluster, Random rnd,
      List<HistoryDump.Event> events) throws Exception {
    Thread.sleep(500 + rnd.nextInt(1000));
    int leader = cluster.awaitLeader();
    long cutMs = 2000 + rnd.nextInt(1000);
    note(cluster, events, "partition: " + ProcessCluster.id(leader) + " (leader) cut off from "
        + "both followers for " + cutMs + " ms");
    long cutAt = System.nanoTime();
    cluster.isolate(leader);
    // The cut holds: the two others elect one of themselves while it lasts.
    String isolated = ProcessCluster.id(leader);
    while (true) {
      String a = cluster.leaderSeenBy((leader + 1) % cluster.size());
      String b = cluster.leaderSeenBy((leader + 2) % cluster.size());
      if (!a.isEmpty() && a.equals(b) && !a.equals(isolated)) {
        note(cluster, events, "the majority side elected " + a);
        break;
      }
      if (System.nanoTime() - cutAt > PARTITION_ELECTION_WAIT.toNanos()) {
        throw new AssertionError("the followers cut off from " + isolated + " elected no leader "
            + "within " + PARTITION_ELECTION_WAIT + ": they name '" + a + "' and '" + b + "'");
      }
      Thread.sleep(50);
    }
    Thread.sleep(Math.max(0, cutMs - (System.nanoTime() - cutAt) / 1_000_000));
    healAndAwaitALeader(cluster, events);
  }

  /** A link of the cluster: the leader and one of the followers. */
  private record Link(int leader, int follower) {}

  /** The leader every member names, and one of the two followers, chosen by {@code rnd}. */
  private static Link leaderAndAFollower(ProcessCluster cluster, Random rnd)
      throws InterruptedException {
    int leader = cluster.awaitLeader();
    return new Link(leader, (leader + 1 + rnd.nextInt(cluster.size() - 1)) % cluster.size());
  }

  /** Mends every link, then waits until all three members name the same leader. */
  private static void healAndAwaitALeader(ProcessCluster cluster, List<HistoryDump.Event> events)
      throws Exception {
    cluster.heal();
    note(cluster, events, "links mended");
    note(cluster, events, "every member names "
        + ProcessCluster.id(cluster.awaitLeader()) + " leader");
  }

  /**
   * While the clients write: the link between the leader and one follower goes down and up again,
   * both ways, every 100–400 ms for 3 s, then stays up; the round ends once all three name the
   * same leader.
   */
  static void flapALink(ProcessCluster cluster, Random rnd,
      List<HistoryDump.Event> events) throws Exception {
    Link link = leaderAndAFollower(cluster, rnd);
    int leader = link.leader();
    int follower = link.follower();
    note(cluster, events, "flapping link: " + ProcessCluster.id(leader) + " (leader) <-> "
        + ProcessCluster.id(follower) + " for 3000 ms");
    long end = System.nanoTime() + 3_000_000_000L;
    boolean down = false;
    while (System.nanoTime() < end) {
      down = !down;
      cluster.refuse(leader, down ? List.of(follower) : List.of());
      cluster.refuse(follower, down ? List.of(leader) : List.of());
      Thread.sleep(100 + rnd.nextInt(300));
    }
    healAndAwaitALeader(cluster, events);
  }

  /**
   * While the clients write: one follower refuses the leader's requests for 2 s (one-way loss:
   * it hears no appends nor heartbeats, while its own requests still reach the leader), then
   * hears it again; the round ends once all three name the same leader.
   */
  static void deafenAFollower(ProcessCluster cluster, Random rnd,
      List<HistoryDump.Event> events) throws Exception {
    Link link = leaderAndAFollower(cluster, rnd);
    int leader = link.leader();
    int follower = link.follower();
    note(cluster, events, "one-way loss: " + ProcessCluster.id(follower) + " hears nothing from "
        + ProcessCluster.id(leader) + " (leader) for 2000 ms");
    cluster.refuse(follower, List.of(leader));
    Thread.sleep(2000);
    healAndAwaitALeader(cluster, events);
  }

  /**
   * While the clients write: a fourth member started with {@code --join}, added (a learner),
   * promoted once it caught up (so four voters and a quorum of three for a while), then removed
   * and stopped. The history and the three members' data are checked as after any fault.
   */
  static void addAndRemoveAMember(ProcessCluster cluster, List<HistoryDump.Event> events)
      throws Exception {
    String id = cluster.spareId();
    note(cluster, events, "starting " + id + " with --join");
    cluster.startSpare();
    retryAdmin("AddMember " + id, () -> cluster.admin(cluster.awaitLeader()).addMember(
        AddMemberRequest.newBuilder().setId(id).setRaftAddress(cluster.spareRaftAddress()).build()),
        () -> roleOf(cluster, id) != null);
    note(cluster, events, id + " added as a learner");
    long deadline = System.nanoTime() + MEMBERSHIP_WAIT.toNanos();
    while (!"FOLLOWER".equals(roleOf(cluster, id)) && !"LEADER".equals(roleOf(cluster, id))) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError(id + " was not promoted to voter within " + MEMBERSHIP_WAIT
            + "; the leader lists it as " + roleOf(cluster, id));
      }
      Thread.sleep(100);
    }
    note(cluster, events, id + " promoted to voter: four voters");
    Thread.sleep(1000);
    retryAdmin("RemoveMember " + id, () -> cluster.admin(cluster.awaitLeader()).removeMember(
        RemoveMemberRequest.newBuilder().setId(id).build()), () -> roleOf(cluster, id) == null);
    note(cluster, events, id + " removed: three voters");
    cluster.stopSpare();
  }

  /** The role the leader's configuration gives member {@code id}, or null if it has none. */
  private static String roleOf(ProcessCluster cluster, String id) throws InterruptedException {
    ClusterStatusResponse s = cluster.admin(cluster.awaitLeader())
        .clusterStatus(ClusterStatusRequest.getDefaultInstance());
    return s.getMembersList().stream().filter(m -> m.getId().equals(id))
        .map(ClusterStatusResponse.Member::getRole).findFirst().orElse(null);
  }

  /**
   * A membership call, again while it is refused as unavailable or as another change in progress
   * (a leader change meanwhile), until {@code done} says it took effect.
   */
  private static void retryAdmin(String what, Callable<?> call, Callable<Boolean> done)
      throws Exception {
    long deadline = System.nanoTime() + MEMBERSHIP_WAIT.toNanos();
    while (true) {
      try {
        call.call();
        return;
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        boolean again = code == Status.Code.UNAVAILABLE || code == Status.Code.DEADLINE_EXCEEDED
            || code == Status.Code.FAILED_PRECONDITION || code == Status.Code.INVALID_ARGUMENT;
        if (done.call()) {
          return; // an earlier try took effect, and this one was refused for it
        }
        if (!again || System.nanoTime() > deadline) {
          throw new AssertionError(what + " failed", e);
        }
        Thread.sleep(500);
      }
    }
  }

  private static void note(ProcessCluster cluster, List<HistoryDump.Event> events, String what) {
    System.out.printf("ClusterHistoryIT %s (at %.1f s)%n", what,
        (System.nanoTime() - cluster.startedNanos()) / 1e9);
    events.add(new HistoryDump.Event(System.nanoTime(), what));
  }
}
