package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.lmdb.LmdbEngine;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimiter;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Watch RPC on the in-process transport: validation, flow control, cancel and shutdown. */
class WatchRpcTest {
  private static final long WAIT_S = 10;
  private static final String WATCH = "atomkv.v1.KvService/Watch";

  @TempDir Path dir;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private AtomkvServer server;
  private ManagedChannel channel;
  private KvServiceGrpc.KvServiceBlockingStub stub;
  private KvServiceGrpc.KvServiceStub async;

  @BeforeEach
  void start() throws Exception {
    EngineOptions options = EngineOptions.builder(dir).mapSizeBytes(256L << 20).build();
    String name = InProcessServerBuilder.generateName();
    // A long grace period: the shutdown test shows watches do not wait for it.
    server = AtomkvServer.start(InProcessServerBuilder.forName(name), LmdbEngine.open(options),
        Limits.defaults(), 2, 30_000, registry, null, dev.atomkv.server.tenant.RateLimits.UNLIMITED);
    channel = InProcessChannelBuilder.forName(name).build();
    stub = KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(WAIT_S, TimeUnit.SECONDS);
    async = KvServiceGrpc.newStub(channel);
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.close();
  }

  @Test
  void firstMessageThenOneMessagePerChange() throws Exception {
    AtomicResponse a = stub.atomic(set("a", "A1"));
    Watcher w = watch(WatchRequest.newBuilder().addKeys(key("a")).addKeys(key("b")).build(), 10);

    WatchResponse first = w.next();
    assertEquals(2, first.getEntriesCount());
    assertEquals("A1", first.getEntries(0).getEntry().getValue().getString());
    assertEquals(a.getVersionstamp(), first.getEntries(0).getEntry().getVersionstamp());
    assertEquals(key("b"), first.getEntries(1).getEntry().getKey());
    assertFalse(first.getEntries(1).getEntry().hasValue());
    assertTrue(first.getEntries(1).getEntry().getVersionstamp().isEmpty());
    assertTrue(first.getEntries(0).getChanged() && first.getEntries(1).getChanged());
    assertEquals(10, first.getReadVersionstamp().size());

    stub.atomic(set("b", "B1"));
    WatchResponse second = w.next();
    assertFalse(second.getEntries(0).getChanged());
    assertTrue(second.getEntries(1).getChanged());
    assertEquals("B1", second.getEntries(1).getEntry().getValue().getString());
    w.cancel();
  }

  @Test
  void aClientThatDoesNotReadGetsTheLatestStateAndNotABacklog() throws Exception {
    Watcher w = watch(WatchRequest.newBuilder().addKeys(key("n")).build(), 1);
    assertFalse(w.next().getEntries(0).getEntry().hasValue());

    for (int i = 1; i <= 50; i++) {
      stub.atomic(set("n", "v" + i));
    }
    w.request(100);

    // Whatever was in flight when the client stopped reading, the stream settles on the latest
    // state and sends no more than that.
    WatchResponse last = w.next();
    while (!last.getEntries(0).getEntry().getValue().getString().equals("v50")) {
      last = w.next();
      assertTrue(w.received() <= 3, "coalesced, not one message per commit: " + w.received());
    }
    assertEquals(null, w.poll(300), "nothing after the latest state");
    w.cancel();
  }

  @Test
  void resumeAfterTheLastReadVersionstampIsQuietUntilTheNextChange() throws Exception {
    stub.atomic(set("a", "A"));
    Watcher first = watch(WatchRequest.newBuilder().addKeys(key("a")).build(), 10);
    ByteString seen = first.next().getReadVersionstamp();
    first.cancel();

    Watcher resumed = watch(
        WatchRequest.newBuilder().addKeys(key("a")).setAfter(seen).build(), 10);
    assertEquals(null, resumed.poll(300), "no first message: nothing changed since");
    stub.atomic(AtomicRequest.newBuilder().addMutations(Mutation.newBuilder().setKey(key("a"))
        .setDelete(com.google.protobuf.Empty.getDefaultInstance())).build());

    WatchResponse deleted = resumed.next();
    assertTrue(deleted.getEntries(0).getChanged());
    assertFalse(deleted.getEntries(0).getEntry().hasValue());
    resumed.cancel();
  }

  @Test
  void invalidRequestsEndTheStreamWithInvalidArgument() throws Exception {
    WatchRequest.Builder eleven = WatchRequest.newBuilder();
    for (int i = 0; i < 11; i++) {
      eleven.addKeys(key("k" + i));
    }
    assertInvalid(eleven.build(), "Too many keys (max 10)");
    assertInvalid(WatchRequest.newBuilder().addKeys(Key.getDefaultInstance()).build(),
        "key cannot be empty");
    assertInvalid(WatchRequest.newBuilder().addKeys(key("x".repeat(2048))).build(),
        "Key too large for read (max 2049 bytes)");
    assertInvalid(WatchRequest.newBuilder().addKeys(key("a"))
        .setAfter(ByteString.copyFrom(new byte[3])).build(), "Invalid versionstamp");
  }

