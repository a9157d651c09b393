package dev.atomkv.it;

import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.it.Wire.u64Value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.protobuf.ByteString;
import com.google.protobuf.Struct;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.Value;
import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.v8.V8Writer;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The web console's JSON API (docs/console.md) through the real server: the same tokens as the
 * other edges, typed keys and every value kind, cursors, the optimistic check an edit carries, and
 * watch streams. What gRPC refuses with the same refusal is in {@link ConsoleRefusalsIT}.
 */
class ConsoleApiIT {
  @TempDir Path dir;

  @Test
  void pageIsServedWithoutTokenButDataNeedsOne() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "rw-token\nro-token readonly\n");
    try (RunningServer server = RunningServer.start(dir.resolve("data"),
        "--auth-tokens-file=" + tokens)) {
      HttpResponse<String> page = new ConsoleHttp(server.consolePort(), null).get("/");
      assertEquals(200, page.statusCode());
      assertTrue(page.body().contains("<title>atomkv console</title>"), page.body());
      assertTrue(page.headers().firstValue("content-security-policy").orElse("")
          .startsWith("default-src 'self'"));
      assertEquals(404, new ConsoleHttp(server.consolePort(), null).get("/pom.xml").statusCode());
      assertNotEquals(200, new ConsoleHttp(server.consolePort(), null).get("/../pom.xml")
          .statusCode());

      KvServiceBlockingStub stub = ConsoleHttp.withToken(server.stub(), "rw-token");
      commitOk(stub, atomic(set(key("secret"), stringValue("s3"))));
      for (String wrong : new String[] {null, "nope"}) {
        ConsoleHttp console = new ConsoleHttp(server.consolePort(), wrong);
        for (String path : List.of("/api/session", "/api/list", "/api/get", "/api/watch")) {
          ConsoleHttp.Answer a = console.post(path, "{\"keys\":[[{\"string\":\"secret\"}]]}");
          assertEquals(401, a.status(), path);
          assertEquals("UNAUTHENTICATED", a.code());
          assertFalse(a.body().toString().contains("s3"));
        }
      }

      ConsoleHttp readOnly = new ConsoleHttp(server.consolePort(), "ro-token");
      assertEquals("read-only", readOnly.ok("/api/session", "{}").get("access").getAsString());
      assertEquals(1, readOnly.ok("/api/list", "{\"prefix\":[]}").getAsJsonArray("entries").size());
      ConsoleHttp.Answer refused = readOnly.post("/api/write",
          "{\"mutations\":[{\"key\":[{\"string\":\"secret\"}],\"delete\":true}]}");
      assertEquals(403, refused.status());
      assertEquals("PERMISSION_DENIED", refused.code());
      assertTrue(Wire.get(stub, key("secret")).hasValue());

      ConsoleHttp readWrite = new ConsoleHttp(server.consolePort(), "rw-token");
      assertEquals("read-write", readWrite.ok("/api/session", "{}").get("access").getAsString());
      assertTrue(readWrite.ok("/api/write",
          "{\"mutations\":[{\"key\":[{\"string\":\"secret\"}],\"delete\":true}]}")
          .get("ok").getAsBoolean());
      assertFalse(Wire.get(stub, key("secret")).hasValue());

      // A page elsewhere may POST text/plain without a preflight; the API takes JSON only.
      HttpResponse<String> plain = readWrite.client().send(readWrite.request("/api/list", "{}")
              .setHeader("Content-Type", "text/plain").build(),
          HttpResponse.BodyHandlers.ofString());
      assertEquals(415, plain.statusCode());
    }
  }

  @Test
  void withoutTokensOnlyRequestsAddressedToLoopbackAreAnswered() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      assertTrue(rawStatusLine(server.consolePort(), "localhost").contains(" 200 "));
      assertTrue(rawStatusLine(server.consolePort(), "127.0.0.1").contains(" 200 "));
      // A rebound name: the browser believes it talks to that site.
      assertTrue(rawStatusLine(server.consolePort(), "evil.example").contains(" 403 "));
    }
  }

  /** A session call with this Host header, sent by hand (HTTP clients will not forge Host). */
  private static String rawStatusLine(int port, String host) throws Exception {
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(10_000);
      socket.getOutputStream().write(("POST /api/session HTTP/1.1\r\nHost: " + host
          + "\r\nContent-Type: application/json\r\nContent-Length: 2\r\n"
          + "Connection: close\r\n\r\n{}").getBytes(StandardCharsets.US_ASCII));
      return new BufferedReader(new InputStreamReader(socket.getInputStream(),
          StandardCharsets.US_ASCII)).readLine();
    }
  }

  @Test
  void everyValueKindReadsAndWritesAsGrpcStoresIt() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      byte[] v8 = V8Writer.write(new JsonValue.Obj(Map.of("n", new JsonValue.Num(42))));
      com.google.protobuf.Value doc = com.google.protobuf.Value.newBuilder().setStructValue(
          Struct.newBuilder().putFields("name", com.google.protobuf.Value.newBuilder()
              .setStringValue("Ada").build())).build();
      commitOk(stub, atomic(set(key("k", "string"), stringValue("héllo")),
          set(key("k", "bytes"), bytesValue(new byte[] {0, 1, (byte) 0xff})),
          set(key("k", "u64"), u64Value(-1L)),
          set(key("k", "json"), Value.newBuilder().setJson(doc).build()),
          set(key("k", "v8"), Value.newBuilder().setV8(ByteString.copyFrom(v8)).build())));
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      JsonObject got = console.ok("/api/get", "{\"keys\":["
          + "[{\"string\":\"k\"},{\"string\":\"string\"}],[{\"string\":\"k\"},{\"string\":\"bytes\"}],"
          + "[{\"string\":\"k\"},{\"string\":\"u64\"}],[{\"string\":\"k\"},{\"string\":\"json\"}],"
          + "[{\"string\":\"k\"},{\"string\":\"v8\"}],[{\"string\":\"k\"},{\"string\":\"none\"}]]}");
      List<String> values = got.getAsJsonArray("entries").asList().stream()
          .map(e -> e.getAsJsonObject().get("value").toString()).toList();
      assertEquals(List.of("{\"kind\":\"string\",\"value\":\"héllo\"}",
          "{\"kind\":\"bytes\",\"value\":\"0001ff\"}",
          "{\"kind\":\"u64\",\"value\":\"18446744073709551615\"}",
          "{\"kind\":\"json\",\"value\":{\"name\":\"Ada\"}}",
          "{\"kind\":\"v8\",\"value\":\"" + HexFormat.of().formatHex(v8)
              + "\",\"decoded\":{\"n\":42}}",
          "null"), values);
      JsonObject first = got.getAsJsonArray("entries").get(0).getAsJsonObject();
      assertEquals(20, first.get("versionstamp").getAsString().length());
      assertEquals(0, first.get("expiresAtMs").getAsLong());

      // Written by the console, read by gRPC: the same stored values.
      console.ok("/api/write", "{\"mutations\":["
          + "{\"key\":[{\"string\":\"w\"},{\"int\":\"42\"}],\"set\":{\"kind\":\"json\","
          + "\"value\":{\"name\":\"Ada\"}}},"
          + "{\"key\":[{\"string\":\"w\"},{\"number\":1.5}],\"set\":{\"kind\":\"v8\","
          + "\"json\":{\"n\":42}},\"expireInMs\":3600000},"
          + "{\"key\":[{\"string\":\"w\"},{\"boolean\":true}],\"set\":{\"kind\":\"u64\","
          + "\"value\":\"18446744073709551615\"}},"
          + "{\"key\":[{\"string\":\"w\"},{\"bytes\":\"00ff\"}],\"sum\":\"5\"}]}");
      assertEquals(doc, Wire.get(stub, key("w", 42L)).getValue().getJson());
      Entry expiring = Wire.get(stub, key("w", 1.5));
      assertEquals(ByteString.copyFrom(v8), expiring.getValue().getV8());
      assertTrue(expiring.getExpiresAtMs() > System.currentTimeMillis() + 3_500_000);
      assertEquals(-1L, Wire.get(stub, key("w", true)).getValue().getU64());
      assertEquals(5L, Wire.get(stub, key("w", new byte[] {0, (byte) 0xff})).getValue().getU64());
    }
  }

  @Test
  void pagesForwardAndBackWithDenoCursors() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      commitOk(server.stub(), atomic(set(key("a"), stringValue("")),
          set(key("a", "a"), stringValue("")), set(key("a", "b"), stringValue("")),
          set(key("a", "c"), stringValue("")), set(key("a", "d"), stringValue("")),
          set(key("a", "e"), stringValue(""))));
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      String prefix = "\"prefix\":[{\"string\":\"a\"}],\"limit\":2";
      JsonObject page = console.ok("/api/list", "{" + prefix + "}");
      assertEquals("AmIA", page.get("cursor").getAsString());
      assertEquals(List.of("a", "b"), lastParts(page));
      page = console.ok("/api/list", "{" + prefix + ",\"cursor\":\"AmIA\"}");
      assertEquals(List.of("c", "d"), lastParts(page));
      page = console.ok("/api/list", "{" + prefix + ",\"cursor\":\"" + page.get("cursor")
          .getAsString() + "\"}");
      assertEquals(List.of("e"), lastParts(page));
      assertEquals("", page.get("cursor").getAsString());

      page = console.ok("/api/list", "{" + prefix + ",\"reverse\":true}");
      assertEquals(List.of("e", "d"), lastParts(page));
      assertEquals("AmQA", page.get("cursor").getAsString());
      page = console.ok("/api/list", "{" + prefix + ",\"reverse\":true,\"cursor\":\"AmQA\"}");
      assertEquals(List.of("c", "b"), lastParts(page));
    }
  }

  private static List<String> lastParts(JsonObject page) {
    return page.getAsJsonArray("entries").asList().stream()
        .map(e -> e.getAsJsonObject().getAsJsonArray("key").get(1).getAsJsonObject()
            .get("string").getAsString())
        .toList();
  }

  @Test
  void anEditCarryingAnOldVersionstampIsRefusedNotApplied() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      ByteString shown = commitOk(server.stub(), atomic(set(key("doc"), stringValue("v1"))));
      commitOk(server.stub(), atomic(set(key("doc"), stringValue("v2 from gRPC"))));
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      String edit = "{\"checks\":[{\"key\":[{\"string\":\"doc\"}],\"versionstamp\":\""
          + HexFormat.of().formatHex(shown.toByteArray()) + "\"}],"
          + "\"mutations\":[{\"key\":[{\"string\":\"doc\"}],\"set\":{\"kind\":\"string\","
          + "\"value\":\"v2 from the console\"}}]}";
      JsonObject result = console.ok("/api/write", edit);
      assertFalse(result.get("ok").getAsBoolean());
      assertEquals("[0]", result.get("failedChecks").toString());
      assertNull(result.get("versionstamp"));
      assertEquals("v2 from gRPC", Wire.get(server.stub(), key("doc")).getValue().getString());
    }
  }

  @Test
  void watchStreamsEachChangeAsAJsonLine() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      ConsoleHttp console = new ConsoleHttp(server.consolePort(), null);
      HttpResponse<java.io.InputStream> stream = console.client().send(console.request(
              "/api/watch", "{\"keys\":[[{\"string\":\"live\"}]]}").build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, stream.statusCode());
      assertEquals("application/x-ndjson", stream.headers().firstValue("content-type")
          .orElse(""));
      try (BufferedReader lines = new BufferedReader(
          new InputStreamReader(stream.body(), StandardCharsets.UTF_8))) {
        JsonObject first = JsonParser.parseString(lines.readLine()).getAsJsonObject();
        JsonObject key = first.getAsJsonArray("keys").get(0).getAsJsonObject();
        assertTrue(key.get("changed").getAsBoolean());
        assertTrue(key.get("entry").isJsonNull());
        commitOk(server.stub(), atomic(set(key("live"), stringValue("now"))));
        // Blank lines are keep-alives, one every few seconds: a change shows within two.
        String line = lines.readLine();
        for (int keepalives = 0; line != null && line.isBlank() && keepalives < 2; keepalives++) {
          line = lines.readLine();
        }
        JsonObject entry = JsonParser.parseString(line).getAsJsonObject()
            .getAsJsonArray("keys").get(0).getAsJsonObject().getAsJsonObject("entry");
        assertEquals("{\"kind\":\"string\",\"value\":\"now\"}", entry.get("value").toString());
      }
    }
  }
}
