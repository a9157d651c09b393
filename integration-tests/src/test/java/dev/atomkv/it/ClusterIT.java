package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.cli.Cli;
import dev.atomkv.client.CommitResult;
import dev.atomkv.client.Condition;
import dev.atomkv.client.Consistency;
import dev.atomkv.client.Filter;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvChannels;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.KvWatch;
import dev.atomkv.client.ListSelector;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.client.WatchEvent;
import dev.atomkv.client.Where;
import dev.atomkv.server.engine.ClusterStatus;
import dev.atomkv.server.kvconnect.wire.AtomicWrite;
import dev.atomkv.server.kvconnect.wire.AtomicWriteOutput;
import dev.atomkv.server.kvconnect.wire.AtomicWriteStatus;
import dev.atomkv.server.kvconnect.wire.Mutation;
import dev.atomkv.server.kvconnect.wire.ReadRange;
import dev.atomkv.server.kvconnect.wire.SnapshotRead;
import dev.atomkv.server.kvconnect.wire.SnapshotReadOutput;
import dev.atomkv.server.kvconnect.wire.MutationType;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Three cluster members in this JVM, each a real server (gRPC on a loopback port, Raft over gRPC
 * on another, LMDB and the Raft log in its own directory), reached through their own channels.
 */
class ClusterIT {
  @TempDir Path dir;

  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private TestCluster cluster;

  @BeforeEach
  void startCluster() throws IOException {
    cluster = TestCluster.start(dir, "cluster-it", 3);
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aWriteThroughAnyNodeIsReadOnEveryNodeWithTheSameVersionstamp() throws Exception {
    awaitLeader();
    List<Versionstamp> stamps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      CommitResult r = client(i).set(Key.of("users", i), KvValue.of("written via n" + (i + 1)));
      assertTrue(r.ok());
      stamps.add(r.versionstamp());
      // Strong reads: every member sees the write as soon as it is acknowledged.
      for (int j = 0; j < 3; j++) {
        KvEntry e = client(j).get(Key.of("users", i));
        assertEquals("written via n" + (i + 1), e.value().asString(), "read on n" + (j + 1));
        assertEquals(r.versionstamp(), e.versionstamp(), "versionstamp on n" + (j + 1));
      }
    }
    assertTrue(stamps.get(0).compareTo(stamps.get(1)) < 0 && stamps.get(1).compareTo(stamps.get(2)) < 0,
        "versionstamps rise in commit order: " + stamps);
    List<String> listed = new ArrayList<>();
    for (int j = 0; j < 3; j++) {
      listed.add(client(j).stream(ListSelector.prefix(Key.of("users")))
          .map(e -> e.key() + "=" + e.value().asString() + "@" + e.versionstamp())
          .collect(Collectors.joining(";")));
    }
    assertEquals(listed.get(0), listed.get(1));
    assertEquals(listed.get(0), listed.get(2));
  }

