package dev.atomkv.it;

import static dev.atomkv.it.ConditionsSupport.obj;
import static dev.atomkv.it.EntitySupport.attr;
import static dev.atomkv.it.EntitySupport.def;
import static dev.atomkv.it.EntitySupport.ids;
import static dev.atomkv.it.EntitySupport.index;
import static dev.atomkv.it.EntitySupport.query;
import static dev.atomkv.it.EntitySupport.setDoc;
import static dev.atomkv.it.EntitySupport.where;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_INTEGER;
import static dev.atomkv.proto.v1.AttributeType.ATTRIBUTE_TYPE_STRING;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonArray;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import dev.atomkv.client.EnqueueOptions;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.QueueListener;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.DefineEntityRequest;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.RangeOperator;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The console's Server, dead-letter and Entities endpoints (docs/console.md: {@code server},
 * {@code metrics}, {@code dead-letters}, {@code entities}, {@code query}) through the real server:
 * no secret in the settings, the metrics history filling from real calls, a message given up on
 * showing up on a single node and on every member of a cluster, and queries answered and refused
 * as gRPC's EntityService answers and refuses them.
 */
class ConsoleServerViewsIT {
  private static final List<String> READ_ONLY_VIEWS = List.of("/api/server", "/api/metrics",
      "/api/dead-letters", "/api/entities");

  @TempDir Path dir;

