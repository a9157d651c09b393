package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class KeyTest {
  @Test
  void javaIntegersBecomeLongIntegerParts() {
    Key expected = Key.of(42L);
    assertEquals(expected, Key.of(42));
    assertEquals(expected, Key.of((short) 42));
    assertEquals(expected, Key.of((byte) 42));
    assertEquals(expected, Key.of(BigInteger.valueOf(42)));
    assertEquals(List.of(42L), Key.of(42).parts());
  }

  @Test
  void bigIntegersInsideInt64AreLongsOutsideStayBig() {
    assertEquals(Long.MAX_VALUE, Key.of(BigInteger.valueOf(Long.MAX_VALUE)).parts().get(0));
    assertEquals(Long.MIN_VALUE, Key.of(BigInteger.valueOf(Long.MIN_VALUE)).parts().get(0));
    BigInteger big = BigInteger.TWO.pow(63);
    assertEquals(big, Key.of(big).parts().get(0));
    assertEquals(big.negate().subtract(BigInteger.ONE),
        Key.of(big.negate().subtract(BigInteger.ONE)).parts().get(0));
  }

  @Test
  void floatingPointBecomesNumberPartsDistinctFromIntegers() {
    assertEquals(List.of(1.5), Key.of(1.5f).parts());
    assertEquals(Key.of(1.5), Key.of(1.5f));
    assertNotEquals(Key.of(1), Key.of(1.0));
    assertNotEquals(Key.of(0.0), Key.of(-0.0));
    assertEquals(Key.of(Double.NaN), Key.of(Double.longBitsToDouble(0x7ff0000000000001L)));
  }

  @Test
  void stringsBytesAndBooleans() {
    Key key = Key.of("users", new byte[] {1, 2}, true);
    List<Object> parts = key.parts();
    assertEquals("users", parts.get(0));
    assertArrayEquals(new byte[] {1, 2}, (byte[]) parts.get(1));
    assertEquals(Boolean.TRUE, parts.get(2));
  }

  @Test
  void keysAreImmutable() {
    byte[] given = {1, 2};
    Key key = Key.of((Object) given);
    given[0] = 9;
    byte[] seen = (byte[]) key.parts().get(0);
    seen[1] = 9;
    assertArrayEquals(new byte[] {1, 2}, (byte[]) key.parts().get(0));
    assertThrows(UnsupportedOperationException.class, () -> key.parts().add("x"));
  }

  @Test
  void rejectsUnsupportedParts() {
    assertThrows(IllegalArgumentException.class, () -> Key.of((Object) null));
    assertThrows(IllegalArgumentException.class, () -> Key.of(new BigDecimal("1.5")));
    assertThrows(IllegalArgumentException.class, () -> Key.of('c'));
    assertThrows(IllegalArgumentException.class, () -> Key.of(List.of("a")));
  }

  @Test
  void toStringUsesDenoNotation() {
    assertEquals("[\"users\", 42n, true]", Key.of("users", 42, true).toString());
    assertEquals("[1.5, 1, -0, NaN, -Infinity, false]",
        Key.of(1.5, 1.0, -0.0, Double.NaN, Double.NEGATIVE_INFINITY, false).toString());
    assertEquals("[bytes(0100ff), \"a\\\"b\", 18446744073709551616n]",
        Key.of(new byte[] {1, 0, (byte) 0xff}, "a\"b", BigInteger.TWO.pow(64)).toString());
    assertEquals("[]", Key.of().toString());
  }

  @Test
  void appendMakesANewKey() {
    Key users = Key.of("users");
    Key alice = users.append("alice", 1);
    assertEquals(Key.of("users", "alice", 1L), alice);
    assertEquals(Key.of("users"), users);
    assertTrue(alice.startsWith(users));
    assertFalse(users.startsWith(alice));
    assertEquals(3, alice.size());
  }

  @Test
  void equalsAndHashCodeFollowTheEncoding() {
    assertEquals(Key.of("a", new byte[] {1}), Key.of("a", new byte[] {1}));
    assertEquals(Key.of("a", new byte[] {1}).hashCode(), Key.of("a", new byte[] {1}).hashCode());
    assertNotEquals(Key.of("a"), Key.of((Object) "a".getBytes()));
  }

  @Test
  void sortsInKeyOrder() {
    List<Key> keys = new ArrayList<>(List.of(
        Key.of(true), Key.of(1.0), Key.of("a", "b"), Key.of(1), Key.of("a"), Key.of((Object) new byte[] {9}), Key.of(false)));
    Collections.sort(keys);
    assertEquals(List.of(
        Key.of((Object) new byte[] {9}), Key.of("a"), Key.of("a", "b"), Key.of(1), Key.of(1.0), Key.of(false), Key.of(true)),
        keys);
  }
}
