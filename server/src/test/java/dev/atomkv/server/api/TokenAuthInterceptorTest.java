package dev.atomkv.server.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import dev.atomkv.server.auth.TokenStore;
import dev.atomkv.server.auth.Tokens;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ListPage;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.engine.WatchedKey;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimiter;
import dev.atomkv.server.model.Versionstamp;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.time.Clock;
import java.util.Collections;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The interceptor in front of the KV service and health, on the in-process transport. The engine
 * is never reached by a refused call: the test engine fails if it is.
 */
class TokenAuthInterceptorTest {
  private final AtomicReference<Tokens> source = new AtomicReference<>(Tokens.parse(List.of(
      "rw-token", "ro-token readonly")));
  private final ExecutorService executor = Executors.newFixedThreadPool(2);
  private Server server;
  private ManagedChannel channel;
  private TokenAuthInterceptor auth;
  private volatile int engineCalls;

  @BeforeEach
  void start() throws Exception {
    auth = TokenAuthInterceptor.create(source::get);
    HealthStatusManager health = new HealthStatusManager();
    health.setStatus("", ServingStatus.SERVING);
    String name = InProcessServerBuilder.generateName();
    server = InProcessServerBuilder.forName(name).executor(executor)
        .addService(new KvGrpcService(new dev.atomkv.server.tenant.TenantEngines(new CountingEngine()), Limits.defaults(),
            Clock.systemUTC(), executor, RateLimiter.unlimited()))
        .addService(health.getHealthService())
        .intercept(auth)
        .build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @AfterEach
  void stop() {
    channel.shutdownNow();
    server.shutdownNow();
    executor.shutdownNow();
  }

  @Test
  void healthNeedsNoToken() {
    assertEquals(ServingStatus.SERVING, HealthGrpc.newBlockingStub(channel)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus());
  }

  @Test
  void missingMalformedOrWrongTokensAreUnauthenticatedWithoutDetail() {
    for (String header : new String[] {null, "rw-token", "Basic rw-token", "Bearer ",
        "Bearer rw-tokenx", "Bearer rw-toke", "Bearer RW-TOKEN"}) {
      StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
          () -> stub(header).atomic(set("k")), String.valueOf(header));
      assertEquals(Status.Code.UNAUTHENTICATED, e.getStatus().getCode());
      assertEquals("missing or invalid credentials", e.getStatus().getDescription());
      assertThrows(StatusRuntimeException.class, () -> stub(header).get(get("k")));
    }
    assertEquals(0, engineCalls, "a refused call reached the engine");
  }

  @Test
  void readWriteTokenMayWriteWhateverTheSchemeCase() {
    stub("Bearer rw-token").atomic(set("k"));
    stub("bearer rw-token").get(get("k"));
    assertEquals(2, engineCalls);
  }

