package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import dev.atomkv.cli.Cli;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.proto.v1.AddMemberRequest;
import dev.atomkv.proto.v1.AddMemberResponse;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.BackupRequest;
import dev.atomkv.proto.v1.ClusterStatusRequest;
import dev.atomkv.proto.v1.ClusterStatusResponse;
import dev.atomkv.proto.v1.RemoveMemberRequest;
import dev.atomkv.proto.v1.TransferLeadershipRequest;
import dev.atomkv.server.StartupException;
import dev.atomkv.server.engine.ClusterStatus;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Operating a cluster of real servers: each member's progress in the status, adding a member
 * (a learner promoted once caught up) while writes go on, removing one, transferring leadership,
 * the refusals, the Raft metrics, and a single-node data directory turned into a cluster's first
 * member.
 */
class ClusterAdminIT {
  @TempDir Path dir;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestCluster cluster;

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aMemberWhoseRaftPortIsTakenFailsToStartWithAClearErrorAndTheOthersServeOn() throws Exception {
    cluster = TestCluster.start(dir, "port-taken", 3);
    cluster.awaitLeader();
    String address = "127.0.0.1:" + RaftPorts.free();
    try (ServerSocket squatter = new ServerSocket(Integer.parseInt(address.split(":")[1]), 1,
        InetAddress.getLoopbackAddress())) {
      StartupException e = assertThrows(StartupException.class, () -> cluster.join(address));
      assertTrue(e.getMessage().contains("cannot listen on " + address)
          && e.getMessage().contains("Address already in use"), e.getMessage());
    }
    // The refusal ended neither this JVM nor the members in it.
    KvClient n1 = cluster.client(0);
    n1.set(Key.of("after"), KvValue.of("still serving"));
    assertEquals("still serving", TestCluster.retryUntilPresent(
        () -> cluster.client(2).get(Key.of("after"))).value().asString());
  }

  @Test
  void theStatusShowsEveryMembersProgressAndEveryMemberAgreesOnTheLeader() throws Exception {
    cluster = TestCluster.start(dir, "admin-status", 3);
    int leader = cluster.awaitLeader();
    for (int i = 0; i < 20; i++) {
      TestCluster.retryUntilOk(() -> cluster.client(0).set(Key.of("s", 0L), KvValue.of("v")));
    }
    String leaderId = "n" + (leader + 1);
    // The leader's view: every member with its match index, lag and last contact.
    await("every follower caught up in the leader's view", () -> {
      ClusterStatusResponse s = cluster.admin(leader).clusterStatus(request());
      return s.getMembersList().stream().allMatch(m -> m.hasLag() && m.getLag() == 0);
    });
    ClusterStatusResponse s = cluster.admin(leader).clusterStatus(request());
    assertEquals(leaderId, s.getLeaderId());
    assertEquals("LEADER", s.getRole());
    assertEquals(3, s.getMembersCount());
    for (ClusterStatusResponse.Member m : s.getMembersList()) {
      assertEquals(m.getId().equals(leaderId) ? "LEADER" : "FOLLOWER", m.getRole(), m.getId());
      assertTrue(m.getMatchIndex() >= s.getCommitIndex() - m.getLag(), m.toString());
      assertEquals(cluster.raftAddress(Integer.parseInt(m.getId().substring(1)) - 1),
          m.getRaftAddress());
      if (!m.getId().equals(leaderId)) {
        assertTrue(m.hasLastContactMs() && m.getLastContactMs() < 5_000, m.toString());
        assertTrue(m.hasCommitIndex(), "the leader hears each follower's commit index: " + m);
        assertTrue(!m.hasAppliedIndex(), "only the answering member's applied index is known");
      } else {
        assertEquals(s.getAppliedIndex(), m.getAppliedIndex());
      }
    }
    // A follower's view: its own indexes and the leader, no lags.
    for (int i = 0; i < 3; i++) {
      ClusterStatusResponse f = cluster.admin(i).clusterStatus(request());
      assertEquals(leaderId, f.getLeaderId(), "n" + (i + 1) + " agrees on the leader");
      assertEquals(3, f.getMembersCount());
      if (i != leader) {
        assertEquals("FOLLOWER", f.getRole());
        ClusterStatusResponse.Member self = member(f, "n" + (i + 1));
        assertEquals(f.getAppliedIndex(), self.getAppliedIndex());
        assertTrue(!self.hasLag(), "a follower does not know lags: " + self);
        assertTrue(member(f, leaderId).hasLastContactMs(), "it knows when it heard the leader");
      }
    }
    // The CLI prints the same, members and lags included.
    Struct printed = CliIT.parse(cli(leader, "cluster-status").strip());
    assertEquals(3, printed.getFieldsOrThrow("members").getListValue().getValuesCount());
    assertEquals("0", printed.getFieldsOrThrow("members").getListValue().getValues(0)
        .getStructValue().getFieldsOrThrow("lag").getStringValue());
  }

