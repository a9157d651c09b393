package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.CommitOutcomeUnknownException;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvChannels;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListSelector;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * One channel to three independent servers (not a cluster: each has its own data, so what must
 * read the same everywhere is written to all three first). Each server holds its own name under
 * {@code id/node}, so a read tells which server answered it.
 */
class MultiAddressIT {
  private static final Key ID = Key.of("id", "node");
  private static final Key COUNTER = Key.of("atomics");
  private static final int SHARED_KEYS = 20;

  @TempDir Path dir;
  private final List<RunningServer> servers = new ArrayList<>();
  private ManagedChannel channel;
  private KvClient kv;

  @BeforeEach
  void start() throws Exception {
    for (int i = 0; i < 3; i++) {
      RunningServer s = RunningServer.start(dir.resolve("node" + i));
      servers.add(s);
      seed(s, i);
    }
    channel = KvChannels.forAddresses(servers.stream()
        .map(s -> "127.0.0.1:" + s.port()).toList()).build();
    kv = KvClient.builder(channel).deadline(Duration.ofSeconds(5)).build();
  }

  private static void seed(RunningServer s, int i) {
    s.client().set(ID, KvValue.of("node" + i));
    for (int k = 0; k < SHARED_KEYS; k++) {
      s.client().set(Key.of("shared", k), KvValue.of("v" + k));
    }
  }

  @AfterEach
  void stop() throws Exception {
    channel.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    servers.forEach(RunningServer::close);
  }

  @Test
  void getsAndListsAreSpreadOverEveryServer() throws Exception {
    awaitServed(Set.of("node0", "node1", "node2"));
    Map<String, Integer> gets = new HashMap<>();
    Map<String, Integer> lists = new HashMap<>();
    for (int i = 0; i < 60; i++) {
      gets.merge(kv.get(ID).value().asString(), 1, Integer::sum);
      lists.merge(listedId(), 1, Integer::sum);
    }
    // Round robin: with all three up and healthy, each gets its turn.
    for (String node : List.of("node0", "node1", "node2")) {
      assertTrue(gets.getOrDefault(node, 0) >= 10, "gets per server " + gets);
      assertTrue(lists.getOrDefault(node, 0) >= 10, "lists per server " + lists);
    }
  }

