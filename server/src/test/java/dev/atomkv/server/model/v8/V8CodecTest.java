package dev.atomkv.server.model.v8;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.testing.Seeds;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The V8 subset against bytes Node's {@code v8.serialize} produced (Node 20, V8 11.3, format 15)
 * and Deno 2.9 produced (V8 15, format 16, same tags). Regenerate with e.g.
 * {@code node -e 'console.log(v8.serialize({a: 1}).toString("hex"))'}. V8CodecNodeIT checks
 * random documents against a running Node as well.
 */
class V8CodecTest {
  private static final HexFormat HEX = HexFormat.of();

  private static JsonValue num(double d) {
    return new JsonValue.Num(d);
  }

  private static JsonValue str(String s) {
    return new JsonValue.Str(s);
  }

  private static JsonValue arr(JsonValue... e) {
    return new JsonValue.Arr(List.of(e));
  }

  private static JsonValue obj(Object... kv) {
    Map<String, JsonValue> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put((String) kv[i], (JsonValue) kv[i + 1]);
    }
    return new JsonValue.Obj(m);
  }

  /** value, then the hex of Node's v8.serialize(value). */
  private static final List<Object[]> NODE_VECTORS = List.of(
      new Object[] {num(1), "ff0f4902"},
      new Object[] {num(-1), "ff0f4901"},
      new Object[] {num(1 << 30), "ff0f498080808008"},
      new Object[] {num(1.5), "ff0f4e000000000000f83f"},
      new Object[] {num(-0.0), "ff0f4e0000000000000080"},
      new Object[] {str("hello"), "ff0f220568656c6c6f"},
      new Object[] {str("héllo"), "ff0f220568e96c6c6f"},
      new Object[] {str("h€llo"), "ff0f630a6800ac206c006c006f00"},
      new Object[] {str("😀"), "ff0f63043dd800de"},
      new Object[] {new JsonValue.Bool(true), "ff0f54"},
      new Object[] {new JsonValue.Bool(false), "ff0f46"},
      new Object[] {new JsonValue.Null(), "ff0f30"},
      new Object[] {arr(num(1), num(2), num(3)), "ff0f4103490249044906240003"},
      new Object[] {obj("a", num(1), "b", num(2)), "ff0f6f220161490222016249047b02"},
      new Object[] {obj("a", obj("b", num(1))), "ff0f6f2201616f22016249027b017b01"},
      new Object[] {arr(arr(num(1), num(2)), arr(num(3), num(4))),
          "ff0f4102410249024904240002410249064908240002240002"},
      // integer-like keys are written as numbers; JavaScript puts them first
      new Object[] {obj("1", str("x"), "b", str("y")), "ff0f6f49022201782201622201797b02"},
      new Object[] {obj(), "ff0f6f7b00"},
      new Object[] {arr(), "ff0f4100240000"},
      new Object[] {obj("k", str("€")), "ff0f6f22016b6302ac207b01"},
      // a double array: V8 writes its integers as doubles too
      new Object[] {arr(num(1.5), num(2)), "ff0f41024e000000000000f83f4e0000000000000040240002"});

  @Test
  void writesWhatNodeWrites() {
    for (Object[] v : NODE_VECTORS) {
      assertEquals(v[1], HEX.formatHex(V8Writer.write((JsonValue) v[0])), v[0].toString());
    }
  }

  @Test
  void readsWhatNodeWrites() {
    for (Object[] v : NODE_VECTORS) {
      assertEquals(v[0], V8Reader.toJson(HEX.parseHex((String) v[1])), (String) v[1]);
    }
  }

  @Test
  void readsWhatDenoWrites() {
    // Deno 2.9: format version 16, and the padding V8 puts before a two-byte string.
    assertEquals(obj("a", num(1), "b", str("€")),
        V8Reader.toJson(HEX.parseHex("ff106f2201614902220162006302ac207b02")));
    assertEquals(obj("a", obj("b", arr(new JsonValue.Bool(true), new JsonValue.Bool(false),
            new JsonValue.Null()))),
        V8Reader.toJson(HEX.parseHex("ff106f2201616f22016241035446302400037b017b01")));
    assertEquals(new V8Number.Num(1), V8Reader.toNumber(HEX.parseHex("ff104902")));
  }

  @Test
  void writesPaddingBeforeTwoByteStringsAtOddOffsets() {
    assertEquals("ff0f6f2201614902220162006302ac207b02",
        HEX.formatHex(V8Writer.write(obj("a", num(1), "b", str("€")))));
  }

  @Test
  void valuesWithoutAJsonFormStayOpaque() {
    for (String hex : List.of(
        "ff0f5f", // undefined
        "ff0f440000000000000000", // new Date(0)
        "ff0f5a100100000000000000", // 1n
        "ff0f4e000000000000f87f", // NaN
        "ff0f4e000000000000f07f", // Infinity
        "ff0f6f2201615f7b01", // {a: undefined}
        "ff0f61034900490249044906400203", // [1, , 3]: V8 writes holey arrays sparse
        "ff0f610449064902400104", // a[3] = 1
        "ff0f6f22016163025ed87b01", // {a: "\ud85e"}: a lone surrogate
        "ff0f6f2201616f22017849027b012201625e017b02", // {a: o, b: o}: a shared reference
        "ff0f3b22016149023a02", // new Map([["a", 1]])
        "ff0f4102490249042201704902240102", // an array with a named property
        "ff0f6f2201625c0101017b01", // {b: Uint8Array}: a host object
        "ff0c4902", // format 12, older than this reader knows
        "fe0f4902", // not V8 at all
        "ff0f490230", // trailing bytes
        "ff0f22056865")) { // truncated
      assertNull(V8Reader.toJson(HEX.parseHex(hex)), hex);
    }
  }

  @Test
  void readsAndWritesNumbersAndBigints() {
    assertEquals(new V8Number.Num(1.5), V8Reader.toNumber(HEX.parseHex("ff0f4e000000000000f83f")));
    assertEquals(new V8Number.Num(4294967295.0), V8Reader.toNumber(HEX.parseHex("ff0f55ffffffff0f")));
    assertEquals(new V8Number.Big(BigInteger.ONE),
        V8Reader.toNumber(HEX.parseHex("ff0f5a100100000000000000")));
    assertNull(V8Reader.toNumber(HEX.parseHex("ff0f220161")));
    for (String[] v : List.of(
        new String[] {"1", "ff0f5a100100000000000000"},
        new String[] {"-1", "ff0f5a110100000000000000"},
        new String[] {"0", "ff0f5a00"},
        new String[] {"18446744073709551616", "ff0f5a2000000000000000000100000000000000"})) {
      V8Number.Big b = new V8Number.Big(new BigInteger(v[0]));
      assertEquals(v[1], HEX.formatHex(V8Writer.write(b)), v[0]);
      assertEquals(b, V8Reader.toNumber(HEX.parseHex(v[1])), v[1]);
    }
    assertEquals("ff0f4e000000000000f83f", HEX.formatHex(V8Writer.write(new V8Number.Num(1.5))));
  }

  @Test
  void randomDocumentsRoundTrip() {
    Random random = new Random(Seeds.seed("V8CodecTest.randomDocumentsRoundTrip"));
    for (int i = 0; i < 2000; i++) {
      JsonValue doc = randomDocument(random, 0);
      assertEquals(doc, V8Reader.toJson(V8Writer.write(doc)), doc.toString());
    }
  }

  static JsonValue randomDocument(Random r, int depth) {
    int kind = r.nextInt(depth > 3 ? 5 : 7);
    switch (kind) {
      case 0:
        return new JsonValue.Null();
      case 1:
        return new JsonValue.Bool(r.nextBoolean());
      case 2:
        return num(switch (r.nextInt(4)) {
          case 0 -> r.nextInt(2000) - 1000;
          case 1 -> r.nextLong() >> r.nextInt(64);
          case 2 -> r.nextDouble() * 1e6 - 5e5;
          default -> -0.0;
        });
      case 3:
      case 4:
        return str(randomString(r));
      case 5: {
        List<JsonValue> elements = new ArrayList<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          elements.add(randomDocument(r, depth + 1));
        }
        return new JsonValue.Arr(elements);
      }
      default: {
        Map<String, JsonValue> fields = new LinkedHashMap<>();
        for (int i = r.nextInt(5); i > 0; i--) {
          fields.put(r.nextBoolean() ? randomString(r) : "k" + i, randomDocument(r, depth + 1));
        }
        return new JsonValue.Obj(fields);
      }
    }
  }

  private static String randomString(Random r) {
    StringBuilder b = new StringBuilder();
    for (int i = r.nextInt(8); i > 0; i--) {
      switch (r.nextInt(4)) {
        case 0 -> b.append((char) ('a' + r.nextInt(26)));
        case 1 -> b.append((char) (0x80 + r.nextInt(0x80))); // Latin-1, still one-byte
        case 2 -> b.append((char) (0x100 + r.nextInt(0xd000)));
        default -> b.appendCodePoint(0x10000 + r.nextInt(0x1000));
      }
    }
    return b.toString();
  }
}
