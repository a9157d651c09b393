package dev.atomkv.server.model.entity;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.model.JsonValue;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.testing.Seeds;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Index values must sort in LMDB's order (unsigned bytes) as they sort as values: integers and
 * floats numerically across the sign, strings by code point.
 */
class IndexOrderTest {
  private static byte[] encoded(AttributeType type, JsonValue v) {
    return KeyCodec.encode(Key.of(type.indexPart(v)));
  }

  private static <T> void assertSameOrder(AttributeType type, List<T> values,
      Comparator<T> natural, java.util.function.Function<T, JsonValue> json) {
    List<T> byValue = new ArrayList<>(values);
    byValue.sort(natural);
    List<T> byBytes = new ArrayList<>(values);
    byBytes.sort((a, b) -> Arrays.compareUnsigned(encoded(type, json.apply(a)),
        encoded(type, json.apply(b))));
    for (int i = 0; i < values.size(); i++) {
      assertEquals(0, natural.compare(byValue.get(i), byBytes.get(i)),
          "position " + i + ": " + byValue.get(i) + " vs " + byBytes.get(i));
    }
  }

  @Test
  void integersFloatsAndStringsSortInByteOrder() {
    Random r = new Random(Seeds.seed("IndexOrderTest"));
    List<Integer> ints = new ArrayList<>(List.of(Integer.MIN_VALUE, -1, 0, 1, 255, 256,
        Integer.MAX_VALUE));
    List<Double> floats = new ArrayList<>(List.of(-9.99e125, -1.0, -1e-130, 0.0, -0.0, 1e-130,
        0.5, 1.0, 9.99e125));
    List<String> strings = new ArrayList<>(List.of("", "a", "a\u0000", "a\u0000b", "ab", "b",
        "\uFFFF", "\uD83D\uDE00", "é"));
    for (int i = 0; i < 2000; i++) {
      ints.add(r.nextInt());
      floats.add((r.nextBoolean() ? -1 : 1) * Math.pow(10, r.nextDouble() * 250 - 125));
      StringBuilder s = new StringBuilder();
      for (int n = r.nextInt(6); n > 0; n--) {
        s.appendCodePoint(r.nextInt(4) == 0 ? r.nextInt(0x10FFFF - 0xE000) + 0xE000
            : r.nextInt(4) + 'a' - 1 + (r.nextInt(8) == 0 ? -'a' + 1 : 0));
      }
      strings.add(s.toString());
    }
    assertSameOrder(AttributeType.INTEGER, ints, Integer::compare,
        v -> new JsonValue.Num(v));
    // -0.0 and 0.0 are one value: the index stores both as 0.0.
    assertSameOrder(AttributeType.FLOAT, floats, (a, b) -> Double.compare(a + 0.0, b + 0.0),
        v -> new JsonValue.Num(v));
    assertSameOrder(AttributeType.STRING, strings,
        (a, b) -> Arrays.compare(a.codePoints().toArray(), b.codePoints().toArray()),
        JsonValue.Str::new);
    assertTrue(Arrays.equals(encoded(AttributeType.FLOAT, new JsonValue.Num(-0.0)),
        encoded(AttributeType.FLOAT, new JsonValue.Num(0.0))));
  }

  @Test
  void typesAdmitTheirValuesOnly() {
    assertNull(AttributeType.INTEGER.problem(new JsonValue.Num(-2147483648)));
    assertEquals("must be an integer, got 1.5", AttributeType.INTEGER.problem(new JsonValue.Num(1.5)));
    assertEquals("must be a 32-bit signed integer (-2147483648..2147483647), got -2147483649",
        AttributeType.INTEGER.problem(new JsonValue.Num(-2147483649.0)));
    assertEquals("must be an integer", AttributeType.INTEGER.problem(new JsonValue.Str("1")));
    assertNull(AttributeType.FLOAT.problem(new JsonValue.Num(0)));
    assertNull(AttributeType.FLOAT.problem(new JsonValue.Num(-1e-130)));
    assertEquals("must be 0 or have a magnitude between 1e-130 and 9.99e125, got 1.0E126",
        AttributeType.FLOAT.problem(new JsonValue.Num(1e126)));
    assertEquals("must be a float", AttributeType.FLOAT.problem(new JsonValue.Bool(true)));
    assertNull(AttributeType.STRING.problem(new JsonValue.Str("")));
    assertEquals("must be a string", AttributeType.STRING.problem(new JsonValue.Num(1)));
    assertNull(AttributeType.BOOLEAN.problem(new JsonValue.Bool(false)));
    assertEquals("must be a boolean", AttributeType.BOOLEAN.problem(new JsonValue.Null()));
    assertNull(AttributeType.ANY.problem(new JsonValue.Arr(List.of())));
  }
}