  @Test
  void theSettingsInForceNeverShowASecretAndAReadOnlyTokenSeesEveryView() throws Exception {
    String secret = "s3cret-rw-token-4f9a";
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "ro-token-77 readonly\n");
    try (RunningServer server = RunningServer.start(dir.resolve("data"),
        "--auth-token=" + secret, "--auth-tokens-file=" + tokens, "--max-list-limit=321")) {
      for (String path : READ_ONLY_VIEWS) {
        ConsoleHttp.Answer refused = new ConsoleHttp(server.consolePort(), null).post(path, "{}");
        assertEquals(401, refused.status(), path);
        assertEquals("UNAUTHENTICATED", refused.code(), path);
      }
      ConsoleHttp readOnly = new ConsoleHttp(server.consolePort(), "ro-token-77");
      for (String path : READ_ONLY_VIEWS) {
        String body = readOnly.ok(path, "{}").toString();
        assertFalse(body.contains(secret), path + " shows the token: " + body);
        assertFalse(body.contains("ro-token-77"), path + " shows a token of the file");
      }
      JsonObject s = readOnly.ok("/api/server", "{}");
      assertEquals("0.1.0", s.get("version").getAsString());
      assertEquals("(hidden)", setting(s, "--auth-token"));
      assertEquals(tokens.toString(), setting(s, "--auth-tokens-file"),
          "a file's name is not the secret: its contents are");
      assertEquals("321", setting(s, "--max-list-limit"));
      assertEquals("0", setting(s, "--port"), "the value given, not the port bound");
      assertEquals(null, setting(s, "--tls-key"), "unset");
      JsonObject storage = s.getAsJsonObject("storage");
      assertEquals(1L << 30, storage.get("mapSizeBytes").getAsLong(), "--map-size=1g");
      long used = storage.get("mapUsedBytes").getAsLong();
      assertTrue(used > 0 && used < 1L << 30, "used " + used);
      assertFalse(s.get("cluster").getAsBoolean());
    }
  }

  @Test
  void theMetricsHistoryChartsCallsLatencyErrorsAndBatches() throws Exception {
    try (RunningServer server = RunningServer.start(dir.resolve("data"))) {
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      JsonObject empty = console.ok("/api/metrics", "{}");
      assertEquals(5000, empty.get("intervalMs").getAsLong());
      assertEquals(180, empty.get("capacity").getAsInt());
      EntityServiceGrpc.EntityServiceBlockingStub entities =
          EntityServiceGrpc.newBlockingStub(server.channel());
      for (int i = 0; i < 40; i++) {
        server.client().set(Key.of("m", i), KvValue.of("v" + i));
        server.client().get(Key.of("m", i));
      }
      for (int i = 0; i < 3; i++) {
        assertThrows(StatusRuntimeException.class,
            () -> entities.query(query("nothing", "x").build()));
      }
      // The first sample comes one interval after the start.
      JsonObject m = await(console, "/api/metrics", a -> a.getAsJsonArray("samples").size() > 0,
          20_000);
      JsonArray samples = m.getAsJsonArray("samples");
      double calls = 0;
      double notFound = 0;
      JsonObject busy = null;
      for (JsonElement e : samples) {
        JsonObject p = e.getAsJsonObject();
        assertTrue(p.get("atMs").getAsLong() > 0);
        calls += p.get("callsPerSecond").getAsDouble();
        JsonObject errors = p.getAsJsonObject("errorsPerSecond");
        if (errors.has("NOT_FOUND")) {
          notFound += errors.get("NOT_FOUND").getAsDouble();
        }
        if (!p.get("p50Ms").isJsonNull()) {
          busy = p;
        }
      }
      // 83 calls, in the first interval or two: about 16.6/s over 5 s.
      assertTrue(calls * 5 >= 80, "calls/s " + calls);
      assertTrue(notFound * 5 >= 2.9, "NOT_FOUND/s " + notFound);
      assertNotNull(busy, "a sample with latencies: " + samples);
      double p50 = busy.get("p50Ms").getAsDouble();
      double p99 = busy.get("p99Ms").getAsDouble();
      assertTrue(p50 > 0 && p50 <= p99 && p99 <= 10_000, "p50 " + p50 + " p99 " + p99);
      assertTrue(busy.get("batchSize").getAsDouble() >= 1, "batch size " + busy);
      System.out.printf("metrics sample: calls/s %.1f p50 %.2f ms p99 %.2f ms batch %.2f%n",
          busy.get("callsPerSecond").getAsDouble(), p50, p99,
          busy.get("batchSize").getAsDouble());
    }
  }

  @Test
  void aMessageGivenUpOnIsListedWithOrWithoutItsKeys() throws Exception {
    try (RunningServer server = RunningServer.start(dir.resolve("data"))) {
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      JsonObject none = console.ok("/api/dead-letters", "{}");
      assertEquals(0, none.getAsJsonArray("deadLetters").size());
      assertEquals(100, none.get("capacity").getAsInt());
      KvClient kv = server.client();
      try (QueueListener listener = kv.listenQueue(m -> {
        throw new IllegalStateException("consumer failure");
      })) {
        kv.atomic().enqueue(KvValue.of("kept"), EnqueueOptions.builder()
            .backoffSchedule(Duration.ofMillis(20))
            .keysIfUndelivered(Key.of("failed", "kept")).build()).commit();
        kv.atomic().enqueue(KvValue.of("dropped"), EnqueueOptions.builder()
            .backoffSchedule(Duration.ofMillis(20), Duration.ofMillis(20)).build()).commit();
        JsonObject d = await(console, "/api/dead-letters", a -> a.get("total").getAsLong() == 2,
            20_000);
        KvEntry written = kv.get(Key.of("failed", "kept"));
        assertTrue(written.exists());
        List<JsonObject> letters = new ArrayList<>();
        d.getAsJsonArray("deadLetters").forEach(e -> letters.add(e.getAsJsonObject()));
        JsonObject kept = byValue(letters, "kept");
        assertEquals(2, kept.get("deliveries").getAsInt(), "one delivery and one retry");
        assertEquals("[[{\"string\":\"failed\"},{\"string\":\"kept\"}]]",
            kept.get("keysIfUndelivered").toString());
        assertEquals(written.versionstamp().toString(), kept.get("writtenAt").getAsString());
        assertEquals(4, kept.get("valueBytes").getAsInt());
        JsonObject dropped = byValue(letters, "dropped");
        assertEquals(3, dropped.get("deliveries").getAsInt());
        assertEquals(0, dropped.getAsJsonArray("keysIfUndelivered").size());
        assertTrue(dropped.get("writtenAt").isJsonNull());
        assertTrue(dropped.get("enqueuedAt").getAsString().matches("[0-9a-f]{20}"));
        assertTrue(kept.get("enqueuedAt").getAsString()
            .compareTo(dropped.get("enqueuedAt").getAsString()) < 0, "enqueued first");
      }
    }
  }

  @Test
  void everyClusterMemberListsTheMessageItsLogGaveUpOn() throws Exception {
    try (TestCluster cluster = TestCluster.start(Files.createDirectories(dir.resolve("c")),
        "console-dead", 3, "--console-port=0", "--queue-lease-ms=2000")) {
      cluster.awaitLeader();
      try (QueueListener listener = cluster.client(1).listenQueue(m -> {
        throw new IllegalStateException("consumer failure");
      })) {
        TestCluster.retryUntilOk(() -> cluster.client(0).atomic()
            .enqueue(KvValue.of("job"), EnqueueOptions.builder()
                .backoffSchedule(Duration.ofMillis(50))
                .keysIfUndelivered(Key.of("dead", 1)).build())
            .commit());
        String writtenAt = null;
        for (int i = 0; i < 3; i++) {
          JsonObject d = await(new ConsoleHttp(cluster.node(i).consolePort(), null),
              "/api/dead-letters", a -> a.get("total").getAsLong() == 1, TestCluster.WAIT_MS);
          JsonObject letter = d.getAsJsonArray("deadLetters").get(0).getAsJsonObject();
          assertEquals("job", letter.getAsJsonObject("value").get("value").getAsString());
          if (writtenAt == null) {
            writtenAt = letter.get("writtenAt").getAsString();
          }
          assertEquals(writtenAt, letter.get("writtenAt").getAsString(),
              "n" + (i + 1) + " applied the same entry");
        }
      }
    }
  }

  @Test
  void entitiesAreListedAndQueriedAsGrpcQueriesThem() throws Exception {
    try (RunningServer server = RunningServer.start(dir.resolve("data"))) {
      EntityServiceGrpc.EntityServiceBlockingStub entities =
          EntityServiceGrpc.newBlockingStub(server.channel());
      entities.defineEntity(DefineEntityRequest.newBuilder().setDefinition(def("orders",
          List.of(attr("region", ATTRIBUTE_TYPE_STRING), attr("total", ATTRIBUTE_TYPE_INTEGER)),
          index("by-region", "total", "region"))).build());
      server.stub().atomic(AtomicRequest.newBuilder()
          .addMutations(setDoc("orders", "o1", obj("region", "eu", "total", 10)))
          .addMutations(setDoc("orders", "o2", obj("region", "eu", "total", 25)))
          .addMutations(setDoc("orders", "o3", obj("region", "us", "total", 5))).build());
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);

      JsonObject list = console.ok("/api/entities", "{}");
      JsonObject orders = list.getAsJsonArray("entities").get(0).getAsJsonObject();
      assertEquals("orders", orders.get("name").getAsString());
      assertEquals("[{\"name\":\"region\",\"type\":\"STRING\"},{\"name\":\"total\","
          + "\"type\":\"INTEGER\"}]", orders.get("attributes").toString());
      assertEquals("[{\"name\":\"by-region\",\"partition\":[\"region\"],\"range\":\"total\","
          + "\"state\":\"READY\"}]", orders.get("indexes").toString());

      JsonObject q = console.ok("/api/query", "{\"entity\":\"orders\",\"index\":\"by-region\","
          + "\"partition\":[\"eu\"],\"where\":{\"op\":\"GREATER_THAN\",\"values\":[15]}}");
      assertEquals(ids(entities.query(query("orders", "by-region", "eu")
          .setWhere(where(RangeOperator.RANGE_OPERATOR_GREATER_THAN, 15)).build())
          .getResultsList()), List.of("o2"));
      JsonArray results = q.getAsJsonArray("results");
      assertEquals(1, results.size());
      JsonObject o2 = results.get(0).getAsJsonObject();
      assertEquals("[{\"string\":\"o2\"}]", o2.get("key").toString());
      assertEquals(25, o2.getAsJsonObject("value").getAsJsonObject("value").get("total")
          .getAsInt());
      assertEquals("", q.get("cursor").getAsString());

      JsonObject page = console.ok("/api/query", "{\"entity\":\"orders\",\"index\":\"by-region\","
          + "\"partition\":[\"eu\"],\"limit\":1,\"reverse\":true}");
      assertEquals("[{\"string\":\"o2\"}]", page.getAsJsonArray("results").get(0)
          .getAsJsonObject().get("key").toString());
      JsonObject rest = console.ok("/api/query", "{\"entity\":\"orders\",\"index\":\"by-region\","
          + "\"partition\":[\"eu\"],\"limit\":1,\"reverse\":true,\"cursor\":\""
          + page.get("cursor").getAsString() + "\"}");
      assertEquals("[{\"string\":\"o1\"}]", rest.getAsJsonArray("results").get(0)
          .getAsJsonObject().get("key").toString());

      refusedAlike(console, entities, "{\"entity\":\"orders\",\"index\":\"by-region\"}",
          query("orders", "by-region").build(), 400, "INVALID_ARGUMENT");
      refusedAlike(console, entities, "{\"entity\":\"orders\",\"index\":\"by-total\","
          + "\"partition\":[\"eu\"]}", query("orders", "by-total", "eu").build(), 400,
          "INVALID_ARGUMENT");
      refusedAlike(console, entities, "{\"entity\":\"invoices\",\"index\":\"by-region\"}",
          query("invoices", "by-region").build(), 404, "NOT_FOUND");
      refusedAlike(console, entities, "{\"entity\":\"orders\",\"index\":\"by-region\","
          + "\"partition\":[\"eu\"],\"limit\":5000}",
          query("orders", "by-region", "eu").setLimit(5000).build(), 400, "INVALID_ARGUMENT");
    }
  }

  private static void refusedAlike(ConsoleHttp console,
      EntityServiceGrpc.EntityServiceBlockingStub grpc, String json,
      dev.atomkv.proto.v1.QueryRequest same, int httpStatus, String code) throws Exception {
    StatusRuntimeException e = assertThrows(StatusRuntimeException.class, () -> grpc.query(same));
    ConsoleHttp.Answer a = console.post("/api/query", json);
    assertEquals(httpStatus, a.status(), json + " " + a.body());
    assertEquals(code, a.code());
    assertEquals(e.getStatus().getCode().name(), a.code());
    assertEquals(e.getStatus().getDescription(), a.message());
  }

  private static JsonObject byValue(List<JsonObject> letters, String value) {
    return letters.stream()
        .filter(l -> value.equals(l.getAsJsonObject("value").get("value").getAsString()))
        .findFirst().orElseThrow(() -> new AssertionError("no dead letter " + value + ": "
            + letters));
  }

  private static String setting(JsonObject server, String name) {
    for (JsonElement e : server.getAsJsonArray("settings")) {
      JsonObject s = e.getAsJsonObject();
      if (s.get("name").getAsString().equals(name)) {
        return s.get("value").isJsonNull() ? null : s.get("value").getAsString();
      }
    }
    throw new AssertionError("no setting " + name);
  }

  static JsonObject await(ConsoleHttp console, String path, Predicate<JsonObject> done,
      long timeoutMs) throws Exception {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (true) {
      JsonObject a = console.ok(path, "{}");
      if (done.test(a)) {
        return a;
      }
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError(path + " never got there: " + a);
      }
      Thread.sleep(100);
    }
  }
}
