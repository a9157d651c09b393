package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertRefusedAndNothingChanged;
import static dev.atomkv.it.Wire.assertStatus;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.bytesValue;
import static dev.atomkv.it.Wire.checkAbsent;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.delete;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.listOf;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.setSuffixed;
import static dev.atomkv.it.Wire.sizedKey;
import static dev.atomkv.it.Wire.stringValue;
import static dev.atomkv.it.Wire.u64Value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Check;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import io.grpc.Status.Code;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SPEC §5: every limit accepted at its boundary and refused one past it, with the exact message,
 * using Deno's accounting; and every limit is a setting.
 *
 * <p>Key sizes: {@code sizedKey(n, tag)} is one bytes part (0x01, n-2 bytes without 0x00, 0x00),
 * so exactly n encoded bytes.
 */
class LimitsIT {
  static final String WRITE_KEY = "Key too large for write (max 2048 bytes)";
  static final String READ_KEY = "Key too large for read (max 2049 bytes)";
  static final String VALUE = "Value too large (max 65536 bytes)";
  static final String TOTAL_MUTATION = "Total mutation size too large (max 819200 bytes)";
  static final String TOTAL_KEY = "Total key size too large (max 81920 bytes)";

  @TempDir Path dir;

  // ---- keys ----

  @Test
  void writeKeyUpTo2048EncodedBytes() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      Key max = sizedKey(2048, 1);
      Key over = sizedKey(2049, 1);
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY,
          atomic(set(key("ok"), stringValue("v")), set(over, stringValue("v"))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY, atomic(delete(over)));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY, atomic(Wire.sum(over, 1)));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY,
          atomic(List.of(checkAbsent(over)), List.of(set(key("ok"), stringValue("v")))));

      ByteString v = commitOk(stub, atomic(List.of(checkAbsent(max)), List.of(set(max, stringValue("long")))));
      Entry stored = Wire.get(stub, max);
      assertEquals(stringValue("long"), stored.getValue());
      assertEquals(v, stored.getVersionstamp());
      assertEquals(List.of(max), Wire.everything(stub).stream().map(Entry::getKey).toList());
      commitOk(stub, atomic(delete(max)));
      assertFalse(Wire.get(stub, max).hasValue());

      // A 0x00 byte costs two encoded bytes: 1023 zeros → 2 + 2046 = 2048; 1024 zeros → 2050.
      commitOk(stub, atomic(set(key((Object) new byte[1023]), stringValue("zeros"))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY,
          atomic(set(key((Object) new byte[1024]), stringValue("zeros"))));
      // A string part costs 2 + its UTF-8 length: 1023 × "é" → 2048; one more ASCII char → 2049.
      commitOk(stub, atomic(set(key("é".repeat(1023)), stringValue("utf8"))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY,
          atomic(set(key("é".repeat(1023) + "a"), stringValue("utf8"))));
      // Two parts: ["p", bytes(2043)] = 3 + 2045 = 2048.
      commitOk(stub, atomic(set(key("p", Wire.sizedBytes(2043, 2)), stringValue("two parts"))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY,
          atomic(set(key("p", Wire.sizedBytes(2044, 2)), stringValue("two parts"))));

      // A versionstamp suffix adds 22 bytes: a 2026-byte prefix makes a 2048-byte key.
      ByteString suffixed = commitOk(stub, atomic(setSuffixed(sizedKey(2026, 3), stringValue("log"))));
      Key expected = sizedKey(2026, 3).toBuilder().addParts(dev.atomkv.proto.v1.KeyPart.newBuilder()
          .setString(hex(suffixed))).build();
      assertEquals(stringValue("log"), Wire.get(stub, expected).getValue());
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, WRITE_KEY,
          atomic(setSuffixed(sizedKey(2027, 3), stringValue("log"))));
    }
  }

  @Test
  void readKeyUpTo2048EncodedBytesBecauseTheRangeKPlus00MustFit2049() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      Key max = sizedKey(2048, 1);
      commitOk(stub, atomic(set(max, stringValue("v"))));
      assertEquals(stringValue("v"), Wire.get(stub, max).getValue());
      assertFalse(Wire.get(stub, sizedKey(2048, 2)).hasValue());
      assertStatus(Code.INVALID_ARGUMENT, READ_KEY,
          () -> stub.get(GetRequest.newBuilder().addKeys(max).addKeys(sizedKey(2049, 1)).build()));

      // List bounds: a 2048-byte prefix derives [P+00, P+FF), 2049 bytes each; 2049 → 2050.
      assertEquals(0, Wire.list(stub, sizedKey(2048, 1)).size());
      assertStatus(Code.INVALID_ARGUMENT, READ_KEY,
          () -> stub.list(ListRequest.newBuilder().setPrefix(sizedKey(2049, 1)).build()));
      assertEquals(1, stub.list(ListRequest.newBuilder()
          .setStart(max).setEnd(sizedKey(2049, 1)).build()).getEntriesCount());
      assertStatus(Code.INVALID_ARGUMENT, READ_KEY, () -> stub.list(ListRequest.newBuilder()
          .setStart(max).setEnd(sizedKey(2050, 1)).build()));
    }
  }

  // ---- values ----

  @Test
  void valueUpTo65536CountedBytes() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, VALUE,
          atomic(set(key("ok"), stringValue("v")), set(key("b"), bytesValue(65537))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, VALUE,
          atomic(set(key("v8"), Wire.v8Value(new byte[65537]))));
      // Strings count UTF-8 bytes, not chars: 32768 × "é" is 65536 bytes; one more char is over.
      String text = "é".repeat(32768);
      assertEquals(65536, Wire.utf8Length(text));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, VALUE,
          atomic(set(key("s"), stringValue(text + "a"))));
      // 21846 × "€" is only 21846 chars but 65538 bytes.
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, VALUE,
          atomic(set(key("s"), stringValue("€".repeat(21846)))));
      // json counts its serialised google.protobuf.Value size.
      com.google.protobuf.Value json = jsonOfSerialisedSize(65536);
      com.google.protobuf.Value jsonOver = jsonOfSerialisedSize(65537);
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, VALUE,
          atomic(set(key("j"), Wire.jsonValue(jsonOver))));

      commitOk(stub, atomic(set(key("b"), bytesValue(65536))));
      commitOk(stub, atomic(set(key("v8"), Wire.v8Value(new byte[65536]))));
      commitOk(stub, atomic(set(key("s"), stringValue(text))));
      commitOk(stub, atomic(set(key("j"), Wire.jsonValue(json))));
      assertEquals(bytesValue(65536), Wire.get(stub, key("b")).getValue());
      assertEquals(stringValue(text), Wire.get(stub, key("s")).getValue());
      assertEquals(Wire.jsonValue(json), Wire.get(stub, key("j")).getValue());
      assertEquals(65536, Wire.get(stub, key("v8")).getValue().getV8().size());
    }
  }

  /** A json string document whose serialised google.protobuf.Value is exactly {@code size} bytes. */
  private static com.google.protobuf.Value jsonOfSerialisedSize(int size) {
    for (int len = size; len > 0; len--) {
      com.google.protobuf.Value v = com.google.protobuf.Value.newBuilder()
          .setStringValue("j".repeat(len)).build();
      if (v.getSerializedSize() == size) {
        return v;
      }
    }
    throw new AssertionError("no json string of serialised size " + size);
  }

  // ---- counts ----

  @Test
  void getUpTo1000Keys() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      commitOk(stub, atomic(set(key("g", 999), stringValue("last"))));
      List<Key> keys = listOf(1000, i -> key("g", i));
      GetResponse r = stub.get(GetRequest.newBuilder().addAllKeys(keys).build());
      assertEquals(1000, r.getEntriesCount());
      assertEquals(stringValue("last"), r.getEntries(999).getValue());
      assertEquals(key("g", 999), r.getEntries(999).getKey());
      assertFalse(r.getEntries(998).hasValue());
      assertStatus(Code.INVALID_ARGUMENT, "Too many keys (max 1000)", () -> stub.get(
          GetRequest.newBuilder().addAllKeys(listOf(1001, i -> key("g", i))).build()));
      // No keys is no entries, as Deno's getMany([]) answers [].
      assertEquals(0, stub.get(GetRequest.getDefaultInstance()).getEntriesCount());
    }
  }

  @Test
  void listPageUpTo1000Entries() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      commitOk(stub, atomic(set(key("a"), stringValue("v"))));
      assertEquals(1, stub.list(ListRequest.newBuilder().setPrefix(Key.getDefaultInstance())
          .setLimit(1000).build()).getEntriesCount());
      assertStatus(Code.INVALID_ARGUMENT, "Too many entries (max 1000)", () -> stub.list(
          ListRequest.newBuilder().setPrefix(Key.getDefaultInstance()).setLimit(1001).build()));
    }
  }

  @Test
  void atomicUpTo100Checks() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Too many checks (max 100)",
          atomic(listOf(101, i -> checkAbsent(key("c", i))), List.of(set(key("ok"), stringValue("v")))));
      commitOk(stub, atomic(listOf(100, i -> checkAbsent(key("c", i))), List.of(set(key("ok"), stringValue("v")))));
      assertEquals(stringValue("v"), Wire.get(stub, key("ok")).getValue());
    }
  }

  @Test
  void atomicUpTo1000Mutations() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Too many mutations (max 1000)",
          atomic(List.of(), listOf(1001, i -> Wire.sum(key("m", i), 1))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Too many mutations (max 1000)",
          atomic(List.of(), listOf(1001, i -> delete(key("m", i)))));
      ByteString v = commitOk(stub, atomic(List.of(), listOf(1000, i -> Wire.sum(key("m", i), i))));
      Entry last = Wire.get(stub, key("m", 999));
      assertEquals(u64Value(999), last.getValue());
      assertEquals(v, last.getVersionstamp());
      assertFalse(Wire.get(stub, key("m", 1000)).hasValue());
    }
  }

  // ---- totals, with Deno's accounting ----

  /**
   * Total mutation size = Σ check keys + Σ mutation keys + Σ (value + key) of value-carrying
   * mutations. With the default sizes (10, 10, 10, 32296):
   * check 10 + delete 10 + sum (10+8+10) + versionstamp-suffixed set ((10+22)+100+(10+22))
   * + 12 sets of (10+65536+10) + final set (10+32296+10) = 819200.
   */
  private static AtomicRequest accounting(int checkKey, int deleteKey, int finalKey, int finalValue) {
    List<Mutation> m = new ArrayList<>();
    m.add(delete(sizedKey(deleteKey, 2)));
    m.add(Wire.sum(sizedKey(10, 3), 1));
    m.add(setSuffixed(sizedKey(10, 4), bytesValue(100)));
    for (int i = 0; i < 12; i++) {
      m.add(set(sizedKey(10, 10 + i), bytesValue(65536)));
    }
    m.add(set(sizedKey(finalKey, 30), bytesValue(finalValue)));
    List<Check> checks = List.of(checkAbsent(sizedKey(checkKey, 1)));
    return atomic(checks, m);
  }

  @Test
  void totalMutationSizeUpTo819200Bytes() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      // One byte over, from each part of the sum.
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, TOTAL_MUTATION, accounting(10, 10, 10, 32297));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, TOTAL_MUTATION, accounting(11, 10, 10, 32296));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, TOTAL_MUTATION, accounting(10, 11, 10, 32296));
      // A set's key counts twice: one more key byte for one less value byte is still one over.
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, TOTAL_MUTATION, accounting(10, 10, 11, 32295));

      // Exactly 819200, three ways: check and delete keys count once.
      ByteString v = commitOk(stub, accounting(10, 10, 10, 32296));
      commitOk(stub, accounting(11, 10, 10, 32295));
      commitOk(stub, accounting(10, 11, 10, 32295));
      assertEquals(bytesValue(32295), Wire.get(stub, sizedKey(10, 30)).getValue());
      Key suffixed = sizedKey(10, 4).toBuilder().addParts(dev.atomkv.proto.v1.KeyPart.newBuilder()
          .setString(hex(v))).build();
      assertEquals(bytesValue(100), Wire.get(stub, suffixed).getValue());
      assertEquals(u64Value(3), Wire.get(stub, sizedKey(10, 3)).getValue());
    }
  }

  @Test
  void totalKeySizeUpTo81920Bytes() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      // 39 × 2048 + (2025 + 22 suffix) + 1 ([0n]) = 81920; with [1n] (2 bytes) 81921. The check
      // and the delete, 2048 bytes each, carry no value and do not count.
      java.util.function.Function<Key, AtomicRequest> request = last -> {
        List<Mutation> m = new ArrayList<>(listOf(39, i -> Wire.sum(sizedKey(2048, i + 1), 1)));
        m.add(setSuffixed(sizedKey(2025, 100), u64Value(7)));
        m.add(delete(sizedKey(2048, 101)));
        m.add(Wire.sum(last, 1));
        return atomic(List.of(checkAbsent(sizedKey(2048, 102))), m);
      };
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, TOTAL_KEY, request.apply(key(1)));
      commitOk(stub, request.apply(key(0)));
      assertEquals(u64Value(1), Wire.get(stub, key(0)).getValue());
      assertEquals(u64Value(1), Wire.get(stub, sizedKey(2048, 39)).getValue());
    }
  }

  @Test
  void theWorkedExampleOfSection5CountsTo134And12() throws Exception {
    // One check on a 10-byte key, one set of a 100-byte value under a 12-byte key.
    AtomicRequest example = atomic(List.of(checkAbsent(sizedKey(10, 1))),
        List.of(set(sizedKey(12, 2), bytesValue(100))));
    try (RunningServer server = RunningServer.start(dir.resolve("a"),
        "--max-total-mutation-bytes=134", "--max-total-key-bytes=12")) {
      commitOk(server.stub(), example);
    }
    try (RunningServer server = RunningServer.start(dir.resolve("b"), "--max-total-mutation-bytes=133")) {
      assertRefusedAndNothingChanged(server.stub(), Code.INVALID_ARGUMENT,
          "Total mutation size too large (max 133 bytes)", example);
    }
    try (RunningServer server = RunningServer.start(dir.resolve("c"), "--max-total-key-bytes=11")) {
      assertRefusedAndNothingChanged(server.stub(), Code.INVALID_ARGUMENT,
          "Total key size too large (max 11 bytes)", example);
    }
  }

  // ---- responses ----

  @Test
  void getResponseCap() throws Exception {
    Key a = key("a");
    Key b = key("b");
    Value big = bytesValue(600);
    int oneEntry;
    try (RunningServer server = RunningServer.start(dir, "--max-response-bytes=1000")) {
      KvServiceBlockingStub stub = server.stub();
      commitOk(stub, atomic(set(a, big), set(b, big)));
      GetResponse one = stub.get(GetRequest.newBuilder().addKeys(a).addKeys(key("missing")).build());
      assertEquals(big, one.getEntries(0).getValue());
      oneEntry = GetResponse.newBuilder().addEntries(one.getEntries(0)).build().getSerializedSize();
      assertStatus(Code.INVALID_ARGUMENT, "Response too large (max 1000 bytes): request fewer keys",
          () -> stub.get(GetRequest.newBuilder().addKeys(a).addKeys(b).build()));
    }
    // At the boundary: a response of exactly the cap is served, one byte less is refused.
    try (RunningServer server = RunningServer.start(dir, "--max-response-bytes=" + oneEntry)) {
      assertEquals(big, Wire.get(server.stub(), a).getValue());
    }
    try (RunningServer server = RunningServer.start(dir, "--max-response-bytes=" + (oneEntry - 1))) {
      assertStatus(Code.INVALID_ARGUMENT,
          "Response too large (max " + (oneEntry - 1) + " bytes): request fewer keys",
          () -> server.stub().get(GetRequest.newBuilder().addKeys(a).build()));
    }
  }

  @Test
  void theDefaultGetResponseCapIs4MiB() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      // 70 values of 64 KiB: about 4.5 MiB in one response.
      for (int i = 0; i < 70; i += 10) {
        int from = i;
        commitOk(stub, atomic(List.of(), listOf(10, j -> set(key("big", from + j), bytesValue(65536)))));
      }
      assertEquals(60, stub.get(GetRequest.newBuilder()
          .addAllKeys(listOf(60, i -> key("big", i))).build()).getEntriesCount());
      assertStatus(Code.INVALID_ARGUMENT, "Response too large (max 4194304 bytes): request fewer keys",
          () -> stub.get(GetRequest.newBuilder().addAllKeys(listOf(70, i -> key("big", i))).build()));
    }
  }

  // ---- every limit is a setting ----

  @Test
  void loweredLimitsShowTheirNumbers() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--max-write-key-bytes=100",
        "--max-read-key-bytes=150", "--max-value-bytes=50", "--max-get-keys=3",
        "--max-list-limit=5", "--max-checks=2", "--max-mutations=3")) {
      KvServiceBlockingStub stub = server.stub();
      commitOk(stub, atomic(set(sizedKey(100, 1), bytesValue(1))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT,
          "Key too large for write (max 100 bytes)", atomic(set(sizedKey(101, 1), bytesValue(1))));

      assertFalse(Wire.get(stub, sizedKey(149, 1)).hasValue());
      assertStatus(Code.INVALID_ARGUMENT, "Key too large for read (max 150 bytes)",
          () -> Wire.get(stub, sizedKey(150, 1)));

      commitOk(stub, atomic(set(key("v"), bytesValue(50))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Value too large (max 50 bytes)",
          atomic(set(key("v"), bytesValue(51))));

      assertEquals(3, stub.get(GetRequest.newBuilder().addAllKeys(listOf(3, i -> key("g", i))).build())
          .getEntriesCount());
      assertStatus(Code.INVALID_ARGUMENT, "Too many keys (max 3)",
          () -> stub.get(GetRequest.newBuilder().addAllKeys(listOf(4, i -> key("g", i))).build()));

      assertEquals(2, stub.list(ListRequest.newBuilder().setPrefix(Key.getDefaultInstance()).setLimit(5)
          .build()).getEntriesCount());
      assertStatus(Code.INVALID_ARGUMENT, "Too many entries (max 5)", () -> stub.list(
          ListRequest.newBuilder().setPrefix(Key.getDefaultInstance()).setLimit(6).build()));

      commitOk(stub, atomic(listOf(2, i -> checkAbsent(key("c", i))), List.of()));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Too many checks (max 2)",
          atomic(listOf(3, i -> checkAbsent(key("c", i))), List.of()));

      commitOk(stub, atomic(List.of(), listOf(3, i -> Wire.sum(key("m", i), 1))));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Too many mutations (max 3)",
          atomic(List.of(), listOf(4, i -> Wire.sum(key("m", i), 1))));
      assertTrue(Wire.get(stub, key("m", 2)).hasValue());
    }
  }

  private static String hex(ByteString versionstamp) {
    return java.util.HexFormat.of().formatHex(versionstamp.toByteArray());
  }
}