  @Test
  void checksConditionsAndSumsApplyAlikeOnEveryReplica() throws Exception {
    awaitLeader();
    KvClient n1 = client(0);
    KvClient n2 = client(1);
    n1.set(Key.of("doc"), KvValue.json(Map.of("state", "open")));
    KvEntry doc = n2.get(Key.of("doc"));
    // Two members race to update the same version: exactly one wins.
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      List<Future<CommitResult>> racers = new ArrayList<>();
      for (KvClient c : List.of(n1, n2)) {
        racers.add(pool.submit((Callable<CommitResult>) () -> c.atomic().check(doc)
            .set(Key.of("doc"), KvValue.json(Map.of("state", "closed"))).sum(Key.of("n"), 1)
            .commit()));
      }
      int ok = 0;
      for (Future<CommitResult> f : racers) {
        ok += f.get().ok() ? 1 : 0;
      }
      assertEquals(1, ok, "one check-and-set wins");
    } finally {
      pool.shutdownNow();
    }
    Where open = Where.where(Filter.and("state", Condition.equalTo("open")));
    CommitResult refused = client(2).atomic()
        .set(Key.of("doc"), KvValue.json(Map.of("state", "reopened")), open).commit();
    assertFalse(refused.ok(), "the condition sees the closed document on every member");
    for (int j = 0; j < 3; j++) {
      assertEquals(1, client(j).get(Key.of("n")).value().asU64());
    }
    KvException notU64 = assertThrows(KvException.class,
        () -> client(2).atomic().sum(Key.of("doc"), 1).commit());
    assertTrue(notU64.getMessage().contains("non-U64"), notU64.getMessage());
  }

  @Test
  void theLeaderStopsAnotherIsElectedAndTheStoppedNodeCatchesUpOnRestart() throws Exception {
    int leader = awaitLeader();
    assertTrue(client(leader).set(Key.of("before"), KvValue.of("1")).ok());
    cluster.stop(leader);
    int follower = (leader + 1) % 3;
    int other = (leader + 2) % 3;

    CommitResult during = TestCluster.retryUntilOk(() -> client(follower).set(Key.of("during"),
        KvValue.of("2")));
    assertEquals("2", client(other).get(Key.of("during")).value().asString());
    assertNotNull(client(other).get(Key.of("before")).value());
    int newLeader = awaitLeader();
    assertTrue(newLeader != leader, "a survivor leads");

    cluster.restart(leader);
    KvEntry caughtUp = TestCluster.retryUntilPresent(() -> client(leader).get(Key.of("during")));
    assertEquals(during.versionstamp(), caughtUp.versionstamp());
    CommitResult after = client(leader).set(Key.of("after"), KvValue.of("3"));
    assertTrue(after.versionstamp().compareTo(during.versionstamp()) > 0,
        "versionstamps keep rising across the leader change");
  }

  @Test
  void aWatchOnOneNodeSeesWritesMadeThroughAnother() throws Exception {
    awaitLeader();
    CommitResult first = client(0).set(Key.of("watched"), KvValue.of("a"));
    try (KvWatch watch = client(1).watch(List.of(Key.of("watched")))) {
      WatchEvent initial = watch.next();
      assertEquals(first.versionstamp(), initial.entries().get(0).versionstamp());
      CommitResult second = client(2).set(Key.of("watched"), KvValue.of("b"));
      WatchEvent changed = watch.next();
      assertEquals("b", changed.entries().get(0).value().asString());
      assertEquals(second.versionstamp(), changed.entries().get(0).versionstamp());
    }
  }

  @Test
  void eventualReadsConvergeAndStillAnswerWhenNoQuorumIsLeft() throws Exception {
    int leader = awaitLeader();
    CommitResult w = client(leader).set(Key.of("e"), KvValue.of("v"));
    for (int j = 0; j < 3; j++) {
      int node = j;
      KvEntry e = TestCluster.retryUntilPresent(() -> client(node).get(Key.of("e"), Consistency.EVENTUAL));
      assertEquals(w.versionstamp(), e.versionstamp(), "converged on n" + (j + 1));
    }
    int survivor = (leader + 1) % 3;
    for (int j = 0; j < 3; j++) {
      if (j != survivor) {
        cluster.stop(j);
      }
    }
    KvClient impatient = client(survivor).withDeadline(Duration.ofSeconds(2));
    assertEquals("v", impatient.get(Key.of("e"), Consistency.EVENTUAL).value().asString(),
        "an eventual read needs no quorum");
    assertThrows(KvException.class, () -> impatient.get(Key.of("e")),
        "a strong read cannot be served without a quorum");
  }

  @Test
  void theCliShowsEachNodesViewOfTheCluster() throws Exception {
    int leader = awaitLeader();
    client(0).set(Key.of("x"), KvValue.of("1"));
    for (int i = 0; i < 3; i++) {
      StringWriter out = new StringWriter();
      CommandLine cl = new CommandLine(new Cli());
      cl.setOut(new PrintWriter(out, true));
      int code = cl.execute("--target", "127.0.0.1:" + cluster.node(i).port(), "cluster-status");
      assertEquals(0, code, out.toString());
      Struct status = CliIT.parse(out.toString().strip());
      assertEquals("cluster-it", status.getFieldsOrThrow("clusterId").getStringValue());
      assertEquals("n" + (i + 1), status.getFieldsOrThrow("nodeId").getStringValue());
      assertEquals("n" + (leader + 1), status.getFieldsOrThrow("leaderId").getStringValue());
      assertEquals(i == leader ? "LEADER" : "FOLLOWER",
          status.getFieldsOrThrow("role").getStringValue());
      assertEquals(3, status.getFieldsOrThrow("members").getListValue().getValuesCount());
      assertTrue(Long.parseLong(status.getFieldsOrThrow("appliedIndex").getStringValue()) > 0);
    }
  }

  @Test
  void anExpiredKeyIsDeletedOnEveryMemberAtTheSameVersionstamp() throws Exception {
    awaitLeader();
    List<KvWatch> watches = new ArrayList<>();
    try {
      for (int j = 0; j < 3; j++) {
        KvWatch w = client(j).watch(List.of(Key.of("brief")));
        assertFalse(w.next().entries().get(0).exists());
        watches.add(w);
      }
      CommitResult set = client(1).set(Key.of("brief"), KvValue.of("soon gone"),
          Duration.ofMillis(300));
      for (KvWatch w : watches) {
        assertEquals(set.versionstamp(), w.next().entries().get(0).versionstamp());
      }
      // The leader's sweep goes through the log: every member reports the deletion.
      for (KvWatch w : watches) {
        WatchEvent gone = w.next();
        assertTrue(gone.changed(0));
        assertFalse(gone.entries().get(0).exists(), "deleted by the sweep");
      }
    } finally {
      watches.forEach(KvWatch::close);
    }
    for (int j = 0; j < 3; j++) {
      assertFalse(client(j).get(Key.of("brief"), Consistency.EVENTUAL).exists());
    }
  }

  @Test
  void aClientGivenEveryMemberKeepsWorkingWhileOneIsDown() throws Exception {
    int leader = awaitLeader();
    List<String> addresses = new ArrayList<>();
    for (int i = 0; i < cluster.size(); i++) {
      addresses.add("127.0.0.1:" + cluster.node(i).port());
    }
    ManagedChannel channel = KvChannels.forAddresses(addresses).build();
    try {
      KvClient kv = KvClient.create(channel);
      assertTrue(kv.set(Key.of("k", 0), KvValue.of("0")).ok());
      cluster.stop((leader + 1) % 3);
      for (int i = 1; i <= 20; i++) {
        int n = i;
        TestCluster.retryUntilOk(() -> kv.set(Key.of("k", n), KvValue.of(String.valueOf(n))));
        assertEquals(String.valueOf(i), kv.get(Key.of("k", i)).value().asString(),
            "a strong read through any live member sees the write");
      }
    } finally {
      channel.shutdownNow();
    }
  }

  @Test
  void denoSumsThroughKvConnectReplicateAndEveryMemberIsOneDatabase() throws Exception {
    awaitLeader();
    String id = kvConnectDatabaseId(0);
    assertEquals(id, kvConnectDatabaseId(2), "one database id for the whole cluster");
    byte[] key = KvConnectHttpIT.key("deno", "n");
    // set 10, then sum 1.5 with a maximum of 11, clamped: KV Connect's sums travel in the log
    // through their codec and every member applies them alike.
    kvConnectWrite(0, id, AtomicWrite.newBuilder().addMutations(kvMutation(MutationType.M_SET,
        key, "ff0f4914")).build());
    kvConnectWrite(1, id, AtomicWrite.newBuilder().addMutations(
        kvMutation(MutationType.M_SUM, key, "ff0f4e000000000000f83f").toBuilder()
            .setSumMax(ByteString.copyFrom(HexFormat.of().parseHex("ff0f4916")))
            .setSumClamp(true)).build());
    for (int j = 0; j < 3; j++) {
      assertEquals(KvValue.json(11.0), client(j).get(Key.of("deno", "n")).value(), "on n" + (j + 1));
    }
  }

  @Test
  void aWatchResumedOnAnotherMemberReportsOnlyWhatChangedSince() throws Exception {
    awaitLeader();
    client(0).set(Key.of("resumed"), KvValue.of("1"));
    Versionstamp seen;
    try (KvWatch first = client(0).watch(List.of(Key.of("resumed")))) {
      seen = first.next().readVersionstamp();
    }
    // Every member applies the same entries with the same versionstamps, so where a watch stood
    // on one member means the same on another.
    CommitResult later = client(2).set(Key.of("resumed"), KvValue.of("2"));
    try (KvWatch resumed = client(1).watch(List.of(Key.of("resumed")), seen)) {
      WatchEvent changed = resumed.next();
      assertTrue(changed.changed(0));
      assertEquals("2", changed.entries().get(0).value().asString());
      assertEquals(later.versionstamp(), changed.entries().get(0).versionstamp());
    }
    try (KvWatch current = client(2).watch(List.of(Key.of("resumed")), later.versionstamp())) {
      CommitResult next = client(0).set(Key.of("resumed"), KvValue.of("3"));
      WatchEvent e = current.next();
      assertEquals(next.versionstamp(), e.entries().get(0).versionstamp(),
          "nothing changed after the resume point but the next write");
    }
  }

  @Test
  void kvConnectListsAnEventualEndpointThatReadsWithoutTheLeader() throws Exception {
    int leader = awaitLeader();
    String id = kvConnectDatabaseId(0);
    HttpResponse<String> meta = HTTP.send(HttpRequest.newBuilder(kvConnectUri(1, "/"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[3]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertTrue(meta.body().contains("\"endpoints\":[{\"url\":\"/v2\",\"consistency\":\"strong\"},"
        + "{\"url\":\"/v2/eventual\",\"consistency\":\"eventual\"}]"), meta.body());
    byte[] key = KvConnectHttpIT.key("deno", "e");
    kvConnectWrite(0, id, AtomicWrite.newBuilder().addMutations(kvMutation(MutationType.M_SET,
        key, "ff0f4914")).build());
    SnapshotRead read = SnapshotRead.newBuilder().addRanges(ReadRange.newBuilder()
        .setStart(ByteString.copyFrom(key))
        .setEnd(ByteString.copyFrom(java.util.Arrays.copyOf(key, key.length + 1)))
        .setLimit(1)).build();
    SnapshotReadOutput strong = snapshotRead(1, "/v2", id, read);
    assertTrue(strong.getReadIsStronglyConsistent());
    assertEquals(1, strong.getRanges(0).getValuesCount());
    int survivor = (leader + 1) % 3;
    SnapshotReadOutput eventual = null;
    for (long end = System.currentTimeMillis() + TestCluster.WAIT_MS; eventual == null
        || eventual.getRanges(0).getValuesCount() == 0; Thread.sleep(50)) {
      assertTrue(System.currentTimeMillis() < end, "the member never applied the write");
      eventual = snapshotRead(survivor, "/v2/eventual", id, read);
    }
    assertFalse(eventual.getReadIsStronglyConsistent(), "an eventual read says it is one");
    HttpResponse<byte[]> write = dataPath(1, "/v2/eventual/atomic_write", id,
        AtomicWrite.getDefaultInstance().toByteArray());
    assertEquals(400, write.statusCode());
    assertTrue(new String(write.body(), StandardCharsets.UTF_8).contains("strong endpoint"));
    for (int j = 0; j < 3; j++) {
      if (j != survivor) {
        cluster.stop(j);
      }
    }
    assertEquals(1, snapshotRead(survivor, "/v2/eventual", id, read).getRanges(0)
        .getValuesCount(), "an eventual read needs no quorum");
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private KvClient client(int i) {
    return cluster.client(i);
  }

  private int awaitLeader() throws InterruptedException {
    return cluster.awaitLeader();
  }

  private String kvConnectDatabaseId(int node) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(kvConnectUri(node, "/"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[1,2,3]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(r.body(), b);
    return b.getFieldsOrThrow("databaseId").getStringValue();
  }

  private void kvConnectWrite(int node, String databaseId, AtomicWrite write) throws Exception {
    HttpResponse<byte[]> r = HTTP.send(HttpRequest.newBuilder(kvConnectUri(node, "/v2/atomic_write"))
        .header("x-denokv-version", "3").header("x-denokv-database-id", databaseId)
        .header("content-type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(write.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    assertEquals(AtomicWriteStatus.AW_SUCCESS, AtomicWriteOutput.parseFrom(r.body()).getStatus());
  }

  private SnapshotReadOutput snapshotRead(int node, String endpoint, String databaseId,
      SnapshotRead read) throws Exception {
    HttpResponse<byte[]> r = dataPath(node, endpoint + "/snapshot_read", databaseId,
        read.toByteArray());
    assertEquals(200, r.statusCode(), () -> new String(r.body(), StandardCharsets.UTF_8));
    return SnapshotReadOutput.parseFrom(r.body());
  }

  private HttpResponse<byte[]> dataPath(int node, String path, String databaseId, byte[] body)
      throws Exception {
    return HTTP.send(HttpRequest.newBuilder(kvConnectUri(node, path))
        .header("x-denokv-version", "3").header("x-denokv-database-id", databaseId)
        .header("content-type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private URI kvConnectUri(int node, String path) {
    return URI.create("http://127.0.0.1:" + cluster.node(node).kvConnectPort() + path);
  }

  private static Mutation kvMutation(MutationType type, byte[] key, String v8Hex) {
    return Mutation.newBuilder().setKey(ByteString.copyFrom(key)).setMutationType(type)
        .setValue(dev.atomkv.server.kvconnect.wire.KvValue.newBuilder()
            .setEncoding(ValueEncoding.VE_V8)
            .setData(ByteString.copyFrom(HexFormat.of().parseHex(v8Hex))))
        .build();
  }

}
