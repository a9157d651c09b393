package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KeyCodecTest {
  private static final HexFormat HEX = HexFormat.of();
  private static final BigInteger TWO = BigInteger.TWO;

  /** Every test vector of SPEC §1.1, in its order. */
  static Stream<Arguments> specVectors() {
    return Stream.of(
        vector("0268656c6c6f00", "hello"),
        vector("0200", ""),
        vector("01010200ff0700", (Object) new byte[] {1, 2, 0, 7}),
        vector("14", 0L),
        vector("1501", 1L),
        vector("13fe", -1L),
        vector("15ff", 255L),
        vector("160100", 256L),
        vector("1300", -255L),
        vector("12feff", -256L),
        vector("1c8000000000000000", TWO.pow(63)),
        vector("1d09010000000000000000", TWO.pow(64)),
        vector("0bf6feffffffffffffffff", TWO.pow(64).negate()),
        vector("218000000000000000", 0.0),
        vector("217fffffffffffffff", -0.0),
        vector("21bff0000000000000", 1.0),
        vector("21400fffffffffffff", -1.0),
        vector("21bff8000000000000", 1.5),
        vector("21c0091eb851eb851f", 3.14),
        vector("21fff0000000000000", Double.POSITIVE_INFINITY),
        vector("21000fffffffffffff", Double.NEGATIVE_INFINITY),
        vector("21fff8000000000000", Double.NaN),
        vector("26", false),
        vector("27", true),
        vector("026100026200", "a", "b"),
        vector("026100150127", "a", 1L, true));
  }

  private static Arguments vector(String hex, Object... parts) {
    return Arguments.of(hex, Key.of(parts));
  }

  @ParameterizedTest(name = "{1} -> {0}")
  @MethodSource("specVectors")
  void encodesSpecVector(String hex, Key key) {
    assertEquals(hex, HEX.formatHex(KeyCodec.encode(key)));
  }

  @ParameterizedTest(name = "{0} -> {1}")
  @MethodSource("specVectors")
  void decodesSpecVector(String hex, Key key) {
    assertEquals(key, KeyCodec.decode(HEX.parseHex(hex)));
  }

  @Test
  void int64BoundsUseTheSmallForms() {
    assertEquals("1c7fffffffffffffff", hex(Key.of(Long.MAX_VALUE)));
    assertEquals("0c7fffffffffffffff", hex(Key.of(Long.MIN_VALUE)));
    assertEquals("1cffffffffffffffff", hex(Key.of(TWO.pow(64).subtract(BigInteger.ONE))));
    assertEquals("0c0000000000000000", hex(Key.of(TWO.pow(64).subtract(BigInteger.ONE).negate())));
  }

  @Test
  void negativeNanKeepsItsSignAndOtherNansAreCanonicalised() {
    double negativeNan = Double.longBitsToDouble(0xfff8000000000000L);
    double payloadNan = Double.longBitsToDouble(0x7ff0000000000001L);
    assertEquals("210007ffffffffffff", hex(Key.of(negativeNan)));
    assertEquals("21fff8000000000000", hex(Key.of(payloadNan)));
  }

  @Test
  void integerMagnitudeIsLimitedTo255Bytes() {
    BigInteger largest = TWO.pow(8 * 255).subtract(BigInteger.ONE);
    byte[] encoded = KeyCodec.encode(Key.of(largest));
    assertEquals(2 + 255, encoded.length);
    assertEquals(Key.of(largest), KeyCodec.decode(encoded));
    assertEquals(Key.of(largest.negate()), KeyCodec.decode(KeyCodec.encode(Key.of(largest.negate()))));
    assertThrows(IllegalArgumentException.class, () -> Key.of(largest.add(BigInteger.ONE)));
  }

  @Test
  void encodedOrderIsKeyOrder() {
    List<Key> ascending = List.of(
        Key.of(),
        Key.of((Object) new byte[0]),
        Key.of((Object) new byte[] {0}),
        Key.of((Object) new byte[] {0, 0}),
        Key.of((Object) new byte[] {1}),
        Key.of((Object) new byte[] {(byte) 0xff}),
        Key.of(""),
        Key.of("a"),
        Key.of("a", "a"),
        Key.of("a", true),
        Key.of("a\u0000"),
        Key.of("b"),
        Key.of("\u00e9"),
        Key.of(TWO.pow(64).negate()),
        Key.of(Long.MIN_VALUE),
        Key.of(-256),
        Key.of(-255),
        Key.of(-1),
        Key.of(0),
        Key.of(1),
        Key.of(255),
        Key.of(256),
        Key.of(Long.MAX_VALUE),
        Key.of(TWO.pow(63)),
        Key.of(TWO.pow(64)),
        Key.of(Double.longBitsToDouble(0xfff8000000000000L)),
        Key.of(Double.NEGATIVE_INFINITY),
        Key.of(-1.5),
        Key.of(-0.0),
        Key.of(0.0),
        Key.of(Double.MIN_VALUE),
        Key.of(1.0),
        Key.of(Double.POSITIVE_INFINITY),
        Key.of(Double.NaN),
        Key.of(false),
        Key.of(true));
    for (int i = 1; i < ascending.size(); i++) {
      Key lower = ascending.get(i - 1);
      Key higher = ascending.get(i);
      assertTrue(lower.compareTo(higher) < 0, lower + " < " + higher);
    }
  }

  @Test
  void rejectsBytesThatAreNotACanonicalKey() {
    for (String bad : List.of("1500", "160001", "1cff", "1d08ffffffffffffffff", "30", "0261", "01", "21ff",
        "0bf7ffffffffffffffff", "21fff0000000000001", "02ff00")) {
      assertThrows(IllegalArgumentException.class, () -> KeyCodec.decode(HEX.parseHex(bad)), bad);
    }
  }

  @Test
  void randomKeysRoundTrip() {
    long seed = Long.getLong("atomkv.test.seed", System.nanoTime());
    System.out.println("KeyCodecTest.randomKeysRoundTrip seed=" + seed);
    Random random = new Random(seed);
    for (int i = 0; i < 2000; i++) {
      List<Object> parts = new ArrayList<>();
      int n = 1 + random.nextInt(4);
      for (int p = 0; p < n; p++) {
        parts.add(randomPart(random));
      }
      Key key = Key.ofParts(parts);
      byte[] encoded = KeyCodec.encode(key);
      Key decoded = KeyCodec.decode(encoded);
      assertEquals(key, decoded, "seed=" + seed);
      assertArrayEquals(encoded, KeyCodec.encode(decoded), "seed=" + seed);
    }
  }

  private static Object randomPart(Random random) {
    return switch (random.nextInt(7)) {
      case 0 -> {
        byte[] b = new byte[random.nextInt(6)];
        random.nextBytes(b);
        yield b;
      }
      case 1 -> random.ints(random.nextInt(5), 0, 0x3000)
          .filter(c -> c < 0xd800 || c > 0xdfff)
          .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append)
          .toString();
      case 2 -> random.nextLong() >> random.nextInt(64);
      case 3 -> new BigInteger(64 + random.nextInt(200), random).multiply(BigInteger.valueOf(random.nextBoolean() ? 1 : -1));
      case 4 -> Double.longBitsToDouble(random.nextLong());
      case 5 -> random.nextGaussian() * 1000;
      default -> random.nextBoolean();
    };
  }

  private static String hex(Key key) {
    return HEX.formatHex(KeyCodec.encode(key));
  }
}
