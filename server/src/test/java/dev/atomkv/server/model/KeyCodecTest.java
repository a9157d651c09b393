package dev.atomkv.server.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.atomkv.server.testing.Seeds;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyCodecTest {

  static Stream<Arguments> specVectors() {
    BigInteger two63 = BigInteger.ONE.shiftLeft(63);
    BigInteger two64 = BigInteger.ONE.shiftLeft(64);
    return Stream.of(
        Arguments.of(Key.of(text("hello")), "0268656c6c6f00"),
        Arguments.of(Key.of(text("")), "0200"),
        Arguments.of(Key.of(new KeyPart.Bytes(new byte[] {1, 2, 0, 7})), "01010200ff0700"),
        Arguments.of(Key.of(integer(0)), "14"),
        Arguments.of(Key.of(integer(1)), "1501"),
        Arguments.of(Key.of(integer(-1)), "13fe"),
        Arguments.of(Key.of(integer(255)), "15ff"),
        Arguments.of(Key.of(integer(256)), "160100"),
        Arguments.of(Key.of(integer(-255)), "1300"),
        Arguments.of(Key.of(integer(-256)), "12feff"),
        Arguments.of(Key.of(new KeyPart.Int(two63)), "1c8000000000000000"),
        Arguments.of(Key.of(new KeyPart.Int(two64)), "1d09010000000000000000"),
        Arguments.of(Key.of(new KeyPart.Int(two64.negate())), "0bf6feffffffffffffffff"),
        Arguments.of(Key.of(number(0.0)), "218000000000000000"),
        Arguments.of(Key.of(number(-0.0)), "217fffffffffffffff"),
        Arguments.of(Key.of(number(1)), "21bff0000000000000"),
        Arguments.of(Key.of(number(-1)), "21400fffffffffffff"),
        Arguments.of(Key.of(number(1.5)), "21bff8000000000000"),
        Arguments.of(Key.of(number(3.14)), "21c0091eb851eb851f"),
        Arguments.of(Key.of(number(Double.POSITIVE_INFINITY)), "21fff0000000000000"),
        Arguments.of(Key.of(number(Double.NEGATIVE_INFINITY)), "21000fffffffffffff"),
        Arguments.of(Key.of(number(Double.NaN)), "21fff8000000000000"),
        Arguments.of(Key.of(new KeyPart.Bool(false)), "26"),
        Arguments.of(Key.of(new KeyPart.Bool(true)), "27"),
        Arguments.of(Key.of(text("a"), text("b")), "026100026200"),
        Arguments.of(Key.of(text("a"), integer(1), new KeyPart.Bool(true)), "026100150127"));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("specVectors")
  void encodesSpecVectors(Key key, String hex) {
    byte[] encoded = KeyCodec.encode(key);
    assertEquals(hex, HexFormat.of().formatHex(encoded));
    assertEquals(key, KeyCodec.decode(encoded));
  }

  @Test
  void everyNanIsTheCanonicalNan() {
    double oddNan = Double.longBitsToDouble(0x7ff0000000000123L);
    assertEquals("21fff8000000000000",
        HexFormat.of().formatHex(KeyCodec.encode(Key.of(number(oddNan)))));
    double negativeNan = Double.longBitsToDouble(0xfff0000000000123L);
    assertEquals("210007ffffffffffff",
        HexFormat.of().formatHex(KeyCodec.encode(Key.of(number(negativeNan)))));
  }

  @Test
  void rejectsNonCanonicalBytes() {
    HexFormat hex = HexFormat.of();
    for (String bad : List.of("1600ff", "15", "0261", "21fff0000000000001", "ff", "1d0801", "0100fe",
        "02ff00")) {
      assertThrows(KvException.class, () -> KeyCodec.decode(hex.parseHex(bad)), bad);
    }
  }

  @Test
  void appendStringMatchesEncodingTheLongerKey() {
    byte[] base = KeyCodec.encode(Key.of(text("log")));
    assertArrayEquals(KeyCodec.encode(Key.of(text("log"), text("0000000000000001000a"))),
        KeyCodec.appendString(base, "0000000000000001000a"));
  }

  @Test
  void byteOrderEqualsModelOrderForRandomMixedKeys() {
    Random rnd = new Random(Seeds.seed("KeyCodecTest.byteOrderEqualsModelOrder"));
    List<Key> keys = new ArrayList<>();
    for (int i = 0; i < 3000; i++) {
      keys.add(randomKey(rnd));
    }
    List<Key> byModel = new ArrayList<>(keys);
    byModel.sort(MODEL_ORDER);
    List<Key> byBytes = new ArrayList<>(keys);
    byBytes.sort((a, b) -> Arrays.compareUnsigned(KeyCodec.encode(a), KeyCodec.encode(b)));
    for (int i = 0; i < keys.size(); i++) {
      Key m = byModel.get(i);
      Key b = byBytes.get(i);
      assertEquals(0, MODEL_ORDER.compare(m, b), "position " + i + ": " + m + " vs " + b);
    }
    for (Key k : keys) {
      assertEquals(0, MODEL_ORDER.compare(k, KeyCodec.decode(KeyCodec.encode(k))));
    }
  }

  @Test
  void skipPartsEndsWhereTheSkippedPartsEnd() {
    Random rnd = new Random(Seeds.seed("KeyCodecTest.skipParts"));
    byte[] lead = {(byte) 0xff, 0x03};
    for (int i = 0; i < 3000; i++) {
      Key head = randomKey(rnd);
      Key tail = randomKey(rnd);
      List<KeyPart> all = new ArrayList<>(head.parts());
      all.addAll(tail.parts());
      byte[] encoded = KeyCodec.encode(new Key(all));
      byte[] prefixed = Arrays.copyOf(lead, lead.length + encoded.length);
      System.arraycopy(encoded, 0, prefixed, lead.length, encoded.length);
      int at = KeyCodec.skipParts(prefixed, lead.length, head.parts().size());
      assertEquals(lead.length + KeyCodec.encode(head).length, at, head + " then " + tail);
      assertEquals(tail, KeyCodec.decode(Arrays.copyOfRange(prefixed, at, prefixed.length)));
      assertEquals(prefixed.length, KeyCodec.skipParts(prefixed, lead.length, all.size()));
      // Asking for one part more than there are is a truncated key, not a wrong offset.
      assertThrows(KvException.class,
          () -> KeyCodec.skipParts(prefixed, lead.length, all.size() + 1));
    }
    HexFormat hex = HexFormat.of();
    for (String truncated : List.of("0261", "01ff", "0100ff", "2180", "1601", "1d08", "0bf6",
        "ff")) {
      assertThrows(KvException.class, () -> KeyCodec.skipParts(hex.parseHex(truncated), 0, 1),
          truncated);
    }
  }

  private static Key randomKey(Random rnd) {
    int n = 1 + rnd.nextInt(3);
    List<KeyPart> parts = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      parts.add(randomPart(rnd));
    }
    return new Key(parts);
  }

  private static KeyPart randomPart(Random rnd) {
    switch (rnd.nextInt(6)) {
      case 0: {
        byte[] b = new byte[rnd.nextInt(4)];
        for (int i = 0; i < b.length; i++) {
          b[i] = (byte) new int[] {0, 1, 0xff, 0x7f, rnd.nextInt(256)}[rnd.nextInt(5)];
        }
        return new KeyPart.Bytes(b);
      }
      case 1: {
        String[] pool = {"", "a", "ab", "b", "\u0000", "a\u0000", "é", "\uD83D\uDE00", "z", "\uffff"};
        return text(pool[rnd.nextInt(pool.length)] + (rnd.nextBoolean() ? "" : pool[rnd.nextInt(pool.length)]));
      }
      case 2: {
        int bits = rnd.nextInt(140);
        BigInteger v = new BigInteger(bits, rnd);
        return new KeyPart.Int(rnd.nextBoolean() ? v.negate() : v);
      }
      case 3: {
        double[] pool = {0.0, -0.0, 1, -1, 1.5, -2.5, Double.MAX_VALUE, -Double.MAX_VALUE,
            Double.MIN_VALUE, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.NaN,
            -Double.NaN, rnd.nextGaussian() * 1e6};
        return number(pool[rnd.nextInt(pool.length)]);
      }
      default:
        return new KeyPart.Bool(rnd.nextBoolean());
    }
  }

  /** The model order of SPEC §1.1, written independently of the encoding. */
  static final Comparator<Key> MODEL_ORDER = (a, b) -> {
    int n = Math.min(a.parts().size(), b.parts().size());
    for (int i = 0; i < n; i++) {
      int c = comparePart(a.parts().get(i), b.parts().get(i));
      if (c != 0) {
        return c;
      }
    }
    return Integer.compare(a.parts().size(), b.parts().size());
  };

  private static int rank(KeyPart p) {
    if (p instanceof KeyPart.Bytes) {
      return 0;
    } else if (p instanceof KeyPart.Text) {
      return 1;
    } else if (p instanceof KeyPart.Int) {
      return 2;
    } else if (p instanceof KeyPart.Number) {
      return 3;
    }
    return ((KeyPart.Bool) p).value() ? 5 : 4;
  }

  private static int comparePart(KeyPart a, KeyPart b) {
    int c = Integer.compare(rank(a), rank(b));
    if (c != 0) {
      return c;
    }
    if (a instanceof KeyPart.Bytes x) {
      return Arrays.compareUnsigned(x.value(), ((KeyPart.Bytes) b).value());
    }
    if (a instanceof KeyPart.Text x) {
      return Arrays.compareUnsigned(x.value().getBytes(java.nio.charset.StandardCharsets.UTF_8),
          ((KeyPart.Text) b).value().getBytes(java.nio.charset.StandardCharsets.UTF_8));
    }
    if (a instanceof KeyPart.Int x) {
      return x.value().compareTo(((KeyPart.Int) b).value());
    }
    if (a instanceof KeyPart.Number x) {
      return numberOrder(x.value(), ((KeyPart.Number) b).value());
    }
    return 0;
  }

  /** -NaN < -inf < ... < -0.0 < 0.0 < ... < +inf < NaN. */
  private static int numberOrder(double a, double b) {
    int ra = Double.isNaN(a) ? (negativeSign(a) ? -1 : 1) : 0;
    int rb = Double.isNaN(b) ? (negativeSign(b) ? -1 : 1) : 0;
    if (ra != 0 || rb != 0) {
      return Integer.compare(ra, rb);
    }
    return Double.compare(a, b); // orders -0.0 before 0.0
  }

  private static boolean negativeSign(double d) {
    return (Double.doubleToRawLongBits(d) & Long.MIN_VALUE) != 0;
  }

  private static KeyPart text(String s) {
    return new KeyPart.Text(s);
  }

  private static KeyPart integer(long v) {
    return KeyPart.Int.of(v);
  }

  private static KeyPart number(double d) {
    return new KeyPart.Number(d);
  }
}
