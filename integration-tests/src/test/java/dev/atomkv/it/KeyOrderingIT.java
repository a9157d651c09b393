package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.KeyPart;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.Mutation;
import dev.atomkv.proto.v1.Value;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** SPEC §1.1: the order of keys of every kind, as the real server lists them. */
class KeyOrderingIT {
  private static final BigInteger TWO = BigInteger.TWO;

  @TempDir Path dir;
  RunningServer server;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  private static byte[] b(int... bytes) {
    byte[] out = new byte[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = (byte) bytes[i];
    }
    return out;
  }

  private static double bits(long raw) {
    return Double.longBitsToDouble(raw);
  }

  /** Every key kind, written here in SPEC §1.1's order (by hand, not computed). */
  static List<Key> keysInSpecOrder() {
    return List.of(
        // bytes, unsigned byte order; 00 escaped as 00 FF; a key before its extensions
        Key.of(b()),
        Key.of(b(), "x"),
        Key.of(b(0x00)),
        Key.of(b(0x00, 0x00)),
        Key.of(b(0x01)),
        Key.of(b(0x01), "x"),
        Key.of(b(0x01, 0x02, 0x00, 0x07)),
        Key.of(b(0xff)),
        // strings, by UTF-8 bytes (not UTF-16 units: U+FF5A < U+1F600)
        Key.of(""),
        Key.of("", 0L),
        Key.of("\u0000"),
        Key.of("A"),
        Key.of("a"),
        Key.of("a", b()),
        Key.of("a", ""),
        Key.of("a", "b"),
        Key.of("a", "b", "c"),
        Key.of("a", "c"),
        Key.of("a", -1L),
        Key.of("a", 1L, true),
        Key.of("a", 1.0),
        Key.of("a", false),
        Key.of("a", true),
        Key.of("a\u0000"),
        Key.of("ab"),
        Key.of("b"),
        Key.of("z"),
        Key.of("\u00e9"),
        Key.of("\uff5a"),
        Key.of("\ud83d\ude00"),
        // integers, numerically, big ones beyond int64 included
        Key.of(TWO.pow(200).negate()),
        Key.of(TWO.pow(70).negate()),
        Key.of(TWO.pow(64).negate()),
        Key.of(TWO.pow(64).subtract(BigInteger.ONE).negate()),
        Key.of(TWO.pow(63).add(BigInteger.ONE).negate()),
        Key.of(Long.MIN_VALUE),
        Key.of(-256L),
        Key.of(-255L),
        Key.of(-1L),
        Key.of(0L),
        Key.of(0L, "x"),
        Key.of(1L),
        Key.of(255L),
        Key.of(256L),
        Key.of(Long.MAX_VALUE),
        Key.of(TWO.pow(63)),
        Key.of(TWO.pow(64).subtract(BigInteger.ONE)),
        Key.of(TWO.pow(64)),
        Key.of(TWO.pow(70)),
        Key.of(TWO.pow(200)),
        // numbers: -NaN < -inf < ... < -0.0 < 0.0 < ... < +inf < NaN
        Key.of(bits(0xfff8000000000000L)),
        Key.of(Double.NEGATIVE_INFINITY),
        Key.of(-Double.MAX_VALUE),
        Key.of(-1.5),
        Key.of(-1.0),
        Key.of(-Double.MIN_VALUE),
        Key.of(-0.0),
        Key.of(0.0),
        Key.of(Double.MIN_VALUE),
        Key.of(1.0),
        Key.of(1.0, "x"),
        Key.of(1.5),
        Key.of(3.14),
        Key.of(Double.MAX_VALUE),
        Key.of(Double.POSITIVE_INFINITY),
        Key.of(Double.NaN),
        // booleans
        Key.of(false),
        Key.of(false, false),
        Key.of(false, true),
        Key.of(true),
        Key.of(true, b()),
        Key.of(true, "z"));
  }