  @Test
  void aMemberAddedWhileWritesGoOnCatchesUpBecomesAVoterAndHoldsTheSameData() throws Exception {
    cluster = TestCluster.start(dir, "admin-add", 3);
    int leader = cluster.awaitLeader();
    long seed = System.nanoTime();
    System.out.println("ClusterAdminIT add-member seed=" + seed);
    Random random = new Random(seed);
    for (int i = 0; i < 50; i++) {
      int k = i;
      TestCluster.retryUntilOk(() -> cluster.client(k % 3).set(Key.of("pre", (long) k),
          KvValue.of("v" + random.nextInt())));
    }
    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger written = new AtomicInteger();
    ExecutorService pool = Executors.newSingleThreadExecutor();
    Future<?> writer = pool.submit(() -> {
      long n = 0;
      while (writing.get()) {
        long k = n++;
        TestCluster.retryUntilOk(() -> cluster.client((int) (k % 3)).set(Key.of("during", k),
            KvValue.of("w" + k)));
        written.incrementAndGet();
      }
      return null;
    });
    try {
      String address = "127.0.0.1:" + RaftPorts.free();
      int added = cluster.join(address);
      assertEquals(3, added);
      int via = (leader + 1) % 3;  // a follower: the call is forwarded to the leader
      AddMemberResponse reply = cluster.admin(via).addMember(
          AddMemberRequest.newBuilder().setId("n4").setRaftAddress(address).build());
      assertEquals(List.of("n1", "n2", "n3", "n4"), reply.getMemberIdsList());
      // A learner first: promotion takes two more configuration changes after it has caught up.
      assertEquals("LEARNER", cluster.status(via).member("n4").role());
      await("n4 promoted to voter", () -> {
        ClusterStatus s = leaderStatus();
        return s != null && s.member("n4") != null && s.member("n4").role().equals("FOLLOWER");
      });
      int before = written.get();
      await("writes go on after the promotion", () -> written.get() > before + 5);
    } finally {
      writing.set(false);
      writer.get();
      pool.shutdown();
    }
    // n4 votes now: it is in every member's configuration and the leader tracks its lag.
    int now = cluster.awaitLeader();
    ClusterStatus s = cluster.status(now);
    assertEquals(4, s.members().size());
    assertEquals("FOLLOWER", cluster.status(3).role());
    assertEquals(s.leaderId(), cluster.status(3).leaderId());
    // Identical data: every key with the same value and versionstamp on n4 as on the others.
    List<KvEntry> expected = new ArrayList<>();
    cluster.client(now).stream(dev.atomkv.client.ListSelector.prefix(Key.of("pre")))
        .forEach(expected::add);
    cluster.client(now).stream(dev.atomkv.client.ListSelector.prefix(Key.of("during")))
        .forEach(expected::add);
    assertEquals(50 + written.get(), expected.size());
    KvClient n4 = cluster.client(3);
    for (KvEntry e : expected) {
      KvEntry got = n4.get(e.key());
      assertEquals(e.value().asString(), got.value().asString(), e.key().toString());
      assertEquals(e.versionstamp(), got.versionstamp(), e.key().toString());
    }
    // Restarted with the same flags (--join included), it is the voter its log says it is.
    cluster.node(3).restart();
    TestCluster.retryUntilOk(() -> cluster.client(3).set(Key.of("after-restart"),
        KvValue.of("x")));
    await("n4 a voter again after its restart", () -> "FOLLOWER".equals(cluster.status(3).role())
        || "LEADER".equals(cluster.status(3).role()));
    assertEquals(4, cluster.status(3).members().size());
    assertEquals("x", cluster.client(0).get(Key.of("after-restart")).value().asString());
  }

