package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class VersionstampTest {
  @Test
  void hexRoundTrip() {
    Versionstamp vs = Versionstamp.parse("00061a2b3c4d5e6f0102");
    assertEquals("00061a2b3c4d5e6f0102", vs.toString());
    assertEquals(vs, Versionstamp.parse("00061A2B3C4D5E6F0102"));
    assertEquals(vs, Versionstamp.fromBytes(vs.toBytes()));
    assertEquals(0x00061a2b3c4d5e6fL, vs.commitVersion());
    assertEquals(0x0102, vs.position());
  }

  @Test
  void ofLaysOutCommitVersionThenPosition() {
    Versionstamp vs = Versionstamp.of(0x0102030405060708L, 0xfffe);
    assertArrayEquals(new byte[] {1, 2, 3, 4, 5, 6, 7, 8, (byte) 0xff, (byte) 0xfe}, vs.toBytes());
    assertEquals("0102030405060708fffe", vs.toString());
    assertEquals(0xfffe, vs.position());
  }

  @Test
  void ordersAsUnsignedBytes() {
    List<Versionstamp> stamps = new ArrayList<>(List.of(
        Versionstamp.parse("ff00000000000000ffff"),
        Versionstamp.parse("00000000000000010000"),
        Versionstamp.parse("0000000000000000ffff"),
        Versionstamp.parse("00000000000000000001"),
        Versionstamp.parse("80000000000000000000")));
    Collections.sort(stamps);
    assertEquals(List.of(
        Versionstamp.parse("00000000000000000001"),
        Versionstamp.parse("0000000000000000ffff"),
        Versionstamp.parse("00000000000000010000"),
        Versionstamp.parse("80000000000000000000"),
        Versionstamp.parse("ff00000000000000ffff")), stamps);
    assertTrue(Versionstamp.of(-1L, 0).compareTo(Versionstamp.of(1L, 0)) > 0, "commit version is unsigned");
  }

  @Test
  void isImmutable() {
    byte[] bytes = new byte[10];
    Versionstamp vs = Versionstamp.fromBytes(bytes);
    bytes[0] = 1;
    vs.toBytes()[1] = 1;
    assertEquals("00000000000000000000", vs.toString());
  }

  @Test
  void rejectsMalformedInput() {
    assertThrows(IllegalArgumentException.class, () -> Versionstamp.fromBytes(new byte[9]));
    assertThrows(IllegalArgumentException.class, () -> Versionstamp.parse("0011"));
    assertThrows(IllegalArgumentException.class, () -> Versionstamp.parse("zz061a2b3c4d5e6f0102"));
    assertThrows(IllegalArgumentException.class, () -> Versionstamp.of(1, 65536));
  }
}