  private void writeShuffled(List<Key> keys, long seed) {
    List<Integer> order = new ArrayList<>();
    for (int i = 0; i < keys.size(); i++) {
      order.add(i);
    }
    Collections.shuffle(order, new Random(seed));
    // A few keys per commit, in shuffled order, so inserts land all over the tree.
    AtomicOperation op = server.client().atomic();
    int inOp = 0;
    for (int i : order) {
      op.set(keys.get(i), KvValue.of("v" + i));
      if (++inOp == 7) {
        assertTrue(op.commit().ok());
        op = server.client().atomic();
        inOp = 0;
      }
    }
    if (inOp > 0) {
      assertTrue(op.commit().ok());
    }
  }

  private static ListRequest everything(int limit, boolean reverse) {
    return ListRequest.newBuilder()
        .setPrefix(dev.atomkv.proto.v1.Key.getDefaultInstance())
        .setLimit(limit)
        .setReverse(reverse)
        .build();
  }

  private static void assertSameKeys(List<Key> expected, List<Entry> got) {
    List<String> want = new ArrayList<>();
    for (Key k : expected) {
      want.add(k + " " + Keys.hex(k));
    }
    List<String> have = new ArrayList<>();
    for (Entry e : got) {
      Key k = Keys.fromProto(e.getKey());
      have.add(k + " " + Keys.hex(k));
    }
    assertEquals(String.join("\n", want), String.join("\n", have));
  }

  @Test
  void everyKindListsInSpecOrderBothWays() {
    List<Key> keys = keysInSpecOrder();
    writeShuffled(keys, 7);

    ListResponse forward = server.stub().list(everything(1000, false));
    assertSameKeys(keys, forward.getEntriesList());
    assertEquals("", forward.getCursor());
    for (int i = 0; i < keys.size(); i++) {
      Entry e = forward.getEntries(i);
      // The wire kinds come back as written: int inside int64, big_int outside, number, ...
      assertEquals(Keys.toProto(keys.get(i)), e.getKey(), "wire form of " + keys.get(i));
      assertEquals(Value.newBuilder().setString("v" + i).build(), e.getValue(), "value of " + keys.get(i));
      assertEquals(10, e.getVersionstamp().size());
    }

    ListResponse backward = server.stub().list(everything(1000, true));
    List<Key> reversed = new ArrayList<>(keys);
    Collections.reverse(reversed);
    assertSameKeys(reversed, backward.getEntriesList());
    assertEquals("", backward.getCursor());

    // The same through the client iterator, in small pages.
    List<Key> viaClient = new ArrayList<>();
    server.client().list(ListSelector.prefix(Key.of()), ListOptions.builder().batchSize(6).build())
        .forEachRemaining(e -> viaClient.add(e.key()));
    assertEquals(keys, viaClient);
  }

  @Test
  void bigIntegersTravelAsBigIntAndInt64AsInt() {
    List<Key> keys = List.of(Key.of(TWO.pow(63)), Key.of(Long.MAX_VALUE), Key.of(Long.MIN_VALUE),
        Key.of(TWO.pow(63).add(BigInteger.ONE).negate()));
    writeShuffled(keys, 1);
    ListResponse r = server.stub().list(everything(10, false));
    assertEquals(4, r.getEntriesCount());
    assertEquals(KeyPart.newBuilder().setBigInt("-9223372036854775809").build(),
        r.getEntries(0).getKey().getParts(0));
    assertEquals(KeyPart.newBuilder().setInt(Long.MIN_VALUE).build(), r.getEntries(1).getKey().getParts(0));
    assertEquals(KeyPart.newBuilder().setInt(Long.MAX_VALUE).build(), r.getEntries(2).getKey().getParts(0));
    assertEquals(KeyPart.newBuilder().setBigInt("9223372036854775808").build(),
        r.getEntries(3).getKey().getParts(0));
  }

  @Test
  void numberOneAndIntegerOneAreDifferentKeys() {
    assertTrue(server.client().set(Key.of(1L), KvValue.of("integer")).ok());
    assertTrue(server.client().set(Key.of(1.0), KvValue.of("number")).ok());

    assertEquals(KvValue.of("integer"), server.client().get(Key.of(1L)).value());
    assertEquals(KvValue.of("number"), server.client().get(Key.of(1.0)).value());

    ListResponse r = server.stub().list(everything(10, false));
    assertEquals(2, r.getEntriesCount());
    // integer < number
    assertEquals(KeyPart.newBuilder().setInt(1).build(), r.getEntries(0).getKey().getParts(0));
    assertEquals("integer", r.getEntries(0).getValue().getString());
    assertEquals(KeyPart.newBuilder().setNumber(1.0).build(), r.getEntries(1).getKey().getParts(0));
    assertEquals("number", r.getEntries(1).getValue().getString());

    // Deleting one leaves the other.
    assertTrue(server.client().delete(Key.of(1L)).ok());
    assertFalse(server.client().get(Key.of(1L)).exists());
    assertEquals(KvValue.of("number"), server.client().get(Key.of(1.0)).value());
  }