  @Test
  void aServerStartedWithJoinWaitsOutsideTheConfiguration() throws Exception {
    cluster = TestCluster.start(dir, "admin-join", 1);
    cluster.awaitLeader();
    int joining = cluster.join("127.0.0.1:" + RaftPorts.free());
    ClusterStatusResponse s = cluster.admin(joining).clusterStatus(request());
    assertEquals("NOT_A_MEMBER", s.getRole());
    assertEquals(0, s.getMembersCount());
    assertEquals(0, s.getCommitIndex());
    assertEquals(1, cluster.status(0).members().size(), "the cluster does not know it yet");
  }

  @Test
  void aRemovedMemberLeavesTwoThatKeepWritingWithAQuorumOfTwo() throws Exception {
    cluster = TestCluster.start(dir, "admin-remove", 3);
    int leader = cluster.awaitLeader();
    TestCluster.retryUntilOk(() -> cluster.client(0).set(Key.of("r", 0L), KvValue.of("before")));
    int removed = (leader + 2) % 3;
    int other = (leader + 1) % 3;
    List<String> left = cluster.admin(other).removeMember(RemoveMemberRequest.newBuilder()
        .setId("n" + (removed + 1)).build()).getMemberIdsList();
    assertEquals(2, left.size());
    assertTrue(!left.contains("n" + (removed + 1)), left.toString());
    cluster.stop(removed);
    for (int i : new int[] {leader, other}) {
      await("n" + (i + 1) + " knows two members", () -> cluster.status(i).members().size() == 2);
    }
    for (long k = 1; k <= 10; k++) {
      long key = k;
      TestCluster.retryUntilOk(() -> cluster.client((int) (key % 2 == 0 ? leader : other))
          .set(Key.of("r", key), KvValue.of("after")));
    }
    assertEquals("after", cluster.client(other).get(Key.of("r", 10L)).value().asString());
    // Both remaining members are the whole quorum now: with one of them down, nothing commits.
    cluster.stop(other);
    StatusRuntimeException noQuorum = assertThrows(StatusRuntimeException.class,
        () -> cluster.admin(leader).addMember(AddMemberRequest.newBuilder().setId("n9")
            .setRaftAddress("127.0.0.1:" + RaftPorts.free()).build()));
    assertEquals(Status.Code.UNAVAILABLE, noQuorum.getStatus().getCode(), noQuorum.toString());
  }

  @Test
  void leadershipMovesToTheNamedMemberAndWritesGoOn() throws Exception {
    cluster = TestCluster.start(dir, "admin-transfer", 3);
    int leader = cluster.awaitLeader();
    TestCluster.retryUntilOk(() -> cluster.client(0).set(Key.of("t", 0L), KvValue.of("v")));
    int target = (leader + 1) % 3;
    int via = (leader + 2) % 3;
    String reply = cli(via, "cluster-transfer-leader", "n" + (target + 1));
    assertEquals("{\"leaderId\":\"n" + (target + 1) + "\"}", reply.strip());
    assertEquals(target, cluster.awaitLeader());
    for (int i = 0; i < 3; i++) {
      int n = i;
      TestCluster.retryUntilOk(() -> cluster.client(n).set(Key.of("t", (long) n + 1),
          KvValue.of("after")));
    }
    assertEquals("after", cluster.client(leader).get(Key.of("t", 3L)).value().asString());
    // Every acknowledged write is seen by a strong read on another member right after, across
    // the commit-index records and configuration entries Ratis puts in the log between ours.
    for (long k = 0; k < 60; k++) {
      long key = k;
      TestCluster.retryUntilOk(() -> cluster.client((int) (key % 3)).set(Key.of("rw", key),
          KvValue.of("w" + key)));
      KvEntry read = cluster.client((int) ((key + 1) % 3)).get(Key.of("rw", key));
      assertTrue(read.exists(), "write " + key + " through n" + (key % 3 + 1)
          + " not seen by a strong read on n" + ((key + 1) % 3 + 1));
    }
    // Asking for the member that leads already does nothing.
    assertEquals("n" + (target + 1), cluster.admin(leader).transferLeadership(
        TransferLeadershipRequest.newBuilder().setId("n" + (target + 1)).build()).getLeaderId());
    assertEquals(target, cluster.awaitLeader());
  }

