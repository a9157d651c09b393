package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.rpc.ErrorInfo;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.FailurePoints;
import dev.atomkv.server.lmdb.LmdbEngine;
import dev.atomkv.server.model.Limits;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.StatusProto;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server wired on the in-process transport: overload, deadlines and shutdown statuses. */
class AtomkvServerTest {
  @TempDir Path dir;
  private AtomkvServer server;
  private LmdbEngine engine;
  private ManagedChannel channel;
  private KvServiceGrpc.KvServiceBlockingStub stub;
  private KvServiceGrpc.KvServiceFutureStub async;
  private final CountDownLatch release = new CountDownLatch(1);
  private final CountDownLatch writerBlocked = new CountDownLatch(1);

  @BeforeEach
  void start() throws Exception {
    EngineOptions options = EngineOptions.builder(dir).mapSizeBytes(256L << 20)
        .writeQueueCapacity(1).build();
    String name = InProcessServerBuilder.generateName();
    engine = LmdbEngine.open(options);
    server = AtomkvServer.start(InProcessServerBuilder.forName(name), engine,
        Limits.defaults(), 2, 1000);
    channel = InProcessChannelBuilder.forName(name).build();
    stub = KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
    async = KvServiceGrpc.newFutureStub(channel);
  }

  @AfterEach
  void stop() {
    FailurePoints.disarmAll();
    release.countDown();
    channel.shutdownNow();
    server.close();
  }

  @Test
  void fullWriterQueueIsUnavailableWithNotApplied() throws Exception {
    blockWriter();
    var first = async.atomic(set("first"));            // in the writer's batch, blocked
    assertTrue(writerBlocked.await(10, TimeUnit.SECONDS));
    var queued = async.atomic(set("queued"));          // fills the one-slot queue
    awaitQueueDepth(1);
    StatusRuntimeException refused = assertThrows(StatusRuntimeException.class,
        () -> stub.atomic(set("refused")));
    assertEquals(Status.Code.UNAVAILABLE, refused.getStatus().getCode());
    assertEquals("NOT_APPLIED", errorInfo(refused).getReason());

    release.countDown();
    assertTrue(first.get(10, TimeUnit.SECONDS).getOk());
    assertTrue(queued.get(10, TimeUnit.SECONDS).getOk());
    assertFalse(stub.get(get("refused")).getEntries(0).hasValue(), "refused write was applied");
  }

  @Test
  void requestWhoseDeadlinePassedInTheQueueIsNotApplied() throws Exception {
    blockWriter();
    var first = async.atomic(set("first"));
    assertTrue(writerBlocked.await(10, TimeUnit.SECONDS));
    var late = async.withDeadlineAfter(100, TimeUnit.MILLISECONDS).atomic(set("late"));
    Thread.sleep(1_000); // well past the deadline, even on a busy machine
    release.countDown();
    assertTrue(first.get(10, TimeUnit.SECONDS).getOk());
    Exception e = assertThrows(Exception.class, () -> late.get(10, TimeUnit.SECONDS));
    assertEquals(Status.Code.DEADLINE_EXCEEDED, Status.fromThrowable(e).getCode());
    // The writer saw the passed deadline and dropped the request rather than applying it late.
    assertFalse(stub.get(get("late")).getEntries(0).hasValue());
  }

  @Test
  void afterShutdownCallsAreUnavailable() {
    AtomicResponse ok = stub.atomic(set("before"));
    assertTrue(ok.getOk());
    server.close();
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.atomic(set("after")));
    assertEquals(Status.Code.UNAVAILABLE, e.getStatus().getCode());
  }

  @Test
  void malformedRequestsNameTheField() {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub.atomic(AtomicRequest.newBuilder()
            .addMutations(Mutation.newBuilder().setKey(key("k"))).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertTrue(e.getStatus().getDescription().startsWith("mutations[0].op is not set"),
        e.getStatus().getDescription());

    e = assertThrows(StatusRuntimeException.class, () -> stub.get(GetRequest.newBuilder()
        .addKeys(Key.newBuilder().addParts(KeyPart.getDefaultInstance())).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, e.getStatus().getCode());
    assertEquals("keys[0].parts[0] has no kind set", e.getStatus().getDescription());
  }

  private void awaitQueueDepth(long depth) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (engine.stats().writerQueueDepth() < depth && System.nanoTime() < deadline) {
      Thread.sleep(5);
    }
    assertEquals(depth, engine.stats().writerQueueDepth());
  }

  private void blockWriter() {
    FailurePoints.arm(FailurePoints.Point.BEFORE_COMMIT, () -> {
      writerBlocked.countDown();
      try {
        release.await(10, TimeUnit.SECONDS);
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
      }
    });
  }

  private static ErrorInfo errorInfo(StatusRuntimeException e) throws Exception {
    com.google.rpc.Status status = StatusProto.fromThrowable(e);
    return status.getDetails(0).unpack(ErrorInfo.class);
  }

  private static Key key(String s) {
    return Key.newBuilder().addParts(KeyPart.newBuilder().setString(s)).build();
  }

  private static AtomicRequest set(String k) {
    return AtomicRequest.newBuilder().addMutations(Mutation.newBuilder().setKey(key(k))
        .setSet(Value.newBuilder().setString("v"))).build();
  }

  private static GetRequest get(String k) {
    return GetRequest.newBuilder().addKeys(key(k)).build();
  }
}
