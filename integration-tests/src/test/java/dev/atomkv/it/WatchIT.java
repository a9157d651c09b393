package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertKv;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.KvWatch;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.client.WatchEvent;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import dev.atomkv.server.AtomkvServer;
import dev.atomkv.server.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Watch through the Java client against the real server: every kind of change, resume, restart. */
@Timeout(120)
class WatchIT {
  private static final long WAIT_S = 20;

  @TempDir Path dir;
  private final List<AutoCloseable> toClose = new ArrayList<>();
  private final ExecutorService waiter = Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
    waiter.shutdownNow();
  }

  @Test
  void seesSetOverwriteDeleteAndExpiry() throws Exception {
    KvClient kv = start().client();
    Key k = Key.of("watched");
    KvWatch watch = watch(kv, List.of(k, Key.of("other")));

    WatchEvent first = next(watch);
    assertFalse(first.entries().get(0).exists());
    assertEquals(List.of(true, true), first.changed());

    Versionstamp set = kv.set(k, KvValue.of("v1")).versionstamp();
    WatchEvent e = next(watch);
    assertEquals(KvValue.of("v1"), e.entries().get(0).value());
    assertEquals(set, e.entries().get(0).versionstamp());
    assertEquals(List.of(true, false), e.changed());

    kv.set(k, KvValue.of("v2"));
    assertEquals(KvValue.of("v2"), next(watch).entries().get(0).value());

    kv.delete(k);
    e = next(watch);
    assertFalse(e.entries().get(0).exists());
    assertTrue(e.changed(0));

    kv.set(k, KvValue.of("short-lived"), Duration.ofMillis(300));
    assertEquals(KvValue.of("short-lived"), next(watch).entries().get(0).value());
    e = next(watch); // the sweeper's deletion (--sweep-interval-ms=50)
    assertFalse(e.entries().get(0).exists(), "expired");
    assertTrue(e.changed(0));
  }

  @Test
  void aBurstOfWritesEndsOnTheFinalStateOfEveryKey() throws Exception {
    long seed = Long.getLong("atomkv.test.seed", 20261203L);
    System.out.println("aBurstOfWritesEndsOnTheFinalStateOfEveryKey seed=" + seed);
    Random random = new Random(seed);
    KvClient kv = start().client();
    List<Key> keys = List.of(Key.of("b", 0), Key.of("b", 1), Key.of("b", 2));
    KvWatch watch = watch(kv, keys);
    next(watch);

    for (int i = 0; i < 300; i++) {
      Key k = keys.get(random.nextInt(keys.size()));
      if (random.nextInt(5) == 0) {
        kv.delete(k);
      } else {
        kv.set(k, KvValue.of("w" + i));
      }
    }
    Versionstamp marker = kv.set(Key.of("b", 0), KvValue.of("last")).versionstamp();
    List<KvEntry> expected = kv.getMany(keys);

    // Events may skip intermediate states; the stream must still arrive at the final one.
    WatchEvent e = next(watch);
    int events = 1;
    while (!marker.equals(e.entries().get(0).versionstamp())) {
      e = next(watch);
      events++;
    }
    assertEquals(expected, e.entries());
    assertTrue(events <= 302, "at most one event per commit: " + events);
    assertNull(poll(watch, 300), "nothing after the final state");
  }

  @Test
  void resumeAfterTheLastEventIsQuietAndSeesADeletionMadeMeanwhile() throws Exception {
    KvClient kv = start().client();
    Key a = Key.of("a");
    Key b = Key.of("b");
    kv.set(a, KvValue.of("A"));
    kv.set(b, KvValue.of("B"));
    KvWatch first = watch(kv, List.of(a, b));
    Versionstamp seen = next(first).readVersionstamp();
    first.close();

    KvWatch quiet = watch(kv, List.of(a, b), seen);
    assertNull(poll(quiet, 500), "nothing changed since the last event: no first event");
    quiet.close();

    kv.delete(b);
    KvWatch resumed = watch(kv, List.of(a, b), seen);
    WatchEvent e = next(resumed);
    assertEquals(KvValue.of("A"), e.entries().get(0).value());
    assertFalse(e.changed(0));
    assertFalse(e.entries().get(1).exists(), "the deletion while away");
    assertTrue(e.changed(1));
  }

  @Test
  void aResumeTheDeletionLogCannotVouchForGetsTheFirstMessage() throws Exception {
    KvClient kv = start("--watch-deletion-log-bytes=0").client(); // remembers no deletion
    Key kept = Key.of("kept");
    Key never = Key.of("never-written");
    kv.set(kept, KvValue.of("K"));
    KvWatch first = watch(kv, List.of(kept, never));
    Versionstamp seen = next(first).readVersionstamp();
    first.close();
    kv.set(Key.of("gone"), KvValue.of("G"));
    kv.delete(Key.of("gone"));

    WatchEvent e = next(watch(kv, List.of(kept, never), seen));

    assertFalse(e.changed(0), "a stored key proves itself");
    assertTrue(e.changed(1), "a missing key may have been deleted meanwhile: sent, not skipped");
    assertFalse(e.entries().get(1).exists());
  }

  @Test
  void reconnectsAcrossARestartResumingFromTheLastEvent() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Path data = dir.resolve("data");
    AtomkvServer server = AtomkvServer.start(ServerConfig.parse("--bind=127.0.0.1",
        "--port=" + port, "--metrics-port=-1", "--kv-connect-port=-1", "--console-port=-1", "--data-dir=" + data,
        "--map-size=1g"));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext()
        .build();
    toClose.add(channel::shutdownNow);
    KvClient kv = KvClient.create(channel);
    Key k = Key.of("survivor");
    kv.set(k, KvValue.of("before"));
    KvWatch watch = watch(kv, List.of(k));
    assertEquals(KvValue.of("before"), next(watch).entries().get(0).value());

    server.close(); // the stream ends UNAVAILABLE; the watch keeps trying
    server = AtomkvServer.start(ServerConfig.parse("--bind=127.0.0.1", "--port=" + port,
        "--metrics-port=-1", "--kv-connect-port=-1", "--console-port=-1", "--data-dir=" + data,
        "--map-size=1g"));
    toClose.add(server);
    kv.delete(k);

    WatchEvent e = next(watch);
    assertFalse(e.entries().get(0).exists(), "the deletion after the restart");
    assertTrue(e.changed(0));
    assertTrue(watch.reconnects() >= 1);
  }

  @Test
  void shutdownEndsAWatchWithUnavailableAtOnce() throws Exception {
    AtomkvServer server = AtomkvServer.start(ServerConfig.parse("--bind=127.0.0.1", "--port=0",
        "--metrics-port=-1", "--kv-connect-port=-1", "--console-port=-1", "--data-dir=" + dir.resolve("data"),
        "--map-size=1g",
        "--shutdown-grace-ms=60000"));
    ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .usePlaintext().build();
    toClose.add(channel::shutdownNow);
    KvServiceGrpc.KvServiceStub stub = KvServiceGrpc.newStub(channel);
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    CompletableFuture<WatchResponse> first = new CompletableFuture<>();
    stub.watch(WatchRequest.newBuilder().addKeys(Wire.key("k")).build(),
        new StreamObserver<>() {
          @Override
          public void onNext(WatchResponse value) {
            first.complete(value);
          }

          @Override
          public void onError(Throwable t) {
            ended.complete(t);
          }

          @Override
          public void onCompleted() {
            ended.complete(null);
          }
        });
    first.get(WAIT_S, TimeUnit.SECONDS);

    long start = System.nanoTime();
    CompletableFuture<Void> closing = CompletableFuture.runAsync(server::close, waiter);
    Throwable t = ended.get(WAIT_S, TimeUnit.SECONDS);
    closing.get(WAIT_S, TimeUnit.SECONDS);

    assertNotNull(t, "the stream failed rather than completing");
    assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(t).getCode());
    // An open watch must not hold the shutdown for the 60 s grace period.
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(WAIT_S),
        "shutdown took " + (System.nanoTime() - start) / 1_000_000 + " ms");
  }

  @Test
  void keyLimitsAreTheServersSettingAndSpeakDenosLanguage() throws Exception {
    KvClient kv = start("--max-watch-keys=2").client();
    List<Key> three = List.of(Key.of("1"), Key.of("2"), Key.of("3"));

    KvWatch tooMany = watch(kv, three);
    assertKv(Status.Code.INVALID_ARGUMENT, "Too many keys (max 2)", tooMany::hasNext);
    KvWatch empty = watch(kv, List.of(Key.of()));
    assertKv(Status.Code.INVALID_ARGUMENT, "key cannot be empty", empty::hasNext);
    KvWatch tooLong = watch(kv, List.of(Key.of("x".repeat(2048))));
    assertKv(Status.Code.INVALID_ARGUMENT, "Key too large for read (max 2049 bytes)",
        tooLong::hasNext);
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private RunningServer start(String... flags) throws IOException {
    RunningServer s = RunningServer.start(dir.resolve("data"), flags);
    toClose.add(s);
    return s;
  }

  private KvWatch watch(KvClient kv, List<Key> keys) {
    return watch(kv, keys, null);
  }

  private KvWatch watch(KvClient kv, List<Key> keys, Versionstamp after) {
    KvWatch w = kv.watch(keys, after);
    toClose.add(w);
    return w;
  }

  private WatchEvent next(KvWatch watch) throws Exception {
    WatchEvent e = poll(watch, TimeUnit.SECONDS.toMillis(WAIT_S));
    assertNotNull(e, "an event in time");
    return e;
  }

  /** The next event, or null when none comes within {@code ms} (the watch is then unusable). */
  private WatchEvent poll(KvWatch watch, long ms) throws Exception {
    CompletableFuture<WatchEvent> f = CompletableFuture.supplyAsync(watch::next, waiter);
    try {
      return f.get(ms, TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      watch.close();
      return null;
    } catch (ExecutionException e) {
      throw e.getCause() instanceof Exception cause ? cause : e;
    }
  }
}