  @Test
  void aWatchWithNoKeysIsRefusedBeforeAnyMessage() throws Exception {
    assertInvalid(WatchRequest.getDefaultInstance(), "A watch needs at least one key");
    assertInvalid(WatchRequest.newBuilder().setAfter(ByteString.copyFrom(new byte[10])).build(),
        "A watch needs at least one key");
  }

  @Test
  void aWatchKeyMayHave2048EncodedBytesNot2049() throws Exception {
    // A string part encodes as 0x02, its bytes, 0x00: 2046 characters make 2048 bytes.
    Watcher w = watch(WatchRequest.newBuilder().addKeys(key("x".repeat(2046))).build(), 10);
    assertFalse(w.next().getEntries(0).getEntry().hasValue());
    w.cancel();
    assertInvalid(WatchRequest.newBuilder().addKeys(key("x".repeat(2047))).build(),
        "Key too large for read (max 2049 bytes)");
  }

  @Test
  void cancellingUnregistersTheWatch() throws Exception {
    Watcher w = watch(WatchRequest.newBuilder().addKeys(key("a")).build(), 10);
    w.next();
    assertEquals(1, openStreams());

    w.cancel();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(WAIT_S);
    while (openStreams() > 0 && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    assertEquals(0, openStreams());
    assertEquals(1, registry.get("atomkv.rpc.requests").tag("method", WATCH)
        .tag("status", "CANCELLED").counter().count());
  }

  @Test
  void shutdownEndsWatchesWithUnavailableWithoutWaitingForTheGracePeriod() throws Exception {
    Watcher w = watch(WatchRequest.newBuilder().addKeys(key("a")).build(), 10);
    w.next();

    long start = System.nanoTime();
    server.close();
    Throwable end = w.end();

    assertEquals(Status.Code.UNAVAILABLE, Status.fromThrowable(end).getCode());
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(WAIT_S),
        "closed well before the 30 s grace period");
  }

  private void assertInvalid(WatchRequest req, String message) throws Exception {
    Watcher w = watch(req, 10);
    Status s = Status.fromThrowable(w.end());
    assertEquals(Status.Code.INVALID_ARGUMENT, s.getCode());
    assertEquals(message, s.getDescription());
    assertEquals(0, w.received());
  }

  private double openStreams() {
    return registry.get("atomkv.rpc.streams.open").tag("method", WATCH).gauge().value();
  }

  private Watcher watch(WatchRequest req, int initialRequests) {
    Watcher w = new Watcher(initialRequests);
    async.watch(req, w);
    return w;
  }

  /** A watch call with manual flow control. */
  private static final class Watcher implements ClientResponseObserver<WatchRequest, WatchResponse> {
    private final int initialRequests;
    private final BlockingQueue<Object> events = new LinkedBlockingQueue<>();
    private volatile ClientCallStreamObserver<WatchRequest> call;
    private int received;

    Watcher(int initialRequests) {
      this.initialRequests = initialRequests;
    }

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      call = requestStream;
      requestStream.disableAutoRequestWithInitial(initialRequests);
    }

    @Override
    public void onNext(WatchResponse value) {
      events.add(value);
    }

    @Override
    public void onError(Throwable t) {
      events.add(t);
    }

    @Override
    public void onCompleted() {
      events.add("completed");
    }

    WatchResponse next() throws InterruptedException {
      WatchResponse r = poll(TimeUnit.SECONDS.toMillis(WAIT_S));
      assertNotNull(r, "a message in time");
      return r;
    }

    WatchResponse poll(long ms) throws InterruptedException {
      Object e = events.poll(ms, TimeUnit.MILLISECONDS);
      if (e == null) {
        return null;
      }
      if (!(e instanceof WatchResponse r)) {
        throw new AssertionError("stream ended: " + e);
      }
      received++;
      return r;
    }

    Throwable end() throws InterruptedException {
      while (true) {
        Object e = events.poll(WAIT_S, TimeUnit.SECONDS);
        assertNotNull(e, "the stream ended in time");
        if (e instanceof Throwable t) {
          return t;
        }
        if (e instanceof WatchResponse) {
          received++;
        } else {
          throw new AssertionError("stream completed instead of failing");
        }
      }
    }

    int received() {
      return received;
    }

    void request(int n) {
      call.request(n);
    }

    void cancel() {
      call.cancel("done", null);
    }
  }

  private static Key key(String s) {
    return Key.newBuilder().addParts(KeyPart.newBuilder().setString(s)).build();
  }

  private static AtomicRequest set(String k, String v) {
    return AtomicRequest.newBuilder().addMutations(Mutation.newBuilder().setKey(key(k))
        .setSet(Value.newBuilder().setString(v))).build();
  }
}
