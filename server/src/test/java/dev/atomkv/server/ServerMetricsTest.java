package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.server.api.MetricsInterceptor;
import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.lmdb.LmdbEngine;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimiter;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The metrics interceptor and engine gauges, on the in-process transport. */
class ServerMetricsTest {
  private static final String ATOMIC = "atomkv.v1.KvService/Atomic";
  private static final String GET = "atomkv.v1.KvService/Get";

  @TempDir Path dir;
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final List<LogRecord> logged = new CopyOnWriteArrayList<>();
  private final Logger julLogger = Logger.getLogger(MetricsInterceptor.class.getName());
  private final Handler capture = new Handler() {
    @Override
    public void publish(LogRecord record) {
      logged.add(record);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  };
  private AtomkvServer server;
  private ManagedChannel channel;
  private KvServiceGrpc.KvServiceBlockingStub stub;

  @BeforeEach
  void start() throws Exception {
    julLogger.addHandler(capture);
    EngineOptions options = EngineOptions.builder(dir).mapSizeBytes(256L << 20)
        // No periodic sweep: a sweep job waiting in the writer queue would show in its depth.
        .sweepIntervalMs(3_600_000).build();
    String name = InProcessServerBuilder.generateName();
    server = AtomkvServer.start(InProcessServerBuilder.forName(name), LmdbEngine.open(options),
        Limits.defaults(), 2, 1000, registry, null, dev.atomkv.server.tenant.RateLimits.UNLIMITED);
    channel = InProcessChannelBuilder.forName(name).build();
    stub = KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  @AfterEach
  void stop() {
    julLogger.removeHandler(capture);
    channel.shutdownNow();
    server.close();
  }

  @Test
  void callsAreCountedByMethodAndStatusAndTimed() {
    stub.atomic(set("a"));
    stub.atomic(set("b"));
    stub.get(get("a"));
    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
        () -> stub.atomic(AtomicRequest.newBuilder().addMutations(Mutation.newBuilder()
            .setKey(key("c"))).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());

    assertEquals(2, count(ATOMIC, "OK"));
    assertEquals(1, count(ATOMIC, "INVALID_ARGUMENT"));
    assertEquals(1, count(GET, "OK"));
    assertEquals(3, registry.get("atomkv.rpc.latency").tag("method", ATOMIC).timer().count());

    String text = registry.scrape();
    assertTrue(text.contains("atomkv_rpc_requests_total{method=\"" + ATOMIC
        + "\",status=\"INVALID_ARGUMENT\"}"), text);
    assertTrue(text.contains("atomkv_rpc_latency_seconds_bucket{method=\"" + GET + "\",le="),
        "latency is a histogram with buckets");
  }

  @Test
  void aFailedCallLogsOneLineWithMethodAndStatusOnly() {
    stub.atomic(set("fine"));
    assertThrows(StatusRuntimeException.class, () -> stub.atomic(AtomicRequest.newBuilder()
        .addMutations(Mutation.newBuilder().setKey(key("secret-key"))).build()));

    List<String> lines = logged.stream().map(LogRecord::getMessage).toList();
    assertEquals(List.of("rpc=" + ATOMIC + " status=INVALID_ARGUMENT"), lines);
  }

  @Test
  void aClientSendingGarbageDoesNotFillTheLog() {
    AtomicRequest garbage = AtomicRequest.newBuilder()
        .addMutations(Mutation.newBuilder().setKey(key("k"))).build();
    for (int i = 0; i < 200; i++) {
      assertThrows(StatusRuntimeException.class, () -> stub.atomic(garbage));
      assertThrows(StatusRuntimeException.class, () -> stub.get(GetRequest.newBuilder()
          .addKeys(Key.getDefaultInstance()).build()));
    }

    assertEquals(400, count(ATOMIC, "INVALID_ARGUMENT") + count(GET, "INVALID_ARGUMENT"),
        "every failure is still counted");
    List<String> lines = logged.stream().map(LogRecord::getMessage).toList();
    assertEquals(1, lines.size(), () -> "one line per status code per interval, not "
        + lines.size());
    assertEquals("rpc=" + ATOMIC + " status=INVALID_ARGUMENT", lines.get(0));
  }

  @Test
  void aWatchIsCountedNotTimedAndItsCancelIsNotLogged() throws Exception {
    String watch = "atomkv.v1.KvService/Watch";
    io.grpc.Context.CancellableContext ctx = io.grpc.Context.current().withCancellation();
    ctx.run(() -> stub.watch(WatchRequest.newBuilder().addKeys(key("w")).build()).next());
    assertEquals(1, registry.get("atomkv.rpc.streams.open").tag("method", watch).gauge().value());

    ctx.cancel(null);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (registry.get("atomkv.rpc.streams.open").tag("method", watch).gauge().value() > 0
        && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }

    assertEquals(0, registry.get("atomkv.rpc.streams.open").tag("method", watch).gauge().value());
    assertEquals(1, count(watch, "CANCELLED"));
    assertTrue(registry.find("atomkv.rpc.latency").tag("method", watch).timers().isEmpty(),
        "a stream's length is not a latency");
    assertEquals(List.of(), logged.stream().map(LogRecord::getMessage).toList());
  }

  @Test
  void engineGaugesFollowTheStore() {
    stub.atomic(set("a"));
    stub.atomic(set("b"));
    stub.atomic(set("c"));
    // The engine's stats are cached for a tenth of a second.
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(3);
    while (gauge("atomkv.keys") < 3 && System.nanoTime() < deadline) {
      Thread.onSpinWait();
    }

    assertEquals(3, gauge("atomkv.keys"));
    assertEquals(256L << 20, gauge("atomkv.lmdb.map.size"));
    assertTrue(gauge("atomkv.lmdb.map.used") > 0);
    assertEquals(gauge("atomkv.lmdb.map.size") - gauge("atomkv.lmdb.map.used"),
        gauge("atomkv.lmdb.map.free"));
    assertEquals(0, gauge("atomkv.writer.queue.depth"));
    assertEquals(3, registry.get("atomkv.commit.batched.requests").functionCounter().count());
    double batches = registry.get("atomkv.commit.batches").functionCounter().count();
    assertTrue(batches >= 1 && batches <= 3, "batches " + batches);
    assertEquals(0, registry.get("atomkv.expiry.sweeps").functionCounter().count());
    assertEquals(0, registry.get("atomkv.expired.keys.deleted").functionCounter().count());

    String text = registry.scrape();
    for (String name : List.of("atomkv_lmdb_map_size_bytes", "atomkv_lmdb_map_used_bytes",
        "atomkv_lmdb_map_free_bytes", "atomkv_keys", "atomkv_writer_queue_depth",
        "atomkv_commit_batches_total", "atomkv_commit_batched_requests_total",
        "atomkv_expiry_sweeps_total", "atomkv_expired_keys_deleted_total")) {
      assertTrue(text.contains("\n" + name + " "), name + " in\n" + text);
    }
    assertFalse(logged.stream().anyMatch(r -> true), "nothing failed, nothing logged");
  }

  private double count(String method, String status) {
    return registry.get("atomkv.rpc.requests").tag("method", method).tag("status", status)
        .counter().count();
  }

  private long gauge(String name) {
    return (long) registry.get(name).gauge().value();
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