  @Test
  void zeroAndNegativeZeroAreDifferentKeysAndNaNsOfOneSignAreOne() {
    // Raw stub: the client would canonicalise the NaN itself.
    double nanWithPayload = bits(0x7ff8000000000123L);
    double negativeNanWithPayload = bits(0xfff8000000000456L);
    atomicSet(numberKey(nanWithPayload), "nan-payload");
    atomicSet(numberKey(Double.NaN), "nan");
    atomicSet(numberKey(negativeNanWithPayload), "-nan");
    atomicSet(numberKey(0.0), "+0");
    atomicSet(numberKey(-0.0), "-0");

    ListResponse r = server.stub().list(everything(10, false));
    assertEquals(4, r.getEntriesCount(), r.toString());
    assertEquals(0xfff8000000000000L, rawNumberBits(r.getEntries(0)));
    assertEquals("-nan", r.getEntries(0).getValue().getString());
    assertEquals(Double.doubleToRawLongBits(-0.0), rawNumberBits(r.getEntries(1)));
    assertEquals("-0", r.getEntries(1).getValue().getString());
    assertEquals(Double.doubleToRawLongBits(0.0), rawNumberBits(r.getEntries(2)));
    assertEquals("+0", r.getEntries(2).getValue().getString());
    // The second NaN write overwrote the first: one canonical NaN key.
    assertEquals(0x7ff8000000000000L, rawNumberBits(r.getEntries(3)));
    assertEquals("nan", r.getEntries(3).getValue().getString());

    GetResponse g = server.stub().get(GetRequest.newBuilder()
        .addKeys(numberKey(bits(0x7ff8000000000999L)))
        .build());
    assertEquals("nan", g.getEntries(0).getValue().getString());
  }

  private static dev.atomkv.proto.v1.Key numberKey(double d) {
    return dev.atomkv.proto.v1.Key.newBuilder().addParts(KeyPart.newBuilder().setNumber(d)).build();
  }

  private static long rawNumberBits(Entry e) {
    assertEquals(1, e.getKey().getPartsCount());
    assertEquals(KeyPart.KindCase.NUMBER, e.getKey().getParts(0).getKindCase());
    return Double.doubleToRawLongBits(e.getKey().getParts(0).getNumber());
  }

  private void atomicSet(dev.atomkv.proto.v1.Key key, String value) {
    assertTrue(server.stub().atomic(AtomicRequest.newBuilder()
        .addMutations(Mutation.newBuilder().setKey(key)
            .setSet(Value.newBuilder().setString(value)))
        .build()).getOk());
  }

  @Test
  void aKeySortsBeforeEveryKeyThatExtendsIt() {
    List<Key> keys = List.of(
        Key.of("x", 5L),
        Key.of("x", 5L, b()),
        Key.of("x", 5L, ""),
        Key.of("x", 5L, "", ""),
        Key.of("x", 5L, 0L),
        Key.of("x", 5L, 0.0),
        Key.of("x", 5L, false),
        Key.of("x", 5L, true),
        Key.of("x", 5L, true, true),
        Key.of("x", 6L));
    writeShuffled(keys, 3);
    assertSameKeys(keys, server.stub().list(everything(100, false)).getEntriesList());

    // The prefix selector lists the extensions, not the key itself.
    ListResponse under = server.stub().list(ListRequest.newBuilder()
        .setPrefix(Keys.toProto(Key.of("x", 5L))).build());
    assertSameKeys(keys.subList(1, keys.size() - 1), under.getEntriesList());
  }

