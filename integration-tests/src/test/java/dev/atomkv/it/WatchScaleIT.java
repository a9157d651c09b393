package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvValue;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * 5,000 idle watchers on one server cost no thread each. The server keeps its per-connection limit
 * at the default {@code --max-concurrent-calls-per-connection=1000} (passed explicitly here), so
 * the watchers are spread over 5 channels of 1,000 streams each. Server and client share this JVM:
 * the thread count asserted is both together, a stricter bound than the server's alone.
 */
@Timeout(180)
class WatchScaleIT {
  private static final int WATCHERS = 5_000;
  private static final int STREAMS_PER_CONNECTION = 1_000;
  private static final int CHANNELS = WATCHERS / STREAMS_PER_CONNECTION;
  /** Threads the JVM may gain while the watchers open (event loops warming up, timers). */
  private static final int THREAD_GROWTH_ALLOWED = 24;
  private static final String WATCH = "atomkv.v1.KvService/Watch";

  @TempDir Path dir;
  private RunningServer server;
  private final List<ManagedChannel> channels = new ArrayList<>();
  // Client callbacks on a fixed pool too, so that the client side cannot grow threads either.
  private final ExecutorService clientCallbacks = Executors.newFixedThreadPool(2);

  @AfterEach
  void stop() {
    channels.forEach(ManagedChannel::shutdownNow);
    if (server != null) {
      server.close();
    }
    clientCallbacks.shutdownNow();
  }

  @Test
  void fiveThousandIdleWatchersHoldNoThreadsAndAllHearTheirKey() throws Exception {
    server = RunningServer.start(dir,
        "--max-concurrent-calls-per-connection=" + STREAMS_PER_CONNECTION);
    List<KvServiceGrpc.KvServiceStub> stubs = new ArrayList<>();
    for (int c = 0; c < CHANNELS; c++) {
      ManagedChannel ch = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().executor(clientCallbacks).build();
      channels.add(ch);
      KvServiceGrpc.newBlockingStub(ch).withDeadlineAfter(10, TimeUnit.SECONDS)
          .get(dev.atomkv.proto.v1.GetRequest.newBuilder().addKeys(Wire.key("warm")).build());
      stubs.add(KvServiceGrpc.newStub(ch));
    }
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    int threadsBefore = threads.getThreadCount();

    Counting[] watchers = new Counting[WATCHERS];
    CountDownLatch firstMessages = new CountDownLatch(WATCHERS);
    long openStart = System.nanoTime();
    for (int i = 0; i < WATCHERS; i++) {
      watchers[i] = new Counting(firstMessages);
      stubs.get(i % CHANNELS).watch(WatchRequest.newBuilder()
          .addKeys(Wire.key("hot")).addKeys(Wire.key("own", (long) i)).build(), watchers[i]);
    }
    assertTrue(firstMessages.await(120, TimeUnit.SECONDS),
        firstMessages.getCount() + " watchers got no first message");
    long openMs = (System.nanoTime() - openStart) / 1_000_000;
    int threadsWith = threads.getThreadCount();
    assertEquals(WATCHERS, openStreams(), "every watch is open on the server at once");

    CountDownLatch hot = new CountDownLatch(WATCHERS);
    for (Counting w : watchers) {
      w.next.set(hot);
    }
    long commitStart = System.nanoTime();
    server.client().set(Key.of("hot"), KvValue.of("news"));
    assertTrue(hot.await(120, TimeUnit.SECONDS), hot.getCount() + " watchers missed the commit");
    long notifyMs = (System.nanoTime() - commitStart) / 1_000_000;

    System.out.printf("WatchScaleIT: %d watchers over %d channels opened in %d ms; one commit "
        + "reached all in %d ms; JVM threads %d before, %d with them open%n", WATCHERS, CHANNELS,
        openMs, notifyMs, threadsBefore, threadsWith);
    assertTrue(threadsWith - threadsBefore <= THREAD_GROWTH_ALLOWED,
        "threads grew from " + threadsBefore + " to " + threadsWith);

    CountDownLatch own = new CountDownLatch(1);
    watchers[1234].next.set(own);
    server.client().set(Key.of("own", 1234L), KvValue.of("only mine"));
    assertTrue(own.await(20, TimeUnit.SECONDS));
    assertEquals("only mine", watchers[1234].last.get().getEntries(1).getEntry().getValue()
        .getString());
    int others = 0;
    for (int i = 0; i < WATCHERS; i++) {
      others += i == 1234 ? 0 : watchers[i].count.get() - 2;
    }
    assertEquals(0, others, "watchers of other keys were sent nothing");
    for (Counting w : watchers) {
      assertTrue(w.error.get() == null, "a watch failed: " + w.error.get());
    }

    channels.forEach(ManagedChannel::shutdownNow);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (openStreams() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertEquals(0, openStreams(), "cancelled watches are released on the server");
  }

  private double openStreams() throws Exception {
    HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    return MetricsIT.value(r.body(), "atomkv_rpc_streams_open{method=\"" + WATCH + "\"")
        .orElse(0);
  }

  /** A watcher that counts its messages and counts down whichever latch is armed. */
  private static final class Counting implements StreamObserver<WatchResponse> {
    final AtomicInteger count = new AtomicInteger();
    final AtomicReference<CountDownLatch> next;
    final AtomicReference<WatchResponse> last = new AtomicReference<>();
    final AtomicReference<Throwable> error = new AtomicReference<>();

    Counting(CountDownLatch first) {
      next = new AtomicReference<>(first);
    }

    @Override
    public void onNext(WatchResponse value) {
      count.incrementAndGet();
      last.set(value);
      CountDownLatch armed = next.getAndSet(null);
      if (armed != null) {
        armed.countDown();
      }
    }

    @Override
    public void onError(Throwable t) {
      error.compareAndSet(null, t);
    }

    @Override
    public void onCompleted() {
      error.compareAndSet(null, new AssertionError("completed"));
    }
  }
}
