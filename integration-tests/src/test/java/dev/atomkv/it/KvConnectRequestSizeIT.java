package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.client.Key;
import dev.atomkv.client.KeyCodec;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.server.kvconnect.wire.AtomicWrite;
import dev.atomkv.server.kvconnect.wire.AtomicWriteOutput;
import dev.atomkv.server.kvconnect.wire.AtomicWriteStatus;
import dev.atomkv.server.kvconnect.wire.KvValue;
import dev.atomkv.server.kvconnect.wire.Mutation;
import dev.atomkv.server.kvconnect.wire.MutationType;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import io.grpc.Status;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * --max-request-bytes (SPEC §5, Forge's 4 MB payload) holds on both edges with one meaning: the
 * serialised size of one atomic request, its gRPC AtomicRequest or its KV Connect AtomicWrite
 * body. At the limit a request commits; one byte over, it is refused with the same message and
 * nothing is written.
 */
class KvConnectRequestSizeIT {
  private static final int LIMIT = 3000;
  private static final String TOO_LARGE = "Request too large (max " + LIMIT + " bytes)";
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();

  @TempDir Path dir;

  @Test
  void atomicWriteOverMaxRequestBytesIsRefusedAndAtTheLimitCommits() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--max-request-bytes=" + LIMIT)) {
      String databaseId = databaseId(server);
      AtomicWrite over = ofSize(LIMIT + 1, n -> write("over", n));
      HttpResponse<byte[]> refused = data(server, databaseId, over);
      assertEquals(400, refused.statusCode());
      assertEquals(TOO_LARGE, new String(refused.body(), StandardCharsets.UTF_8));
      assertFalse(Wire.get(server.stub(), Wire.key("over")).hasValue(), "nothing written");

      AtomicWrite atLimit = ofSize(LIMIT, n -> write("at", n));
      HttpResponse<byte[]> ok = data(server, databaseId, atLimit);
      assertEquals(200, ok.statusCode(), () -> new String(ok.body(), StandardCharsets.UTF_8));
      assertEquals(AtomicWriteStatus.AW_SUCCESS, AtomicWriteOutput.parseFrom(ok.body()).getStatus());
      assertEquals(atLimit.getMutations(0).getValue().getData(),
          Wire.get(server.stub(), Wire.key("at")).getValue().getBytes());
    }
  }

  @Test
  void grpcAtomicOverMaxRequestBytesIsRefusedWithTheSameMessage() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--max-request-bytes=" + LIMIT)) {
      AtomicRequest over = ofSize(LIMIT + 1, n -> Wire.atomic(Wire.set(Wire.key("over"),
          Wire.bytesValue(n))));
      assertStatus(Status.Code.INVALID_ARGUMENT, TOO_LARGE, () -> server.stub().atomic(over));
      Wire.commitOk(server.stub(), ofSize(LIMIT, n -> Wire.atomic(Wire.set(Wire.key("at"),
          Wire.bytesValue(n)))));
    }
  }

  private static AtomicWrite write(String key, int valueBytes) {
    return AtomicWrite.newBuilder().addMutations(Mutation.newBuilder()
        .setKey(ByteString.copyFrom(KeyCodec.encode(Key.of(key))))
        .setMutationType(MutationType.M_SET)
        .setValue(KvValue.newBuilder().setEncoding(ValueEncoding.VE_BYTES)
            .setData(ByteString.copyFrom(new byte[valueBytes]))))
        .build();
  }

  /** The message {@code build} makes of exactly {@code target} serialised bytes. */
  private static <M extends Message> M ofSize(int target, IntFunction<M> build) {
    int n = target;
    for (int i = 0; i < 20; i++) {
      M m = build.apply(n);
      int size = m.getSerializedSize();
      if (size == target) {
        return m;
      }
      n += target - size;
    }
    throw new IllegalStateException("no message of exactly " + target + " bytes");
  }

  private static String databaseId(RunningServer server) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(uri(server, "/"))
        .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[2,3]}")).build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(200, r.statusCode(), r.body());
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(r.body(), b);
    return b.getFieldsOrThrow("databaseId").getStringValue();
  }

  private static HttpResponse<byte[]> data(RunningServer server, String databaseId,
      Message body) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(uri(server, "/v2/atomic_write"))
        .header("x-denokv-version", "3")
        .header("x-denokv-database-id", databaseId)
        .header("content-type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray())).build(),
        HttpResponse.BodyHandlers.ofByteArray());
  }

  private static URI uri(RunningServer server, String path) {
    return URI.create("http://127.0.0.1:" + server.kvConnectPort() + path);
  }
}