  @Test
  void readOnlyTokenReadsButCannotWrite() {
    stub("Bearer ro-token").get(get("k"));
    stub("Bearer ro-token").list(ListRequest.newBuilder().setPrefix(key()).build());
    Iterator<WatchResponse> watch = stub("Bearer ro-token").withDeadlineAfter(10, TimeUnit.SECONDS)
        .watch(WatchRequest.newBuilder().addKeys(key()).build());
    assertEquals(1, watch.next().getEntriesCount(), "a watch is a read");
    assertEquals(3, engineCalls);
    int reads = engineCalls;
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class,
        () -> stub("Bearer ro-token").atomic(set("k")));
    assertEquals(Status.Code.PERMISSION_DENIED, e.getStatus().getCode());
    assertEquals("read-only token", e.getStatus().getDescription());
    assertEquals(reads, engineCalls, "a refused write reached the engine");
  }

  @Test
  void reloadRevokesAndABadReloadKeepsTheTokensInForce() throws Exception {
    stub("Bearer rw-token").get(get("k"));
    source.set(Tokens.parse(List.of("new-token")));
    auth.reload();
    assertThrows(StatusRuntimeException.class, () -> stub("Bearer rw-token").get(get("k")));
    stub("Bearer new-token").get(get("k"));

    TokenAuthInterceptor failing = TokenAuthInterceptor.create(new TokenStore.Loader() {
      private int calls;

      @Override
      public Tokens load() throws IOException {
        if (calls++ > 0) {
          throw new IOException("unreadable");
        }
        return Tokens.single("kept");
      }
    });
    assertThrows(IOException.class, failing::reload);
    assertEquals(1, failing.tokenCount());
  }

  private KvServiceGrpc.KvServiceBlockingStub stub(String authorization) {
    KvServiceGrpc.KvServiceBlockingStub stub = KvServiceGrpc.newBlockingStub(channel);
    if (authorization == null) {
      return stub;
    }
    Metadata headers = new Metadata();
    headers.put(TokenAuthInterceptor.AUTHORIZATION, authorization);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  private static Key key() {
    return Key.newBuilder().addParts(KeyPart.newBuilder().setString("p")).build();
  }

  private static AtomicRequest set(String k) {
    return AtomicRequest.newBuilder().addMutations(Mutation.newBuilder()
        .setKey(Key.newBuilder().addParts(KeyPart.newBuilder().setString(k)))
        .setSet(Value.newBuilder().setString("v"))).build();
  }

  private static GetRequest get(String k) {
    return GetRequest.newBuilder()
        .addKeys(Key.newBuilder().addParts(KeyPart.newBuilder().setString(k))).build();
  }

  /** Counts the calls that got past the interceptor; stores nothing. */
  private final class CountingEngine implements KvEngine {
    @Override
    public dev.atomkv.server.model.tenant.Usage usage(String tenant) {
      engineCalls++;
      return dev.atomkv.server.model.tenant.Usage.NONE;
    }

    @Override
    public List<StoredEntry> get(List<byte[]> keys) {
      engineCalls++;
      return Collections.nCopies(keys.size(), null);
    }

    @Override
    public ListPage list(byte[] start, byte[] end, boolean reverse, int limit, long maxBytes,
        ToLongFunction<StoredEntry> sizer) {
      engineCalls++;
      return new ListPage(List.of(), false);
    }

    @Override
    public CompletableFuture<CommitResult> commit(AtomicWrite write) {
      engineCalls++;
      return CompletableFuture.completedFuture(CommitResult.committed(new Versionstamp(1, 0)));
    }

    @Override
    public dev.atomkv.server.engine.QueueSubscription listen(String tenant, int maxInFlight,
        dev.atomkv.server.engine.QueueSink sink) {
      engineCalls++;
      throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public CompletableFuture<Void> ack(String tenant, String leaseId, boolean success) {
      engineCalls++;
      throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public void stopQueueDelivery() {}

    @Override
    public KeyWatch watch(List<byte[]> keys, Versionstamp after, WatchListener listener) {
      engineCalls++;
      return new KeyWatch() {
        private boolean polled;

        @Override
        public WatchUpdate poll() {
          if (polled) {
            return null;
          }
          polled = true;
          return new WatchUpdate(List.of(new WatchedKey(keys.get(0), null, true)),
              new Versionstamp(1, 0));
        }

        @Override
        public void close() {}
      };
    }

    @Override
    public dev.atomkv.server.engine.BackupResult backup(java.nio.file.Path dir) {
      engineCalls++;
      throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public dev.atomkv.server.engine.EngineStats stats() {
      throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public dev.atomkv.server.engine.DeadLetterLog deadLetters() {
      engineCalls++;
      return new dev.atomkv.server.engine.DeadLetterLog();
    }

    @Override
    public dev.atomkv.server.engine.QueueCounts queueCounts(long nowMs, int maxReadyCounted) {
      throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public List<dev.atomkv.server.engine.ListPage> listRanges(
        List<dev.atomkv.server.engine.RangeRead> ranges, long maxBytes,
        java.util.function.ToLongFunction<StoredEntry> sizer) {
      throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public java.util.UUID databaseId() {
      throw new UnsupportedOperationException("not used by these tests");
    }

    @Override
    public void close() {}
  }
}
