package dev.atomkv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.CommitResult;
import dev.atomkv.client.Consistency;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.ClusterStatusRequest;
import dev.atomkv.proto.v1.ClusterStatusResponse;
import dev.atomkv.server.engine.FailurePoints;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three cluster members, each a JVM of its own, every one armed to halt the moment it has applied,
 * as leader, an entry a client waits for and before it answers. A write sent through a follower
 * therefore kills the leader between apply and reply. The follower's Raft client sends the same
 * call again to the new leader, whose retry cache answers with the first application's result:
 * the caller gets one answer, the write is applied once.
 */
class ClusterExactlyOnceIT {
  private static final Duration ELECTION_WAIT = Duration.ofSeconds(90);

  @TempDir Path dir;

  private final List<ServerProcess> members = new ArrayList<>();
  private final List<ManagedChannel> channels = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    // The members' logs outlive the temporary directory, for a failure to be looked into.
    Path keep = Path.of("target", "cluster-exactly-once");
    java.nio.file.Files.createDirectories(keep);
    for (int i = 0; i < members.size(); i++) {
      java.nio.file.Files.writeString(keep.resolve("n" + (i + 1) + ".log"), members.get(i).log());
    }
    channels.forEach(ManagedChannel::shutdownNow);
    for (ServerProcess m : members) {
      m.close();
    }
  }

  @Test
  void aLeaderKilledBetweenApplyAndReplyAnswersTheCallOnceWithTheFirstResult() throws Exception {
    List<String> peers = new ArrayList<>();
    int[] raftPorts = StablePorts.free(3);
    for (int i = 1; i <= 3; i++) {
      peers.add("n" + i + "=127.0.0.1:" + raftPorts[i - 1]);
    }
    String failpoint = FailurePoints.Point.LEADER_APPLIED_BEFORE_REPLY.id() + "=halt";
    for (int i = 1; i <= 3; i++) {
      ServerProcess member = ServerProcess.start(dir.resolve("n" + i), dir.resolve("n" + i + ".log"),
          failpoint, "--cluster-id=exactly-once", "--node-id=n" + i,
          "--peers=" + String.join(",", peers));
      members.add(member);
      channels.add(member.channel());
    }
    int leader = awaitLeader(-1);
    int follower = (leader + 1) % 3;
    int third = (leader + 2) % 3;
    // Every member must hold the log before the leader dies: Ratis counts no vote from a member
    // whose log is empty, so with a late starter still empty the two left could elect no one.
    awaitEveryMemberApplied(status(leader).getCommitIndex());

    // One call through a follower: it sums 1 and sets a marker. The leader halts after applying
    // it; the call must still end with one success, not an unknown outcome or a second sum.
    CommitResult result = KvClient.create(channels.get(follower))
        // Generous: on a loaded machine elections may take several rounds.
        .withDeadline(Duration.ofSeconds(120)).atomic()
        .sum(Key.of("counter"), 1)
        .set(Key.of("marker"), KvValue.of("once"))
        .commit();
    assertTrue(result.ok(), "the call is answered with its first result");
    assertEquals(FailurePoints.HALT_EXIT_CODE, members.get(leader).awaitExit(Duration.ofSeconds(30)),
        "the leader halted at the failure point, between apply and reply:\n"
            + members.get(leader).log());

    awaitLeader(leader);
    for (int survivor : new int[] {follower, third}) {
      KvClient kv = KvClient.create(channels.get(survivor)).withDeadline(Duration.ofSeconds(30));
      KvEntry counter = kv.get(Key.of("counter"));
      assertEquals(1, counter.value().asU64(), "applied once, read on n" + (survivor + 1));
      assertEquals(result.versionstamp(), counter.versionstamp(),
          "the answer is the first application's versionstamp");
      KvEntry marker = kv.get(Key.of("marker"), Consistency.EVENTUAL);
      assertEquals(result.versionstamp(), marker.versionstamp());
    }
    assertFalse(members.get(follower).log().contains("ERROR"),
        "no error on the member that took the call:\n" + members.get(follower).log());
  }

  /** The index of the member the live members agree leads, other than {@code not}. */
  private int awaitLeader(int not) throws InterruptedException {
    long deadline = System.nanoTime() + ELECTION_WAIT.toNanos();
    while (System.nanoTime() < deadline) {
      String agreed = null;
      boolean disagree = false;
      for (int i = 0; i < members.size(); i++) {
        if (i == not || !members.get(i).isAlive()) {
          continue;
        }
        String leader = leaderSeenBy(i);
        if (leader.isEmpty() || (agreed != null && !agreed.equals(leader))) {
          disagree = true;
          break;
        }
        agreed = leader;
      }
      if (!disagree && agreed != null && !agreed.equals("n" + (not + 1))) {
        return Integer.parseInt(agreed.substring(1)) - 1;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("no leader agreed on within " + ELECTION_WAIT);
  }

  private void awaitEveryMemberApplied(long index) throws InterruptedException {
    long deadline = System.nanoTime() + ELECTION_WAIT.toNanos();
    for (int i = 0; i < members.size(); i++) {
      while (status(i).getAppliedIndex() < index) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("n" + (i + 1) + " did not apply entry " + index + " within "
              + ELECTION_WAIT);
        }
        Thread.sleep(100);
      }
    }
  }

  private ClusterStatusResponse status(int i) {
    return AdminServiceGrpc.newBlockingStub(channels.get(i)).withDeadlineAfter(5, TimeUnit.SECONDS)
        .clusterStatus(ClusterStatusRequest.getDefaultInstance());
  }

  private String leaderSeenBy(int i) {
    try {
      ClusterStatusResponse s = AdminServiceGrpc.newBlockingStub(channels.get(i))
          .withDeadlineAfter(5, TimeUnit.SECONDS)
          .clusterStatus(ClusterStatusRequest.getDefaultInstance());
      assertNotNull(s);
      return s.getLeaderId();
    } catch (RuntimeException e) {
      return "";
    }
  }
}
