package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.Message;
import com.google.protobuf.Struct;
import com.google.protobuf.util.JsonFormat;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KeyCodec;
import dev.atomkv.client.KvValue;
import dev.atomkv.server.kvconnect.wire.AtomicWrite;
import dev.atomkv.server.kvconnect.wire.AtomicWriteOutput;
import dev.atomkv.server.kvconnect.wire.AtomicWriteStatus;
import dev.atomkv.server.kvconnect.wire.Check;
import dev.atomkv.server.kvconnect.wire.Enqueue;
import dev.atomkv.server.kvconnect.wire.Mutation;
import dev.atomkv.server.kvconnect.wire.MutationType;
import dev.atomkv.server.kvconnect.wire.ReadRange;
import dev.atomkv.server.kvconnect.wire.SnapshotRead;
import dev.atomkv.server.kvconnect.wire.SnapshotReadOutput;
import dev.atomkv.server.kvconnect.wire.SnapshotReadStatus;
import dev.atomkv.server.kvconnect.wire.ValueEncoding;
import io.grpc.ClientInterceptors;
import io.grpc.Metadata;
import io.grpc.stub.MetadataUtils;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * KV Connect on the wire, with raw HTTP/1.1 requests: the metadata exchange field by field, the
 * data path headers, every server-side limit and refusal (Deno's own client stops most of these
 * before they leave), V8 sums with bounds, rollback, and values crossing to gRPC.
 */
class KvConnectHttpIT {
  static final String TOKEN = "http-it-token";
  static final String READONLY_TOKEN = "http-it-readonly-token";
  private static final HexFormat HEX = HexFormat.of();

