package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Mutation;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.OptionalDouble;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scrapes the real server's /metrics around a few calls, as Prometheus would. */
class MetricsIT {
  private static final String ATOMIC = "atomkv.v1.KvService/Atomic";
  private static final String GET = "atomkv.v1.KvService/Get";

  @TempDir Path dir;
  private RunningServer server;
  private final HttpClient http = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void rpcCountersMoveAndLmdbGaugesArePresent() throws Exception {
    assertTrue(server.metricsPort() > 0);
    String before = scrape();
    double atomicOkBefore = requests(before, ATOMIC, "OK").orElse(0);
    double getOkBefore = requests(before, GET, "OK").orElse(0);

    KvClient kv = server.client();
    int written = 5;
    for (int i = 0; i < written; i++) {
      kv.set(Key.of("metrics", (long) i), KvValue.of("v" + i));
    }
    kv.get(Key.of("metrics", 0L));
    kv.get(Key.of("metrics", 1L));
    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
        () -> server.stub().atomic(AtomicRequest.newBuilder()
            .addMutations(Mutation.newBuilder().setKey(Wire.key("metrics", "no-op"))).build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());

    // Engine figures are cached for 0.1 s: wait until the scrape has caught up with the writes.
    String after = scrape();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (value(after, "atomkv_keys").orElse(0) < written && System.nanoTime() < deadline) {
      Thread.sleep(50);
      after = scrape();
    }

    assertEquals(atomicOkBefore + written, requests(after, ATOMIC, "OK").orElseThrow(), after);
    assertEquals(getOkBefore + 2, requests(after, GET, "OK").orElseThrow());
    assertEquals(1, requests(after, ATOMIC, "INVALID_ARGUMENT").orElseThrow());
    assertTrue(value(after, "atomkv_rpc_latency_seconds_count{method=\"" + ATOMIC + "\"")
        .orElseThrow() >= written + 1);

    assertEquals(1L << 30, value(after, "atomkv_lmdb_map_size_bytes").orElseThrow());
    double used = value(after, "atomkv_lmdb_map_used_bytes").orElseThrow();
    assertTrue(used > 0);
    assertEquals((1L << 30) - used, value(after, "atomkv_lmdb_map_free_bytes").orElseThrow());
    assertTrue(value(after, "atomkv_keys").orElseThrow() >= written);
    assertNotNull(value(after, "atomkv_writer_queue_depth").orElseThrow());
    assertTrue(value(after, "atomkv_commit_batches_total").orElseThrow() >= 1);
    assertTrue(value(after, "atomkv_commit_batched_requests_total").orElseThrow() >= written);
    assertTrue(value(after, "atomkv_expiry_sweeps_total").isPresent());
    assertTrue(value(after, "atomkv_expired_keys_deleted_total").isPresent());
    assertTrue(value(after, "jvm_memory_used_bytes{area=\"heap\"").isPresent(), "JVM metrics");
  }

  @Test
  void onlyGetMetricsIsServed() throws Exception {
    HttpResponse<String> notFound = http.send(HttpRequest.newBuilder(uri("/")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(404, notFound.statusCode());
    HttpResponse<String> post = http.send(HttpRequest.newBuilder(uri("/metrics"))
        .POST(HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    assertEquals(405, post.statusCode());
  }

  private String scrape() throws Exception {
    HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri("/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    assertTrue(r.headers().firstValue("Content-Type").orElse("").startsWith("text/plain"));
    return r.body();
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.metricsPort() + path);
  }

  private static OptionalDouble requests(String text, String method, String status) {
    return value(text, "atomkv_rpc_requests_total{method=\"" + method + "\",status=\"" + status
        + "\"");
  }

  /**
   * The value of the first sample whose line starts with {@code prefix}: a metric name, or a name
   * and its first labels. The value is the last field of the line.
   */
  static OptionalDouble value(String text, String prefix) {
    for (String line : text.split("\n")) {
      if (line.startsWith(prefix) && line.length() > prefix.length()
          && " {,}".indexOf(line.charAt(prefix.length())) >= 0) {
        return OptionalDouble.of(Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    return OptionalDouble.empty();
  }

}
