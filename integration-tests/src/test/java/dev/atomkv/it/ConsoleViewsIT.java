package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import dev.atomkv.client.EnqueueOptions;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListenOptions;
import dev.atomkv.client.QueueListener;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's views of the server itself (docs/console.md, {@code cluster} and {@code queues})
 * through the real server: a single node, and each member of a three-member cluster, whose
 * answers are compared with what the members themselves report.
 */
class ConsoleViewsIT {
  @TempDir Path dir;

  @Test
  void anyValidTokenReadsTheViewsAndOthersGetNothing() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "rw-token\nro-token readonly\n");
    try (RunningServer server = RunningServer.start(dir.resolve("data"),
        "--auth-tokens-file=" + tokens)) {
      for (String path : List.of("/api/cluster", "/api/queues")) {
        for (String wrong : new String[] {null, "nope"}) {
          ConsoleHttp.Answer a = new ConsoleHttp(server.consolePort(), wrong).post(path, "{}");
          assertEquals(401, a.status(), path);
          assertEquals("UNAUTHENTICATED", a.code());
        }
        for (String token : List.of("rw-token", "ro-token")) {
          new ConsoleHttp(server.consolePort(), token).ok(path, "{}");
        }
      }
      JsonObject single = new ConsoleHttp(server.consolePort(), "ro-token")
          .ok("/api/cluster", "{}");
      assertEquals("{\"cluster\":false}", single.toString(), "a single node says only that");
    }
  }

  @Test
  void aSingleNodeCountsReadyDelayedAndInFlightMessages() throws Exception {
    try (RunningServer server = RunningServer.start(dir.resolve("data"))) {
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      assertQueue(console, 0, 0, 0);
      KvClient kv = server.client();
      for (int i = 0; i < 3; i++) {
        kv.atomic().enqueue(KvValue.of("now " + i)).commit();
      }
      for (int i = 0; i < 2; i++) {
        kv.atomic().enqueue(KvValue.of("later " + i),
            EnqueueOptions.builder().delay(Duration.ofHours(1)).build()).commit();
      }
      assertQueue(console, 3, 2, 0);

      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      try (QueueListener listener = kv.listenQueue(m -> {
        holding.countDown();
        release.await(30, TimeUnit.SECONDS);
      }, ListenOptions.builder().concurrency(1).build())) {
        assertTrue(holding.await(30, TimeUnit.SECONDS));
        JsonObject held = await(console, "/api/queues",
            q -> q.get("inFlight").getAsLong() >= 1);
        assertEquals(3, held.get("ready").getAsLong() + held.get("inFlight").getAsLong());
        assertEquals(2, held.get("delayed").getAsLong());
        release.countDown();
        await(console, "/api/queues", q -> q.get("ready").getAsLong() == 0
            && q.get("inFlight").getAsLong() == 0);
      } finally {
        release.countDown();
      }
      assertQueue(console, 0, 2, 0);
    }
  }

  @Test
  void everyMemberShowsItsViewOfTheClusterAndFollowsAnElection() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "console-views", 3, "--console-port=0")) {
      int leader = cluster.awaitLeader();
      String leaderId = "n" + (leader + 1);
      TestCluster.retryUntilOk(() -> cluster.client(leader).set(Key.of("seen"), KvValue.of("1")));
      for (int i = 0; i < 3; i++) {
        String self = "n" + (i + 1);
        JsonObject c = await(console(cluster, i), "/api/cluster",
            s -> !s.get("leaderId").isJsonNull() && s.get("appliedIndex").getAsLong() > 0);
        assertTrue(c.get("cluster").getAsBoolean());
        assertEquals("console-views", c.get("clusterId").getAsString());
        assertEquals(self, c.get("nodeId").getAsString());
        assertEquals(leaderId, c.get("leaderId").getAsString());
        assertEquals(i == leader ? "LEADER" : "FOLLOWER", c.get("role").getAsString());
        assertEquals(cluster.status(i).term(), c.get("term").getAsLong());
        assertTrue(c.get("commitIndex").getAsLong() >= c.get("appliedIndex").getAsLong());
        JsonArray members = c.getAsJsonArray("members");
        assertEquals(3, members.size());
        for (int j = 0; j < 3; j++) {
          JsonObject m = members.get(j).getAsJsonObject();
          assertEquals("n" + (j + 1), m.get("id").getAsString());
          assertEquals(cluster.raftAddress(j), m.get("raftAddress").getAsString());
          assertEquals(j == leader ? "LEADER" : "FOLLOWER", m.get("role").getAsString());
          if (i == leader) {
            // Only the leader follows the others' progress.
            assertFalse(m.get("matchIndex").isJsonNull(), m.toString());
            assertFalse(m.get("lag").isJsonNull(), m.toString());
            assertEquals(j == leader, m.get("lastContactMs").isJsonNull(), m.toString());
          } else if (j != leader) {
            assertTrue(m.get("lag").isJsonNull(), m.toString());
          }
        }
      }

      int follower = (leader + 1) % 3;
      cluster.stop(leader);
      JsonObject after = await(console(cluster, follower), "/api/cluster",
          s -> !s.get("leaderId").isJsonNull()
              && !s.get("leaderId").getAsString().equals(leaderId));
      assertNotEquals(leaderId, after.get("leaderId").getAsString());
      assertEquals(cluster.status(follower).leaderId(), after.get("leaderId").getAsString());
    }
  }

  @Test
  void everyMemberCountsTheQueueItsStoreHolds() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "console-queues", 3, "--console-port=0")) {
      int leader = cluster.awaitLeader();
      for (int i = 0; i < 2; i++) {
        String payload = "later " + i;
        TestCluster.retryUntilOk(() -> cluster.client(leader).atomic()
            .enqueue(KvValue.of(payload), EnqueueOptions.builder().delay(Duration.ofHours(1))
                .build()).commit());
      }
      for (int i = 0; i < 3; i++) {
        JsonObject q = await(console(cluster, i), "/api/queues",
            s -> s.get("delayed").getAsLong() == 2);
        assertEquals(0, q.get("ready").getAsLong());
        assertEquals(0, q.get("inFlight").getAsLong());
        assertTrue(q.get("exact").getAsBoolean());
        assertTrue(q.get("cluster").getAsBoolean());
      }
    }
  }

  private static ConsoleHttp console(TestCluster cluster, int i) {
    return new ConsoleHttp(cluster.node(i).consolePort(), null);
  }

  private static void assertQueue(ConsoleHttp console, long ready, long delayed, long inFlight)
      throws Exception {
    JsonObject q = console.ok("/api/queues", "{}");
    assertEquals(ready, q.get("ready").getAsLong(), q.toString());
    assertEquals(delayed, q.get("delayed").getAsLong(), q.toString());
    assertEquals(inFlight, q.get("inFlight").getAsLong(), q.toString());
    assertTrue(q.get("exact").getAsBoolean());
    assertFalse(q.get("cluster").getAsBoolean());
  }

  /** Asks again until the answer satisfies {@code done}: members and queues move on their own. */
  private static JsonObject await(ConsoleHttp console, String path, Predicate<JsonObject> done)
      throws Exception {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    JsonObject last = console.ok(path, "{}");
    while (!done.test(last)) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(path + " still answers " + last);
      }
      Thread.sleep(100);
      last = console.ok(path, "{}");
    }
    return last;
  }
}