  @TempDir static Path dir;
  private static RunningServer server;
  private static KvClient grpc;
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(10)).build();
  private static String databaseId;

  @BeforeAll
  static void start() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, TOKEN + "\n" + READONLY_TOKEN + " readonly\n");
    server = RunningServer.start(dir.resolve("data"), "--auth-tokens-file=" + tokens);
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + TOKEN);
    grpc = KvClient.create(ClientInterceptors.intercept(server.channel(),
        MetadataUtils.newAttachHeadersInterceptor(headers)));
    databaseId = metadata("{\"supportedVersions\":[1,2,3]}", TOKEN).get("databaseId");
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  // ---- metadata exchange

  @Test
  void metadataExchangeAnswersExactlyTheFieldsDenoKnows() throws Exception {
    HttpResponse<String> r = post("/", "{\"supportedVersions\":[1,2,3]}", TOKEN, false);
    assertEquals(200, r.statusCode());
    assertEquals("application/json", r.headers().firstValue("content-type").orElse(""));
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(r.body(), b);
    Map<String, com.google.protobuf.Value> f = b.getFieldsMap();
    assertEquals(List.of("version", "databaseId", "endpoints", "token", "expiresAt"),
        List.copyOf(f.keySet()));
    assertEquals(3, f.get("version").getNumberValue());
    assertTrue(r.body().contains("\"version\":3"), "an integer, not 3.0: " + r.body());
    assertTrue(f.get("databaseId").getStringValue()
        .matches("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"));
    Struct endpoint = f.get("endpoints").getListValue().getValues(0).getStructValue();
    assertEquals(1, f.get("endpoints").getListValue().getValuesCount());
    assertEquals("/v2", endpoint.getFieldsOrThrow("url").getStringValue());
    assertEquals("strong", endpoint.getFieldsOrThrow("consistency").getStringValue());
    assertEquals(TOKEN, f.get("token").getStringValue());
    String expires = f.get("expiresAt").getStringValue();
    assertTrue(expires.endsWith("Z"), expires);
    assertTrue(Instant.parse(expires).isAfter(Instant.now().plusSeconds(60)), expires);
  }

  @Test
  void metadataExchangeNegotiatesTheVersion() throws Exception {
    assertEquals("2", metadata("{\"supportedVersions\":[1,2]}", TOKEN).get("version"));
    HttpResponse<String> onlyOne = post("/", "{\"supportedVersions\":[1]}", TOKEN, false);
    assertEquals(400, onlyOne.statusCode());
    assertTrue(onlyOne.body().contains("version 1 is not supported"), onlyOne.body());
    assertEquals(400, post("/", "not json", TOKEN, false).statusCode());
    assertEquals(400, post("/", "{\"other\":1}", TOKEN, false).statusCode());
  }

  /**
   * A request refused for its token before its body was read must leave the connection usable:
   * the client sends its next request on the same pooled connection.
   */
  @Test
  void aRefusedRequestLeavesItsConnectionUsableForTheNext() throws Exception {
    String padding = "{\"supportedVersions\":[3],\"pad\":\"" + "x".repeat(200_000) + "\"}";
    for (int i = 0; i < 20; i++) {
      assertEquals(401, post("/", padding, "wrong", false).statusCode());
      assertEquals(200, post("/", "{\"supportedVersions\":[3]}", TOKEN, false).statusCode());
    }
  }

  @Test
  void everyRequestNeedsAKnownToken() throws Exception {
    assertEquals(401, post("/", "{\"supportedVersions\":[3]}", null, false).statusCode());
    assertEquals(401, post("/", "{\"supportedVersions\":[3]}", "wrong", false).statusCode());
    HttpResponse<byte[]> r = data("snapshot_read", SnapshotRead.getDefaultInstance(), "wrong");
    assertEquals(401, r.statusCode());
    // A read-only token gets the metadata and reads.
    assertEquals(READONLY_TOKEN, metadata("{\"supportedVersions\":[3]}", READONLY_TOKEN)
        .get("token"));
    assertEquals(200, data("snapshot_read", read(range(key("x"), 1)), READONLY_TOKEN)
        .statusCode());
  }

  @Test
  void readOnlyTokensCannotWrite() throws Exception {
    HttpResponse<byte[]> r = data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(set(key("ro"), v8("ff0f4902"))).build(), READONLY_TOKEN);
    assertEquals(400, r.statusCode());
    assertEquals("This database is read only.", text(r));
    assertFalse(grpc.get(Key.of("ro")).exists());
  }

  @Test
  void databaseIdIsStableAcrossRestarts() throws Exception {
    server.restart();
    assertEquals(databaseId, metadata("{\"supportedVersions\":[3]}", TOKEN).get("databaseId"));
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + TOKEN);
    grpc = KvClient.create(ClientInterceptors.intercept(server.channel(),
        MetadataUtils.newAttachHeadersInterceptor(headers)));
  }

  @Test
  void dataPathChecksItsHeadersMethodAndPath() throws Exception {
    byte[] body = read(range(key("x"), 1)).toByteArray();
    HttpRequest.Builder base = HttpRequest.newBuilder(uri("/v2/snapshot_read"))
        .header("authorization", "Bearer " + TOKEN)
        .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    assertEquals(400, HTTP.send(base.copy().header("x-denokv-database-id", databaseId).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode(), "no version header");
    HttpResponse<String> wrongId = HTTP.send(base.copy().header("x-denokv-version", "3")
        .header("x-denokv-database-id", "00000000-0000-0000-0000-000000000000").build(),
        HttpResponse.BodyHandlers.ofString());
    assertEquals(400, wrongId.statusCode());
    assertTrue(wrongId.body().contains(databaseId), wrongId.body());
    assertEquals(400, HTTP.send(base.copy().header("x-denokv-version", "1")
        .header("x-denokv-database-id", databaseId).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode(), "version 1");
    assertEquals(200, HTTP.send(base.copy().header("x-denokv-version", "2")
        .header("x-transaction-domain-id", databaseId).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode(), "the older id header");
    assertEquals(405, HTTP.send(HttpRequest.newBuilder(uri("/")).GET().build(),
        HttpResponse.BodyHandlers.ofString()).statusCode());
    assertEquals(404, post("/v1/snapshot_read", "", TOKEN, false).statusCode());
    assertEquals(404, post("/v2/nothing", "", TOKEN, true).statusCode());
  }

  // ---- snapshot_read and atomic_write

  @Test
  void writesAndReadsEveryRangeFromOneSnapshot() throws Exception {
    AtomicWriteOutput w = write(AtomicWrite.newBuilder()
        .addMutations(set(key("snap", "a"), v8("ff0f4902")))
        .addMutations(set(key("snap", "b"), bytes(new byte[] {1, 2})))
        .addMutations(set(key("snap", "c"), le64(7)))
        .build());
    assertEquals(AtomicWriteStatus.AW_SUCCESS, w.getStatus());
    assertEquals(10, w.getVersionstamp().size());
    byte[] prefix = key("snap");
    SnapshotReadOutput out = SnapshotReadOutput.parseFrom(body(data("snapshot_read", read(
        ReadRange.newBuilder().setStart(plus(prefix, 0)).setEnd(plus(prefix, 0xff)).setLimit(10)
            .build(),
        ReadRange.newBuilder().setStart(plus(prefix, 0)).setEnd(plus(prefix, 0xff)).setLimit(1)
            .setReverse(true).build(),
        range(key("snap", "missing"), 1)), TOKEN)));
    assertEquals(SnapshotReadStatus.SR_SUCCESS, out.getStatus());
    assertTrue(out.getReadIsStronglyConsistent());
    assertEquals(3, out.getRangesCount());
    List<dev.atomkv.server.kvconnect.wire.KvEntry> all = out.getRanges(0).getValuesList();
    assertEquals(3, all.size());
    assertEquals(ValueEncoding.VE_V8, all.get(0).getEncoding());
    assertEquals("ff0f4902", HEX.formatHex(all.get(0).getValue().toByteArray()));
    assertEquals(ValueEncoding.VE_BYTES, all.get(1).getEncoding());
    assertEquals(ValueEncoding.VE_LE64, all.get(2).getEncoding());
    assertEquals("0700000000000000", HEX.formatHex(all.get(2).getValue().toByteArray()));
    for (var e : all) {
      assertEquals(w.getVersionstamp(), e.getVersionstamp());
    }
    assertEquals(all.get(2), out.getRanges(1).getValues(0));
    assertEquals(0, out.getRanges(2).getValuesCount());
  }

  @Test
  void failedChecksAreAllListed() throws Exception {
    byte[] k = key("checks", "k");
    ByteString vs = write(AtomicWrite.newBuilder().addMutations(set(k, v8("ff0f4902"))).build())
        .getVersionstamp();
    AtomicWriteOutput out = write(AtomicWrite.newBuilder()
        .addChecks(Check.newBuilder().setKey(ByteString.copyFrom(k)).setVersionstamp(vs))
        .addChecks(Check.newBuilder().setKey(ByteString.copyFrom(k))) // must not exist
        .addChecks(Check.newBuilder().setKey(ByteString.copyFrom(key("checks", "other")))
            .setVersionstamp(vs))
        .addMutations(set(k, v8("ff0f4904")))
        .build());
    assertEquals(AtomicWriteStatus.AW_CHECK_FAILURE, out.getStatus());
    assertEquals(List.of(1, 2), out.getFailedChecksList());
    assertTrue(out.getVersionstamp().isEmpty());
  }

  @Test
  void aFailedMutationRollsBackTheWholeWrite() throws Exception {
    grpc.set(Key.of("rollback", "text"), KvValue.of("not a number"));
    HttpResponse<byte[]> r = data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(set(key("rollback", "first"), v8("ff0f4902")))
        .addMutations(mutation(MutationType.M_SUM, key("rollback", "text"), le64(1)))
        .build(), TOKEN);
    assertEquals(400, r.statusCode());
    assertEquals("Failed to perform 'sum' mutation on a non-U64 value in the database", text(r));
    assertFalse(grpc.get(Key.of("rollback", "first")).exists());
  }

  @Test
  void versionstampedKeysGetTheCommitVersionstampAsAStringPart() throws Exception {
    AtomicWriteOutput out = write(AtomicWrite.newBuilder().addMutations(
        mutation(MutationType.M_SET_SUFFIX_VERSIONSTAMPED_KEY, key("log"), v8("ff0f4902")))
        .build());
    String hex = HEX.formatHex(out.getVersionstamp().toByteArray());
    KvEntry e = grpc.get(Key.of("log", hex));
    assertTrue(e.exists(), "no entry at [\"log\", \"" + hex + "\"]");
    assertEquals(hex, e.versionstamp().toString());
  }

  @Test
  void expireAtMsExpiresTheKey() throws Exception {
    long at = System.currentTimeMillis() + 1500;
    write(AtomicWrite.newBuilder().addMutations(set(key("exp"), v8("ff0f4902")).toBuilder()
        .setExpireAtMs(at)).build());
    KvEntry e = grpc.get(Key.of("exp"));
    assertTrue(e.exists());
    assertEquals(Instant.ofEpochMilli(at), e.expiresAt());
    long deadline = System.currentTimeMillis() + 30_000;
    while (grpc.get(Key.of("exp")).exists()) {
      assertTrue(System.currentTimeMillis() < deadline, "key did not expire");
      Thread.sleep(100);
    }
    assertEquals(400, data("atomic_write", AtomicWrite.newBuilder().addMutations(
        set(key("exp2"), v8("ff0f4902")).toBuilder().setExpireAtMs(1L << 53)).build(), TOKEN)
        .statusCode());
  }

  // ---- V8 sums

  @Test
  void sumsOfNumbersKeepWithinTheirBoundsOrFail() throws Exception {
    byte[] k = key("sum", "n");
    write(AtomicWrite.newBuilder().addMutations(set(k, v8("ff0f4914"))).build()); // 10
    // 10 + 1.5, at most 11, clamped
    write(AtomicWrite.newBuilder().addMutations(sum(k, "ff0f4e000000000000f83f", "",
        "ff0f4916", true)).build());
    assertEquals(KvValue.json(11.0), grpc.get(Key.of("sum", "n")).value(),
        "a number sum stays json, readable over gRPC");
    HttpResponse<byte[]> over = data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(set(key("sum", "side"), v8("ff0f4902")))
        .addMutations(sum(k, "ff0f4902", "", "ff0f4916", false)).build(), TOKEN);
    assertEquals(400, over.statusCode());
    assertEquals("The result of a Sum operation would exceed its range limit", text(over));
    assertFalse(grpc.get(Key.of("sum", "side")).exists());
    // at least 0, clamped
    write(AtomicWrite.newBuilder().addMutations(sum(k, "ff0f4e000000000000f0c0", "ff0f4900", "",
        true)).build()); // + -65536
    assertEquals(KvValue.json(0.0), grpc.get(Key.of("sum", "n")).value());
    HttpResponse<byte[]> mixed = data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(sum(k, "ff0f4902", "ff0f5a00", "", false)).build(), TOKEN);
    assertEquals("Min/max parameters have different types than the operand", text(mixed));
  }

  @Test
  void sumsOfBigintsAndIntoGrpcValues() throws Exception {
    byte[] b = key("sum", "big");
    write(AtomicWrite.newBuilder().addMutations(sum(b, "ff0f5a100100000000000000", "", "",
        false)).build()); // missing: takes 1n
    write(AtomicWrite.newBuilder().addMutations(sum(b, "ff0f5a2000000000000000000100000000000000",
        "", "", false)).build()); // + 2^64
    assertEquals("ff0f5a2001000000000000000100000000000000",
        HEX.formatHex(grpc.get(Key.of("sum", "big")).value().asV8()), "1n + 2^64 as V8");
    HttpResponse<byte[]> mismatch = data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(sum(b, "ff0f4902", "", "", false)).build(), TOKEN);
    assertEquals("Cannot sum BigInt with Number", text(mismatch));
    // gRPC's json number takes a Deno number sum; its u64 counter takes a bigint sum.
    grpc.set(Key.of("sum", "json"), KvValue.json(2.5));
    write(AtomicWrite.newBuilder().addMutations(sum(key("sum", "json"), "ff0f4902", "", "",
        false)).build());
    assertEquals(KvValue.json(3.5), grpc.get(Key.of("sum", "json")).value());
    grpc.set(Key.of("sum", "u64"), KvValue.u64(-1L));
    write(AtomicWrite.newBuilder().addMutations(sum(key("sum", "u64"),
        "ff0f5a100200000000000000", "", "", false)).build()); // 2n wraps the counter
    assertEquals(KvValue.u64(1), grpc.get(Key.of("sum", "u64")).value());
    assertEquals("Cannot sum KvU64 with Number", text(data("atomic_write", AtomicWrite
        .newBuilder().addMutations(sum(key("sum", "u64"), "ff0f4902", "", "", false)).build(),
        TOKEN)));
    grpc.set(Key.of("sum", "str"), KvValue.of("x"));
    assertEquals("Failed to perform 'sum' mutation on a non-numeric value in the database",
        text(data("atomic_write", AtomicWrite.newBuilder().addMutations(
            sum(key("sum", "str"), "ff0f4902", "", "", false)).build(), TOKEN)));
  }

  @Test
  void operandsOfTheWrongKindAreRefused() throws Exception {
    Map<Mutation, String> cases = Map.of(
        sum(key("op"), "ff0f220161", "", "", false),
        "Some of the parameters are not valid V8 values",
        mutation(MutationType.M_SUM, key("op"), le64(1)).toBuilder()
            .setSumMax(ByteString.copyFrom(HEX.parseHex("ff0f4902"))).build(),
        "Cannot use min/max parameters with KvU64 operands",
        mutation(MutationType.M_MIN, key("op"), v8("ff0f4902")),
        "Failed to perform 'min' mutation on a non-U64 operand",
        mutation(MutationType.M_MAX, key("op"), bytes(new byte[] {1})),
        "Failed to perform 'max' mutation on a non-U64 operand",
        mutation(MutationType.M_SET, key("op"), le64(1)).toBuilder()
            .setValue(dev.atomkv.server.kvconnect.wire.KvValue.newBuilder()
                .setEncoding(ValueEncoding.VE_LE64).setData(ByteString.copyFrom(new byte[3])))
            .build(),
        "Invalid LE64 value: it must be exactly 8 bytes",
        Mutation.newBuilder().setKey(ByteString.copyFrom(key("op")))
            .setMutationType(MutationType.M_UNSPECIFIED).build(),
        "Invalid mutation type");
    for (Map.Entry<Mutation, String> c : cases.entrySet()) {
      HttpResponse<byte[]> r = data("atomic_write",
          AtomicWrite.newBuilder().addMutations(c.getKey()).build(), TOKEN);
      assertEquals(400, r.statusCode(), c.getValue());
      assertEquals(c.getValue(), text(r));
    }
  }

  // ---- limits and malformed requests

  @Test
  void limitsAnswer400WithDenosMessages() throws Exception {
    SnapshotRead.Builder ranges = SnapshotRead.newBuilder();
    for (int i = 0; i < 11; i++) {
      ranges.addRanges(range(key("lim", (long) i), 1));
    }
    expect400(data("snapshot_read", ranges.build(), TOKEN), "Too many ranges (max 10)");
    expect400(data("snapshot_read", read(range(key("lim"), 1001)), TOKEN),
        "Too many entries (max 1000)");
    expect400(data("snapshot_read", read(ReadRange.newBuilder()
        .setStart(ByteString.copyFrom(new byte[2050])).setEnd(plus(new byte[2049], 0))
        .setLimit(1).build()), TOKEN), "Key too large for read (max 2049 bytes)");
    expect400(data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(set(bytesKey(2049), v8("ff0f4902"))).build(), TOKEN),
        "Key too large for write (max 2048 bytes)");
    assertEquals(AtomicWriteStatus.AW_SUCCESS, write(AtomicWrite.newBuilder()
        .addMutations(set(bytesKey(2048), v8("ff0f4902"))).build()).getStatus());
    expect400(data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(set(key("lim", "v"), bytes(new byte[65537]))).build(), TOKEN),
        "Value too large (max 65536 bytes)");
    AtomicWrite.Builder checks = AtomicWrite.newBuilder();
    AtomicWrite.Builder mutations = AtomicWrite.newBuilder();
    AtomicWrite.Builder big = AtomicWrite.newBuilder();
    for (long i = 0; i < 1001; i++) {
      if (i < 101) {
        checks.addChecks(Check.newBuilder().setKey(ByteString.copyFrom(key("lim", i))));
      }
      mutations.addMutations(set(key("lim", i), v8("ff0f4902")));
      if (i < 100) {
        big.addMutations(set(key("lim", i), bytes(new byte[9000])));
      }
    }
    expect400(data("atomic_write", checks.build(), TOKEN), "Too many checks (max 100)");
    expect400(data("atomic_write", mutations.build(), TOKEN), "Too many mutations (max 1000)");
    expect400(data("atomic_write", big.build(), TOKEN),
        "Total mutation size too large (max 819200 bytes)");
  }

  @Test
  void malformedRequestsAreRefused() throws Exception {
    // 0x15 0x00 is the integer 0 written with a needless byte; 0x03 is no key part at all.
    for (String hex : List.of("1500", "03", "0261")) {
      HttpResponse<byte[]> r = data("atomic_write", AtomicWrite.newBuilder()
          .addMutations(set(HEX.parseHex(hex), v8("ff0f4902"))).build(), TOKEN);
      assertEquals(400, r.statusCode(), hex);
    }
    expect400(data("atomic_write", AtomicWrite.newBuilder()
        .addMutations(set(new byte[0], v8("ff0f4902"))).build(), TOKEN), "key cannot be empty");
    expect400(data("atomic_write", AtomicWrite.newBuilder()
        .addChecks(Check.newBuilder().setKey(ByteString.copyFrom(key("c")))
            .setVersionstamp(ByteString.copyFrom(new byte[3]))).build(), TOKEN),
        "Invalid versionstamp");
    expect400(data("atomic_write", AtomicWrite.newBuilder()
        .addEnqueues(Enqueue.newBuilder().setPayload(ByteString.copyFrom(HEX.parseHex("ff0f30"))))
        .build(), TOKEN), "Enqueue operations are not supported in KV Connect");
    HttpResponse<String> garbage = post("/v2/atomic_write", "\u0001\u0002garbage", TOKEN, true);
    assertEquals(400, garbage.statusCode());
    assertTooLargeIsRefused("x".repeat(9 << 20));
    // The server keeps serving.
    assertEquals(AtomicWriteStatus.AW_SUCCESS, write(AtomicWrite.newBuilder()
        .addMutations(set(key("still", "fine"), v8("ff0f4902"))).build()).getStatus());
  }

  // ---- values across the protocols

  @Test
  void grpcValuesReachDenoAsV8AndDenoJsonReachesGrpcAsJson() throws Exception {
    grpc.atomic()
        .set(Key.of("x", "s"), KvValue.of("h€llo"))
        .set(Key.of("x", "j"), KvValue.json(Map.of("a", List.of(1, "b"))))
        .commit();
    SnapshotReadOutput out = SnapshotReadOutput.parseFrom(body(data("snapshot_read", read(
        range(key("x", "s"), 1), range(key("x", "j"), 1)), TOKEN)));
    assertEquals("ff0f630a6800ac206c006c006f00",
        HEX.formatHex(out.getRanges(0).getValues(0).getValue().toByteArray()));
    assertEquals("ff0f6f220161410249022201622400027b01",
        HEX.formatHex(out.getRanges(1).getValues(0).getValue().toByteArray()));
    // {"k": [true, null]} as Node writes it
    write(AtomicWrite.newBuilder().addMutations(set(key("x", "d"),
        v8("ff0f6f22016b410254302400027b01"))).build());
    assertEquals(KvValue.json(Map.of("k", java.util.Arrays.asList(true, null))),
        grpc.get(Key.of("x", "d")).value());
    write(AtomicWrite.newBuilder().addMutations(set(key("x", "t"), v8("ff0f220568656c6c6f")))
        .build());
    assertEquals(KvValue.of("hello"), grpc.get(Key.of("x", "t")).value());
  }

  // ---- helpers

  private static void expect400(HttpResponse<byte[]> r, String message) {
    assertEquals(400, r.statusCode(), message);
    assertEquals(message, text(r));
  }

  static byte[] key(Object... parts) {
    return KeyCodec.encode(Key.of(parts));
  }

  private static byte[] bytesKey(int encodedLength) {
    byte[] part = new byte[encodedLength - 2];
    java.util.Arrays.fill(part, (byte) 1); // no zero bytes: those take two bytes encoded
    return KeyCodec.encode(Key.of((Object) part));
  }

  private static ByteString plus(byte[] key, int b) {
    byte[] out = java.util.Arrays.copyOf(key, key.length + 1);
    out[key.length] = (byte) b;
    return ByteString.copyFrom(out);
  }

  private static ReadRange range(byte[] key, int limit) {
    return ReadRange.newBuilder().setStart(ByteString.copyFrom(key)).setEnd(plus(key, 0))
        .setLimit(limit).build();
  }

  private static SnapshotRead read(ReadRange... ranges) {
    return SnapshotRead.newBuilder().addAllRanges(List.of(ranges)).build();
  }

  private static dev.atomkv.server.kvconnect.wire.KvValue v8(String hex) {
    return dev.atomkv.server.kvconnect.wire.KvValue.newBuilder()
        .setEncoding(ValueEncoding.VE_V8).setData(ByteString.copyFrom(HEX.parseHex(hex))).build();
  }

  private static dev.atomkv.server.kvconnect.wire.KvValue bytes(byte[] b) {
    return dev.atomkv.server.kvconnect.wire.KvValue.newBuilder()
        .setEncoding(ValueEncoding.VE_BYTES).setData(ByteString.copyFrom(b)).build();
  }

  private static dev.atomkv.server.kvconnect.wire.KvValue le64(long v) {
    return dev.atomkv.server.kvconnect.wire.KvValue.newBuilder()
        .setEncoding(ValueEncoding.VE_LE64).setData(ByteString.copyFrom(
            ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array())).build();
  }

  private static Mutation set(byte[] key, dev.atomkv.server.kvconnect.wire.KvValue value) {
    return mutation(MutationType.M_SET, key, value);
  }

  private static Mutation mutation(MutationType type, byte[] key,
      dev.atomkv.server.kvconnect.wire.KvValue value) {
    return Mutation.newBuilder().setKey(ByteString.copyFrom(key)).setMutationType(type)
        .setValue(value).build();
  }

  private static Mutation sum(byte[] key, String operand, String min, String max, boolean clamp) {
    return mutation(MutationType.M_SUM, key, v8(operand)).toBuilder()
        .setSumMin(ByteString.copyFrom(HEX.parseHex(min)))
        .setSumMax(ByteString.copyFrom(HEX.parseHex(max)))
        .setSumClamp(clamp).build();
  }

  private static AtomicWriteOutput write(AtomicWrite w) throws Exception {
    HttpResponse<byte[]> r = data("atomic_write", w, TOKEN);
    assertEquals(200, r.statusCode(), () -> text(r));
    return AtomicWriteOutput.parseFrom(r.body());
  }

  private static byte[] body(HttpResponse<byte[]> r) {
    assertEquals(200, r.statusCode(), () -> text(r));
    assertEquals("application/x-protobuf", r.headers().firstValue("content-type").orElse(""));
    return r.body();
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), java.nio.charset.StandardCharsets.UTF_8);
  }

  private static URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.kvConnectPort() + path);
  }

  static HttpResponse<byte[]> data(String endpoint, Message body, String token)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri("/v2/" + endpoint))
        .header("x-denokv-version", "3")
        .header("x-denokv-database-id", databaseId)
        .header("content-type", "application/x-protobuf")
        .POST(HttpRequest.BodyPublishers.ofByteArray(body.toByteArray()));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  /**
   * A body over the limit is answered 413 before the server has read it all, and the server then
   * closes the connection; a client still sending may see that close instead of the answer. Both
   * are a refusal. It goes on a connection of its own, so no other request reuses the closed one.
   */
  private static void assertTooLargeIsRefused(String body) throws Exception {
    HttpClient own = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest request = HttpRequest.newBuilder(uri("/v2/atomic_write"))
        .header("authorization", "Bearer " + TOKEN).header("x-denokv-version", "3")
        .header("x-denokv-database-id", databaseId)
        .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    try {
      assertEquals(413, own.send(request, HttpResponse.BodyHandlers.ofString()).statusCode());
    } catch (java.io.IOException closedWhileSending) {
      // refused by closing the connection: the server keeps serving, checked by the caller
    }
  }

  private static HttpResponse<String> post(String path, String body, String token,
      boolean dataHeaders) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri(path))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("authorization", "Bearer " + token);
    }
    if (dataHeaders) {
      b.header("x-denokv-version", "3").header("x-denokv-database-id", databaseId);
    }
    return HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static Map<String, String> metadata(String request, String token) throws Exception {
    HttpResponse<String> r = post("/", request, token, false);
    assertEquals(200, r.statusCode(), r.body());
    Struct.Builder b = Struct.newBuilder();
    JsonFormat.parser().merge(r.body(), b);
    Map<String, String> out = new java.util.LinkedHashMap<>();
    b.getFieldsMap().forEach((k, v) -> out.put(k, v.hasNumberValue()
        ? Long.toString((long) v.getNumberValue()) : v.getStringValue()));
    return out;
  }
}