  @Test
  void readsKeepSucceedingWhileAServerStops() throws Exception {
    awaitServed(Set.of("node0", "node1", "node2"));
    ReadLoop reads = new ReadLoop(kv);
    Thread.sleep(300);
    long closing = System.nanoTime();
    servers.get(1).close();
    long closeMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - closing);
    reads.markStopped();
    // The channel's health-check stream ends when the server says GOAWAY; were it kept open, the
    // graceful stop would wait out the whole grace period (2 s here) before cancelling it.
    assertTrue(closeMs < 2000, "the stop took " + closeMs + " ms");
    Thread.sleep(1500);
    reads.finishWithoutErrorsServedBy(Set.of("node0", "node2"));
  }

  @Test
  void readsKeepSucceedingWhenAServerIsCutOffWithoutWarning() throws Exception {
    // node1 behind a relay that resets its connections: no GOAWAY, no NOT_SERVING first. Reads
    // in flight there fail with UNAVAILABLE and the client's retry goes to the next node.
    try (CuttableProxy relay = new CuttableProxy(servers.get(1).port())) {
      ManagedChannel relayed = KvChannels.forAddresses(List.of("127.0.0.1:" + servers.get(0).port(),
          "127.0.0.1:" + relay.port(), "127.0.0.1:" + servers.get(2).port())).build();
      try {
        KvClient client = KvClient.builder(relayed).deadline(Duration.ofSeconds(5)).build();
        awaitServed(client, Set.of("node0", "node1", "node2"));
        ReadLoop reads = new ReadLoop(client);
        Thread.sleep(300);
        relay.cut();
        reads.markStopped();
        Thread.sleep(1500);
        reads.finishWithoutErrorsServedBy(Set.of("node0", "node2"));
      } finally {
        relayed.shutdownNow();
        relayed.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void atomicsWhileAServerStopsLandOnceAndAStoppedServerIsUsedAgainAfterItsRestart()
      throws Exception {
    awaitServed(Set.of("node0", "node1", "node2"));
    AtomicBoolean done = new AtomicBoolean();
    List<KvException> failures = Collections.synchronizedList(new ArrayList<>());
    AtomicInteger committed = new AtomicInteger();
    CompletableFuture<Void> writer = CompletableFuture.runAsync(() -> {
      while (!done.get()) {
        try {
          assertTrue(kv.atomic().sum(COUNTER, 1).commit().ok());
          committed.incrementAndGet();
        } catch (KvException e) {
          failures.add(e);
        }
      }
    });
    Thread.sleep(300);
    int port = servers.get(1).port();
    servers.get(1).close();
    int beforeDown = committed.get();
    Thread.sleep(1000);
    int whileDown = committed.get() - beforeDown;
    assertTrue(whileDown >= 10, "commits while a server is down: " + whileDown);

    // The same data dir on the same port: the channel reconnects by itself (with backoff).
    servers.set(1, RunningServer.start(dir.resolve("node1"), "--port=" + port));
    awaitServed(Set.of("node1"));
    done.set(true);
    writer.get(30, TimeUnit.SECONDS);

    for (KvException e : failures) {
      // A commit cut off by the stop may have landed: it is reported, never sent again.
      assertInstanceOf(CommitOutcomeUnknownException.class, e, e.toString());
    }
    long landed = 0;
    for (RunningServer s : servers) {
      KvEntry counter = s.client().get(COUNTER);
      landed += counter.exists() ? counter.value().asU64() : 0;
    }
    assertTrue(landed >= committed.get() && landed <= committed.get() + failures.size(),
        "landed " + landed + ", acknowledged " + committed + ", unknown " + failures.size());
  }

  @Test
  void anAtomicThatReachedAServerIsNeverRetriedElsewhere() throws Exception {
    try (FailingNode failing = new FailingNode(ServingStatus.SERVING)) {
      ManagedChannel mixed = KvChannels.forAddresses(
          List.of("127.0.0.1:" + servers.get(0).port(), "127.0.0.1:" + failing.port())).build();
      try {
        KvClient client = KvClient.create(mixed);
        int ok = 0;
        int unknown = 0;
        for (int i = 0; i < 400 && (ok < 10 || unknown < 10); i++) {
          try {
            assertTrue(client.atomic().sum(COUNTER, 1).commit().ok());
            ok++;
          } catch (CommitOutcomeUnknownException e) {
            assertEquals(Status.Code.UNAVAILABLE, e.code());
            unknown++;
          }
        }
        assertTrue(ok >= 10 && unknown >= 10, "ok " + ok + ", unknown " + unknown);
        // Each failed commit reached the failing node once and went nowhere else.
        assertEquals(unknown, failing.atomics());
        assertEquals(ok, servers.get(0).client().get(COUNTER).value().asU64());
      } finally {
        mixed.shutdownNow();
        mixed.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  @Test
  void aNodeThatReportsNotServingGetsNoCallsUntilItServesAgain() throws Exception {
    try (FailingNode failing = new FailingNode(ServingStatus.NOT_SERVING)) {
      ManagedChannel mixed = KvChannels.forAddresses(
          List.of("127.0.0.1:" + failing.port(), "127.0.0.1:" + servers.get(0).port())).build();
      try {
        KvClient client = KvClient.create(mixed);
        // Long enough for both connections to be up: only health keeps the failing node out.
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(1000);
        int commits = 0;
        while (System.nanoTime() < until) {
          assertTrue(client.atomic().sum(COUNTER, 1).commit().ok());
          commits++;
        }
        assertEquals(0, failing.atomics(), "calls to a node that is not serving");
        assertEquals(commits, servers.get(0).client().get(COUNTER).value().asU64());

        failing.health(ServingStatus.SERVING);
        int unknown = 0;
        for (int i = 0; i < 1000 && unknown == 0; i++) {
          try {
            client.atomic().sum(COUNTER, 1).commit();
          } catch (CommitOutcomeUnknownException e) {
            unknown++;
          }
          Thread.sleep(5);
        }
        assertEquals(1, unknown, "the node serving again got no call");
        assertEquals(1, failing.atomics());
      } finally {
        mixed.shutdownNow();
        mixed.awaitTermination(5, TimeUnit.SECONDS);
      }
    }
  }

  /** The node that answered a List of {@code id}. */
  private String listedId() {
    return listedId(kv);
  }

  private static String listedId(KvClient kv) {
    List<KvEntry> entries = kv.stream(ListSelector.prefix(Key.of("id"))).toList();
    assertEquals(1, entries.size());
    return entries.get(0).value().asString();
  }

  private void awaitServed(Set<String> nodes) throws InterruptedException {
    awaitServed(kv, nodes);
  }

  /** Reads until every one of {@code nodes} has answered (connections come up one by one). */
  private static void awaitServed(KvClient kv, Set<String> nodes) throws InterruptedException {
    Set<String> seen = new TreeSet<>();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (!seen.containsAll(nodes)) {
      assertFalse(System.nanoTime() > deadline,
          "only " + seen + " answered within 30 s, waiting for " + nodes);
      seen.add(kv.get(ID).value().asString());
      Thread.sleep(10);
    }
  }

  /**
   * Gets and Lists in a loop on another thread, keeping every error the caller sees and which
   * servers answered the reads that began after {@link #markStopped()}.
   */
  private static final class ReadLoop {
    private final AtomicBoolean stopped = new AtomicBoolean();
    private final AtomicBoolean done = new AtomicBoolean();
    private final List<Throwable> errors = Collections.synchronizedList(new ArrayList<>());
    private final Set<String> servedAfterStop = ConcurrentHashMap.newKeySet();
    private final AtomicInteger readsAfterStop = new AtomicInteger();
    private final List<CompletableFuture<Void>> loops = new ArrayList<>();
    private final ExecutorService readers = Executors.newFixedThreadPool(4);

    /** Four readers, so that some read is likely in flight on any server at any moment. */
    ReadLoop(KvClient kv) {
      for (int i = 0; i < 4; i++) {
        loops.add(CompletableFuture.runAsync(() -> read(kv), readers));
      }
    }

    private void read(KvClient kv) {
      while (!done.get()) {
        boolean after = stopped.get();
        try {
          String got = kv.get(ID).value().asString();
          List<KvEntry> shared = kv.stream(ListSelector.prefix(Key.of("shared"))).toList();
          assertEquals(SHARED_KEYS, shared.size());
          String listed = listedId(kv);
          if (after) {
            servedAfterStop.add(got);
            servedAfterStop.add(listed);
            readsAfterStop.incrementAndGet();
          }
        } catch (Throwable t) {
          errors.add(t);
        }
      }
    }

    /** Call once the server is gone: reads that begin from now on cannot reach it. */
    void markStopped() {
      stopped.set(true);
    }

    void finishWithoutErrorsServedBy(Set<String> nodes) throws Exception {
      done.set(true);
      try {
        for (CompletableFuture<Void> loop : loops) {
          loop.get(30, TimeUnit.SECONDS);
        }
      } finally {
        readers.shutdownNow();
      }
      assertEquals(List.of(), errors, "the caller saw errors");
      assertTrue(readsAfterStop.get() >= 10, "reads after the stop: " + readsAfterStop);
      assertEquals(nodes, servedAfterStop);
    }
  }
}