  @Test
  void badRequestsAreRefusedWithTheirReason() throws Exception {
    cluster = TestCluster.start(dir, "admin-errors", 3);
    cluster.awaitLeader();
    AdminServiceGrpc.AdminServiceBlockingStub admin = cluster.admin(1);
    assertRefused(Status.Code.FAILED_PRECONDITION, "member n2 is in the cluster already",
        () -> admin.addMember(AddMemberRequest.newBuilder().setId("n2")
            .setRaftAddress("127.0.0.1:1").build()));
    assertRefused(Status.Code.FAILED_PRECONDITION, "is member n3's already",
        () -> admin.addMember(AddMemberRequest.newBuilder().setId("n7")
            .setRaftAddress(cluster.raftAddress(2)).build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "id must be 1 to 64 letters",
        () -> admin.addMember(AddMemberRequest.newBuilder().setId("n 7")
            .setRaftAddress("127.0.0.1:1").build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "expected host:port",
        () -> admin.addMember(AddMemberRequest.newBuilder().setId("n7")
            .setRaftAddress("nowhere").build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "id and raft_address are required",
        () -> admin.addMember(AddMemberRequest.getDefaultInstance()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "no member has id n9 (members: n1, n2, n3)",
        () -> admin.removeMember(RemoveMemberRequest.newBuilder().setId("n9").build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "no member has id n9",
        () -> admin.transferLeadership(TransferLeadershipRequest.newBuilder().setId("n9")
            .build()));
    assertRefused(Status.Code.INVALID_ARGUMENT, "id is required",
        () -> admin.removeMember(RemoveMemberRequest.getDefaultInstance()));
    // The CLI says the same and exits 1.
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(new StringWriter(), true));
    cl.setErr(new PrintWriter(err, true));
    assertEquals(Cli.EXIT_SERVER, cl.execute("--target", "127.0.0.1:" + cluster.node(0).port(),
        "cluster-remove-member", "n9"));
    assertTrue(err.toString().contains("INVALID_ARGUMENT: no member has id n9"), err.toString());
    // A single node is no cluster member.
    try (RunningServer single = RunningServer.start(dir.resolve("single"))) {
      assertRefused(Status.Code.FAILED_PRECONDITION, "not a cluster member",
          () -> AdminServiceGrpc.newBlockingStub(single.channel()).addMember(
              AddMemberRequest.newBuilder().setId("n2").setRaftAddress("127.0.0.1:1").build()));
    }
  }

  @Test
  void theRaftMetricsAppearOnEveryMember() throws Exception {
    cluster = TestCluster.start(dir, "admin-metrics", 3, "--metrics-port=0");
    int leader = cluster.awaitLeader();
    int follower = (leader + 1) % 3;
    for (int i = 0; i < 5; i++) {
      TestCluster.retryUntilOk(() -> cluster.client(follower).set(Key.of("m"), KvValue.of("v")));
    }
    String onLeader = scrape(leader);
    String onFollower = scrape(follower);
    assertEquals(1.0, value(onLeader, "atomkv_raft_role{role=\"leader\"}"));
    assertEquals(0.0, value(onLeader, "atomkv_raft_role{role=\"follower\"}"));
    assertEquals(1.0, value(onFollower, "atomkv_raft_role{role=\"follower\"}"));
    assertEquals(0.0, value(onFollower, "atomkv_raft_role{role=\"learner\"}"));
    assertTrue(value(onLeader, "atomkv_raft_term") >= 1);
    assertEquals(value(onLeader, "atomkv_raft_term"), value(onFollower, "atomkv_raft_term"));
    assertTrue(value(onLeader, "atomkv_raft_commit_index") >= 6, onLeader);
    assertTrue(value(onLeader, "atomkv_raft_applied_index") >= 6);
    assertTrue(value(onLeader, "atomkv_raft_apply_lag") >= 0);
    assertTrue(value(onLeader, "atomkv_raft_log_size_bytes") > 0, "the log's segments");
    assertTrue(value(onFollower, "atomkv_raft_leader_changes_total") >= 1);
    assertEquals(5.0, value(onFollower, "atomkv_raft_forwarded_writes_total"),
        "writes through a follower are forwarded");
    assertEquals(0.0, value(onLeader, "atomkv_raft_forwarded_writes_total"));
    assertEquals(0.0, value(onLeader, "atomkv_raft_snapshot_installs_total"));
    // Bounded labels: role is the only one, with four values.
    assertEquals(4, onLeader.lines().filter(l -> l.startsWith("atomkv_raft_role{")).count());
  }

  @Test
  void aSingleNodeDataDirectoryBecomesTheFirstMemberOfACluster() throws Exception {
    // Written by a plain single node, in the directory the cluster's n1 will use.
    try (RunningServer single = RunningServer.start(dir.resolve("n1"))) {
      for (long k = 0; k < 20; k++) {
        assertTrue(single.client().set(Key.of("old", k), KvValue.of("o" + k)).ok());
      }
    }
    cluster = TestCluster.start(dir, "converted", 1);
    assertEquals(0, cluster.awaitLeader());
    KvClient n1 = cluster.client(0);
    for (long k = 0; k < 20; k++) {
      assertEquals("o" + k, n1.get(Key.of("old", k)).value().asString(), "kept key " + k);
    }
    KvEntry old = n1.get(Key.of("old", 19L));
    KvEntry fresh = TestCluster.retryUntilPresent(() -> {
      n1.set(Key.of("new", 0L), KvValue.of("n0"));
      return n1.get(Key.of("new", 0L));
    });
    assertTrue(fresh.versionstamp().compareTo(old.versionstamp()) > 0,
        "versionstamps go on rising: " + old.versionstamp() + " then " + fresh.versionstamp());
    assertRefused(Status.Code.FAILED_PRECONDITION, "last voter",
        () -> cluster.admin(0).removeMember(RemoveMemberRequest.newBuilder().setId("n1")
            .build()));
    // The keys from before the cluster are in no log: the second member starts from a backup of
    // n1 and replays the log from the backup's position on.
    cluster.admin(0).backup(BackupRequest.newBuilder()
        .setDirectory(cluster.dataDir(1).toString()).build());
    n1.set(Key.of("new", 1L), KvValue.of("n1"));
    String address = "127.0.0.1:" + RaftPorts.free();
    int second = cluster.join(address);
    cluster.admin(0).addMember(AddMemberRequest.newBuilder().setId("n2").setRaftAddress(address)
        .build());
    await("n2 promoted to voter", () -> cluster.status(0).member("n2") != null
        && cluster.status(0).member("n2").role().equals("FOLLOWER"));
    n1.set(Key.of("new", 2L), KvValue.of("n2"));
    KvClient n2 = cluster.client(second);
    for (long k = 0; k < 20; k++) {
      assertEquals(n1.get(Key.of("old", k)).versionstamp(), n2.get(Key.of("old", k)).versionstamp());
    }
    for (long k = 0; k <= 2; k++) {
      KvEntry e = n2.get(Key.of("new", k));
      assertEquals("n" + k, e.value().asString());
      assertEquals(n1.get(Key.of("new", k)).versionstamp(), e.versionstamp());
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** The status of the member that says it leads, or null during an election. */
  private ClusterStatus leaderStatus() {
    for (int i = 0; i < cluster.size(); i++) {
      if (cluster.node(i) != null && cluster.status(i).role().equals("LEADER")) {
        return cluster.status(i);
      }
    }
    return null;
  }

  private static ClusterStatusRequest request() {
    return ClusterStatusRequest.getDefaultInstance();
  }

  private static ClusterStatusResponse.Member member(ClusterStatusResponse s, String id) {
    return s.getMembersList().stream().filter(m -> m.getId().equals(id)).findFirst()
        .orElseThrow(() -> new AssertionError("no member " + id + " in " + s));
  }

  private static void assertRefused(Status.Code code, String message, Runnable call) {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, call::run);
    assertEquals(code, e.getStatus().getCode(), e.toString());
    assertNotNull(e.getStatus().getDescription());
    assertTrue(e.getStatus().getDescription().contains(message), e.getStatus().getDescription());
  }

  private static void await(String what, BooleanSupplier condition) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 2 * TestCluster.WAIT_MS;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("not within " + 2 * TestCluster.WAIT_MS + " ms: " + what);
      }
      Thread.sleep(100);
    }
  }

  private String cli(int member, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(out, true));
    cl.setErr(new PrintWriter(err, true));
    List<String> all = new ArrayList<>(List.of("--target",
        "127.0.0.1:" + cluster.node(member).port(), "--deadline-ms", "30000"));
    all.addAll(List.of(args));
    int code = cl.execute(all.toArray(String[]::new));
    assertEquals(0, code, out + " " + err);
    return out.toString();
  }

  private String scrape(int member) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
        + cluster.node(member).metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  private static double value(String text, String name) {
    return MetricsIT.value(text, name).orElseThrow(() -> new AssertionError("no " + name));
  }
}