  /** SPEC §1.1's test vectors, seen through the cursors the server returns (relative to []). */
  @Test
  void cursorsOverTheWholeKeyspaceAreTheSpecEncoding() {
    Map<Key, String> vectors = new LinkedHashMap<>();
    vectors.put(Key.of("hello"), "0268656c6c6f00");
    vectors.put(Key.of(""), "0200");
    vectors.put(Key.of(b(0x01, 0x02, 0x00, 0x07)), "01010200ff0700");
    vectors.put(Key.of(0L), "14");
    vectors.put(Key.of(1L), "1501");
    vectors.put(Key.of(-1L), "13fe");
    vectors.put(Key.of(255L), "15ff");
    vectors.put(Key.of(256L), "160100");
    vectors.put(Key.of(-255L), "1300");
    vectors.put(Key.of(-256L), "12feff");
    vectors.put(Key.of(TWO.pow(63)), "1c8000000000000000");
    vectors.put(Key.of(TWO.pow(64)), "1d09010000000000000000");
    vectors.put(Key.of(TWO.pow(64).negate()), "0bf6feffffffffffffffff");
    vectors.put(Key.of(0.0), "218000000000000000");
    vectors.put(Key.of(-0.0), "217fffffffffffffff");
    vectors.put(Key.of(1.0), "21bff0000000000000");
    vectors.put(Key.of(-1.0), "21400fffffffffffff");
    vectors.put(Key.of(1.5), "21bff8000000000000");
    vectors.put(Key.of(3.14), "21c0091eb851eb851f");
    vectors.put(Key.of(Double.POSITIVE_INFINITY), "21fff0000000000000");
    vectors.put(Key.of(Double.NEGATIVE_INFINITY), "21000fffffffffffff");
    vectors.put(Key.of(Double.NaN), "21fff8000000000000");
    vectors.put(Key.of(false), "26");
    vectors.put(Key.of(true), "27");
    vectors.put(Key.of("a", "b"), "026100026200");
    vectors.put(Key.of("a", 1L, true), "026100150127");

    List<Map.Entry<Key, String>> sorted = new ArrayList<>(vectors.entrySet());
    sorted.sort((x, y) -> Keys.UNSIGNED.compare(
        HexFormat.of().parseHex(x.getValue()), HexFormat.of().parseHex(y.getValue())));
    List<Key> keys = new ArrayList<>();
    sorted.forEach(e -> keys.add(e.getKey()));
    Key sentinel = Key.of(true, "z"); // sorts last, so every vector's page has a cursor
    keys.add(sentinel);
    writeShuffled(keys, 11);

    String cursor = "";
    for (Map.Entry<Key, String> vector : sorted) {
      ListResponse page = server.stub().list(ListRequest.newBuilder()
          .setPrefix(dev.atomkv.proto.v1.Key.getDefaultInstance())
          .setLimit(1).setCursor(cursor).build());
      assertEquals(1, page.getEntriesCount());
      assertEquals(vector.getKey(), Keys.fromProto(page.getEntries(0).getKey()));
      String expectedCursor = Base64.getUrlEncoder().encodeToString(HexFormat.of().parseHex(vector.getValue()));
      assertEquals(expectedCursor, page.getCursor(), "cursor of " + vector.getKey());
      cursor = page.getCursor();
    }
    ListResponse last = server.stub().list(ListRequest.newBuilder()
        .setPrefix(dev.atomkv.proto.v1.Key.getDefaultInstance())
        .setLimit(1).setCursor(cursor).build());
    assertEquals(1, last.getEntriesCount());
    assertEquals(sentinel, Keys.fromProto(last.getEntries(0).getKey()));
    assertEquals("", last.getCursor());
  }

  @Test
  void getReturnsEachKindUnderItsOwnKey() {
    List<Key> keys = keysInSpecOrder();
    writeShuffled(keys, 5);
    List<KvEntry> got = server.client().getMany(keys);
    for (int i = 0; i < keys.size(); i++) {
      assertTrue(got.get(i).exists(), "missing " + keys.get(i));
      assertEquals(KvValue.of("v" + i), got.get(i).value(), "value of " + keys.get(i));
    }
    // A bytes part and a string part with the same bytes are different keys.
    assertFalse(server.client().get(Key.of("a".getBytes(java.nio.charset.StandardCharsets.UTF_8))).exists());
  }
}
