package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Any;
import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.rpc.ErrorInfo;
import com.google.rpc.RetryInfo;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.TooManyRequestsException;
import dev.atomkv.proto.v1.EntityServiceGrpc;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.ListEntitiesRequest;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.server.kvconnect.wire.AtomicWrite;
import dev.atomkv.server.kvconnect.wire.Mutation;
import dev.atomkv.server.kvconnect.wire.MutationType;
import dev.atomkv.server.kvconnect.wire.ReadRange;
import dev.atomkv.server.kvconnect.wire.SnapshotRead;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Rate limits per tenant through the real server, started with low default limits: every call
 * here belongs to the default tenant. Units are 10 KB of payload (writes) or of what a read
 * returned, rounded up.
 */
class RateLimitIT {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  private static final Pattern MESSAGE = Pattern.compile(
      "rate limit exceeded: (requests per second|read units per minute|write units per minute)"
          + " \\(tenant 'default'\\); retry after (\\d+) ms");

  @TempDir Path dir;

  @Test
  void callsOverTheRateAreRefusedWithErrorInfoAndRetryInfoAndAdmittedAfterTheDelay()
      throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--console-port=-1",
        "--rate-limit-requests-per-second=5")) {
      // Ten calls in a burst: the bucket holds five, and refills one every 200 ms.
      StatusRuntimeException refused = firstRefusal(() -> server.stub().get(
          GetRequest.newBuilder().addKeys(Wire.key("a")).build()));
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, refused.getStatus().getCode());
      ErrorInfo info = detail(refused, ErrorInfo.class);
      assertEquals("TOO_MANY_REQUESTS", info.getReason());
      assertEquals("atomkv.dev", info.getDomain());
      assertEquals("default", info.getMetadataOrThrow("tenant"));
      assertEquals("requests", info.getMetadataOrThrow("limit"));
      com.google.protobuf.Duration delay = detail(refused, RetryInfo.class).getRetryDelay();
      long delayNanos = delay.getSeconds() * 1_000_000_000L + delay.getNanos();
      assertTrue(delayNanos > 0 && delayNanos <= 200_000_000L, "retry delay " + delay);
      Matcher m = MESSAGE.matcher(refused.getStatus().getDescription());
      assertTrue(m.matches(), refused.getStatus().getDescription());
      assertEquals("requests per second", m.group(1));

      // List, Atomic and the entity service are behind the same gate.
      firstRefusal(() -> server.stub().list(
          ListRequest.newBuilder().setPrefix(Wire.key("a")).setLimit(1).build()));
      firstRefusal(() -> server.stub().atomic(Wire.atomic(List.of(),
          List.of(Wire.set(Wire.key("w"), Wire.stringValue("v"))))));
      firstRefusal(() -> EntityServiceGrpc.newBlockingStub(server.channel())
          .withDeadlineAfter(10, TimeUnit.SECONDS)
          .listEntities(ListEntitiesRequest.getDefaultInstance()));

      // The Java client: its own exception, with the server's delay; waiting it out is enough.
      KvClient client = server.client();
      TooManyRequestsException e = null;
      for (int i = 0; i < 20 && e == null; i++) {
        try {
          client.get(Key.of("a"));
        } catch (TooManyRequestsException refusal) {
          e = refusal;
        }
      }
      assertTrue(e != null, "20 calls in a burst at 5 a second were all admitted");
      assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.code());
      assertEquals("TOO_MANY_REQUESTS", e.reason());
      assertTrue(e.isNotApplied());
      assertTrue(e.retryAfter().compareTo(Duration.ZERO) > 0
          && e.retryAfter().compareTo(Duration.ofMillis(200)) <= 0, e.retryAfter().toString());
      Thread.sleep(e.retryAfter().toMillis() + 1);
      assertFalse(client.get(Key.of("a")).exists());
      String metrics = scrape(server);
      assertTrue(counter(metrics, "atomkv_rate_limit_refusals_total", "requests") >= 5, metrics);
    }
  }

  @Test
  void aWriteCostsItsPayloadInUnitsOf10KbRoundedUp() throws Exception {
    // Five units a minute: one refills every 12 s, far longer than this test.
    try (RunningServer server = RunningServer.start(dir, "--console-port=-1",
        "--rate-limit-write-units-per-minute=5")) {
      KvClient client = server.client();
      byte[] value = new byte[25 * 1024];
      assertTrue(client.set(Key.of("big", 1), KvValue.of(value)).ok()); // 3 units, 2 left
      TooManyRequestsException e = assertThrows(TooManyRequestsException.class,
          () -> client.set(Key.of("big", 2), KvValue.of(value)));
      // It lacks one unit of three: a little under 12 s at five a minute.
      assertTrue(e.retryAfter().compareTo(Duration.ofSeconds(10)) > 0
          && e.retryAfter().compareTo(Duration.ofSeconds(12)) <= 0, e.retryAfter().toString());
      assertTrue(e.description().startsWith("rate limit exceeded: write units per minute"),
          e.description());
      assertFalse(client.get(Key.of("big", 2)).exists(), "a refused write was applied");
      // The two units left pay for two small writes, and no more.
      assertTrue(client.set(Key.of("small", 1), KvValue.of("x")).ok());
      assertTrue(client.set(Key.of("small", 2), KvValue.of("x")).ok());
      assertThrows(TooManyRequestsException.class,
          () -> client.set(Key.of("small", 3), KvValue.of("x")));
      // Reads are not limited here.
      assertTrue(client.get(Key.of("big", 1)).exists());
    }
  }

  @Test
  void aReadIsChargedWhatItReturnedAndLaterReadsWaitTheDebtOut() throws Exception {
    // Sixty units a minute: one a second.
    try (RunningServer server = RunningServer.start(dir, "--console-port=-1",
        "--rate-limit-read-units-per-minute=60")) {
      KvClient client = server.client();
      List<Key> keys = new ArrayList<>();
      for (int i = 0; i < 10; i++) {
        keys.add(Key.of("doc", i));
        assertTrue(client.set(keys.get(i), KvValue.of(new byte[60 * 1024])).ok());
      }
      // Admitted with a full bucket, and charged 61 units (600 KB and framing): one in debt.
      assertEquals(10, client.getMany(keys).size());
      TooManyRequestsException e = assertThrows(TooManyRequestsException.class,
          () -> client.get(Key.of("doc", 0)));
      // One unit of debt and one to pay: two seconds, less what refilled since.
      assertTrue(e.retryAfter().compareTo(Duration.ofSeconds(1)) > 0
          && e.retryAfter().compareTo(Duration.ofSeconds(2)) <= 0, e.retryAfter().toString());
      assertTrue(e.description().startsWith("rate limit exceeded: read units per minute"),
          e.description());
      String metrics = scrape(server);
      assertEquals(1, counter(metrics, "atomkv_rate_limit_refusals_total", "read_units"),
          metrics);
      assertTrue(counter(metrics, "atomkv_rate_limit_headroom", "read_units") < 1, metrics);
      Thread.sleep(e.retryAfter().toMillis() + 1);
      assertTrue(client.get(Key.of("doc", 0)).exists());
      // Writes are not limited here.
      assertTrue(client.set(Key.of("doc", 0), KvValue.of("small")).ok());
    }
  }

  @Test
  void kvConnectAndTheConsoleAnswer429WithRetryAfter() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--console-port=0",
        "--rate-limit-requests-per-second=3", "--rate-limit-write-units-per-minute=2")) {
      String databaseId = databaseId(server);
      // 25 KB is 3 units, more than the whole minute's 2: admitted with a full bucket, leaving a
      // debt of one unit, so the next write waits a minute (two units at two a minute).
      Mutation set = Mutation.newBuilder()
          .setKey(ByteString.copyFrom(KvConnectHttpIT.key("kv", "big")))
          .setMutationType(MutationType.M_SET)
          .setValue(dev.atomkv.server.kvconnect.wire.KvValue.newBuilder()
              .setEncoding(ValueEncoding.VE_BYTES)
              .setData(ByteString.copyFrom(new byte[25 * 1024])))
          .build();
      HttpResponse<String> big = kvConnect(server, databaseId, "atomic_write",
          AtomicWrite.newBuilder().addMutations(set).build().toByteArray());
      assertEquals(200, big.statusCode(), big.body());
      HttpResponse<String> next = kvConnect(server, databaseId, "atomic_write", AtomicWrite
          .newBuilder().build().toByteArray());
      assertEquals(429, next.statusCode(), next.body());
      long retryAfter = Long.parseLong(next.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(retryAfter >= 59 && retryAfter <= 60, "Retry-After " + retryAfter);
      assertTrue(next.body().startsWith(
          "Too many requests: rate limit exceeded: write units per minute (tenant 'default')"),
          next.body());

      // snapshot_read over the requests: refused with a whole second to wait, at least 1.
      byte[] read = SnapshotRead.newBuilder().addRanges(ReadRange.newBuilder()
          .setStart(ByteString.copyFrom(KvConnectHttpIT.key("kv")))
          .setEnd(ByteString.copyFrom(KvConnectHttpIT.key("kw"))).setLimit(10)).build()
          .toByteArray();
      HttpResponse<String> refused = null;
      for (int i = 0; i < 20 && refused == null; i++) {
        HttpResponse<String> r = kvConnect(server, databaseId, "snapshot_read", read);
        if (r.statusCode() == 429) {
          refused = r;
        } else {
          assertEquals(200, r.statusCode(), r.body());
        }
      }
      assertTrue(refused != null, "20 reads in a burst at 3 a second were all admitted");
      assertEquals("1", refused.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(refused.body().startsWith(
          "Too many requests: rate limit exceeded: requests per second (tenant 'default')"),
          refused.body());

      // The console shares the tenant's limits, and answers with its JSON error.
      HttpResponse<String> console = null;
      for (int i = 0; i < 20 && console == null; i++) {
        HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + server.consolePort() + "/api/session"))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
            HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() == 429) {
          console = r;
        } else {
          assertEquals(200, r.statusCode(), r.body());
        }
      }
      assertTrue(console != null, "20 console calls in a burst at 3 a second were all admitted");
      assertEquals("1", console.headers().firstValue("Retry-After").orElseThrow());
      assertTrue(console.body().contains("\"code\":\"RESOURCE_EXHAUSTED\""), console.body());
      assertTrue(console.body().contains("rate limit exceeded: requests per second"),
          console.body());
    }
  }

  @Test
  void aServerWithoutLimitsNeverRefuses() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--console-port=-1")) {
      KvClient client = server.client();
      byte[] value = new byte[60 * 1024];
      List<Key> keys = new ArrayList<>();
      for (int i = 0; i < 50; i++) {
        keys.add(Key.of("free", i));
        assertTrue(client.set(keys.get(i), KvValue.of(value)).ok());
      }
      for (int i = 0; i < 2000; i++) {
        client.get(keys.get(i % 50));
      }
      for (int i = 0; i < 20; i++) {
        assertEquals(50, client.getMany(keys).size()); // 3 MB, 300 units, a time
      }
      // No tenant has limits, so none has a bucket or a meter.
      assertFalse(scrape(server).contains("atomkv_rate_limit"), "rate limit meters without limits");
    }
  }

  /** Sends {@code call} until it is refused; fails if twenty in a burst are all admitted. */
  private static StatusRuntimeException firstRefusal(Supplier<?> call) {
    for (int i = 0; i < 20; i++) {
      try {
        call.get();
      } catch (StatusRuntimeException e) {
        assertEquals(Status.Code.RESOURCE_EXHAUSTED, e.getStatus().getCode(), e.toString());
        return e;
      }
    }
    throw new AssertionError("20 calls in a burst were all admitted");
  }

  private static <T extends com.google.protobuf.Message> T detail(StatusRuntimeException e,
      Class<T> type) throws InvalidProtocolBufferException {
    for (Any any : StatusProto.fromThrowable(e).getDetailsList()) {
      if (any.is(type)) {
        return any.unpack(type);
      }
    }
    throw new AssertionError("no " + type.getSimpleName() + " in " + e);
  }

  private static String scrape(RunningServer server) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
        URI.create("http://127.0.0.1:" + server.metricsPort() + "/metrics")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode());
    return r.body();
  }

  /** The value of {@code metric} for the default tenant and {@code limit}. */
  private static double counter(String metrics, String metric, String limit) {
    Matcher m = Pattern.compile("(?m)^" + metric + "\\{limit=\"" + limit
        + "\",tenant=\"default\"} (\\S+)$").matcher(metrics);
    assertTrue(m.find(), metric + " for " + limit + " missing:\n" + metrics);
    return Double.parseDouble(m.group(1));
  }

  private static String databaseId(RunningServer server) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + server.kvConnectPort() + "/"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[2,3]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Matcher m = Pattern.compile("\"databaseId\":\"([^\"]+)\"").matcher(r.body());
    assertTrue(m.find(), r.body());
    return m.group(1);
  }

  private static HttpResponse<String> kvConnect(RunningServer server, String databaseId,
      String endpoint, byte[] body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(
            "http://127.0.0.1:" + server.kvConnectPort() + "/v2/" + endpoint))
        .header("x-denokv-version", "3")
        .header("x-denokv-database-id", databaseId)
        .header("content-type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
