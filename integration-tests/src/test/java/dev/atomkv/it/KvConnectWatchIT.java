package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.client.Key;
import dev.atomkv.client.KeyCodec;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.server.kvconnect.wire.SnapshotReadStatus;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import dev.atomkv.server.kvconnect.wire.Watch;
import dev.atomkv.server.kvconnect.wire.WatchKey;
import dev.atomkv.server.kvconnect.wire.WatchOutput;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KV Connect's watch on the wire (protocol v3): length-prefixed WatchOutput frames, the first
 * reporting every key, later ones on each change; zero-length keep-alive frames while idle; the
 * limits; and the stream's end when the server stops.
 */
class KvConnectWatchIT {
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;
  private RunningServer server;
  private KvClient grpc;
  private String databaseId;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir.resolve("data"), "--auth-token=watch-token");
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer watch-token");
    grpc = KvClient.create(ClientInterceptors.intercept(server.channel(),
        MetadataUtils.newAttachHeadersInterceptor(headers)));
    HttpResponse<String> meta = HTTP.send(HttpRequest.newBuilder(uri("/"))
            .header("authorization", "Bearer watch-token")
            .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[3]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(meta.body(), b);
    databaseId = b.getFieldsOrThrow("databaseId").getStringValue();
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void framesReportEveryKeyThenEachChange() throws Exception {
    grpc.set(Key.of("w", "a"), KvValue.of("before"));
    try (Frames frames = watch("3", Key.of("w", "a"), Key.of("w", "b"))) {
      assertEquals(200, frames.status);
      WatchOutput first = frames.next();
      assertEquals(SnapshotReadStatus.SR_SUCCESS, first.getStatus());
      assertEquals(2, first.getKeysCount());
      assertTrue(first.getKeys(0).getChanged() && first.getKeys(1).getChanged(),
          "the first frame reports every key as changed");
      assertEquals(ValueEncoding.VE_V8, first.getKeys(0).getEntryIfChanged().getEncoding());
      assertFalse(first.getKeys(1).hasEntryIfChanged(), "a missing key has no entry");

      grpc.set(Key.of("w", "b"), KvValue.u64(5));
      WatchOutput second = frames.next();
      assertFalse(second.getKeys(0).getChanged());
      assertFalse(second.getKeys(0).hasEntryIfChanged());
      assertTrue(second.getKeys(1).getChanged());
      assertEquals(ValueEncoding.VE_LE64, second.getKeys(1).getEntryIfChanged().getEncoding());

      grpc.delete(Key.of("w", "a"));
      WatchOutput third = frames.next();
      assertTrue(third.getKeys(0).getChanged());
      assertFalse(third.getKeys(0).hasEntryIfChanged());
    }
  }

  @Test
  void idleStreamsGetKeepAliveFramesAndEndWhenTheServerStops() throws Exception {
    try (Frames frames = watch("3", Key.of("idle"))) {
      frames.next();
      long started = System.nanoTime();
      assertEquals(0, frames.nextLength(), "a zero-length keep-alive frame");
      long waitedMs = (System.nanoTime() - started) / 1_000_000;
      assertTrue(waitedMs < 15_000, "keep-alive after " + waitedMs + " ms");
      server.close();
      server = null;
      assertEquals(-1, frames.nextLength(), "the body ends when the server stops");
    }
  }

  @Test
  void watchRequestsAreChecked() throws Exception {
    Key[] eleven = new Key[11];
    for (int i = 0; i < eleven.length; i++) {
      eleven[i] = Key.of("k", (long) i);
    }
    try (Frames frames = watch("3", eleven)) {
      assertEquals(400, frames.status);
      assertEquals("Too many keys (max 10)", frames.text());
    }
    try (Frames frames = watch("2", Key.of("k"))) {
      assertEquals(400, frames.status);
      assertEquals("watch needs KV Connect protocol version 3", frames.text());
    }
    try (Frames frames = watch("3")) {
      assertEquals(400, frames.status);
    }
  }

  private URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.kvConnectPort() + path);
  }

  private Frames watch(String version, Key... keys) throws Exception {
    Watch.Builder w = Watch.newBuilder();
    for (Key k : keys) {
      w.addKeys(WatchKey.newBuilder().setKey(ByteString.copyFrom(KeyCodec.encode(k))));
    }
    HttpResponse<InputStream> r = HTTP.send(HttpRequest.newBuilder(uri("/v2/watch"))
            .header("authorization", "Bearer watch-token")
            .header("x-denokv-version", version)
            .header("x-denokv-database-id", databaseId)
            .POST(HttpRequest.BodyPublishers.ofByteArray(w.build().toByteArray())).build(),
        HttpResponse.BodyHandlers.ofInputStream());
    return new Frames(r.statusCode(), r.body());
  }

  /** The frames of a watch response body. */
  private static final class Frames implements AutoCloseable {
    final int status;
    private final DataInputStream in;

    Frames(int status, InputStream in) {
      this.status = status;
      this.in = new DataInputStream(in);
    }

    /** The next non-empty frame. */
    WatchOutput next() throws IOException {
      int length;
      while ((length = nextLength()) == 0) {
        // keep-alive
      }
      if (length < 0) {
        throw new IOException("the watch stream ended");
      }
      byte[] frame = new byte[length];
      in.readFully(frame);
      return WatchOutput.parseFrom(frame);
    }

    /** The next frame's length; -1 at the end of the body. */
    int nextLength() throws IOException {
      byte[] header = new byte[4];
      int n = in.readNBytes(header, 0, 4);
      if (n < 4) {
        return -1;
      }
      return ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getInt();
    }

    String text() throws IOException {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }

    @Override
    public void close() throws IOException {
      in.close();
    }
  }
}
