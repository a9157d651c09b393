package dev.atomkv.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.cli.KeySyntax.KeySyntaxException;
import dev.atomkv.client.Key;
import java.math.BigInteger;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KeySyntaxTest {
  private static void roundTrip(Key key, String text) {
    assertEquals(text, KeySyntax.format(key));
    assertEquals(key, KeySyntax.parse(text));
  }

  @Test
  void everyKindRoundTrips() {
    roundTrip(Key.of("users", 42L), "users/42n");
    roundTrip(Key.of("n", -7L), "n/-7n");
    roundTrip(Key.of(new BigInteger("123456789012345678901234567890")), "123456789012345678901234567890n");
    roundTrip(Key.of(1.5), "num:1.5");
    roundTrip(Key.of(1.0), "num:1.0");
    roundTrip(Key.of(-0.0), "num:-0.0");
    roundTrip(Key.of(1e21), "num:1.0e21");
    roundTrip(Key.of(1e-9), "num:1.0e-9");
    roundTrip(Key.of(Double.NaN), "num:NaN");
    roundTrip(Key.of(Double.longBitsToDouble(0xfff8000000000000L)), "num:-NaN");
    roundTrip(Key.of(Double.POSITIVE_INFINITY), "num:Infinity");
    roundTrip(Key.of(Double.NEGATIVE_INFINITY), "num:-Infinity");
    roundTrip(Key.of(true, false), "true/false");
    roundTrip(Key.of(new byte[] {0x0a, (byte) 0xff}), "bytes:0aff");
    roundTrip(Key.of(new byte[0]), "bytes:");
    roundTrip(Key.of("a", 1L, 2.5, true, new byte[] {1}), "a/1n/num:2.5/true/bytes:01");
    roundTrip(Key.of(), "");
  }

  @Test
  void stringsThatLookTypedGetStrPrefix() {
    for (String s : List.of("true", "false", "42n", "-1n", "str:x", "int:1", "num:1", "bytes:00", "")) {
      String text = KeySyntax.format(Key.of(s));
      assertTrue(text.startsWith("str:"), text);
      assertEquals(Key.of(s), KeySyntax.parse(text));
    }
    // Text that is not a typed form stays plain.
    roundTrip(Key.of("42"), "42");
    roundTrip(Key.of("n42"), "n42");
    roundTrip(Key.of("http:x"), "http:x");
    roundTrip(Key.of("True"), "True");
  }

  @Test
  void escapes() {
    roundTrip(Key.of("a/b", "100%"), "a%2Fb/100%25");
    roundTrip(Key.of("line\nbreak"), "line%0Abreak");
    roundTrip(Key.of("str:a/b"), "str:str:a%2Fb");
    roundTrip(Key.of("héllo ✓"), "héllo ✓");
    assertEquals(Key.of("é"), KeySyntax.parse("%C3%A9"));
    assertEquals(Key.of("a/b"), KeySyntax.parse("%2fa%2Fb".substring(3)));
    assertEquals(Key.of("true"), KeySyntax.parse("str:true"));
  }

  @Test
  void alternativeForms() {
    assertEquals(Key.of(42L), KeySyntax.parse("int:42"));
    assertEquals(Key.of(-42L), KeySyntax.parse("int:-42"));
    assertEquals(Key.of(2.0), KeySyntax.parse("num:2"));
    assertEquals(Key.of(1e-9), KeySyntax.parse("num:1E-9"));
    assertArrayEquals(new byte[] {(byte) 0xab}, (byte[]) KeySyntax.parse("bytes:AB").parts().get(0));
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "a//b", "a/", "/a", "int:", "int:1.5", "int:x", "num:", "num:abc", "num:0x10", "num:1d",
      "bytes:0", "bytes:zz", "a%", "a%2", "a%zz", "%FF", "str:%C3"})
  void errors(String text) {
    KeySyntaxException e = assertThrows(KeySyntaxException.class, () -> KeySyntax.parse(text));
    assertTrue(e.getMessage().startsWith("bad key \"" + text + "\""), e.getMessage());
  }

  @Test
  void errorMessagesNameThePart() {
    assertEquals("bad key \"users//42n\": part 2 \"\": empty part (write the empty string as str:)",
        assertThrows(KeySyntaxException.class, () -> KeySyntax.parse("users//42n")).getMessage());
    assertEquals("bad key \"x/int:4a\": part 2 \"int:4a\": int: needs decimal digits with an optional '-'",
        assertThrows(KeySyntaxException.class, () -> KeySyntax.parse("x/int:4a")).getMessage());
    assertThrows(KeySyntaxException.class, () -> KeySyntax.parseNonEmpty(""));
  }

  @Test
  void tooLargeIntegerIsASyntaxError() {
    String huge = "1" + "0".repeat(700) + "n";
    assertThrows(KeySyntaxException.class, () -> KeySyntax.parse(huge));
  }
}
