package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HostPortTest {
  @Test
  void readsNamesIpv4AndBracketedIpv6() {
    assertEquals(new HostPort("localhost", 50051), HostPort.parse("localhost:50051"));
    assertEquals(new HostPort("10.0.0.7", 1), HostPort.parse("10.0.0.7:1"));
    assertEquals(new HostPort("kv-1.example_zone.test", 65535),
        HostPort.parse(" kv-1.example_zone.test:65535 "));
    HostPort v6 = HostPort.parse("[::1]:6000");
    assertEquals(new HostPort("::1", 6000), v6);
    assertEquals("[::1]:6000", v6.authority());
    assertEquals("[fe80::1%eth0]:7", HostPort.parse("[fe80::1%eth0]:7").authority());
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', value = {
      "localhost       | no port",
      "localhost:      | the port must be a number from 1 to 65535",
      "localhost:0     | the port must be a number from 1 to 65535",
      "localhost:65536 | the port must be a number from 1 to 65535",
      "localhost:5x    | the port must be a number from 1 to 65535",
      "localhost:-1    | the port must be a number from 1 to 65535",
      ":50051          | no host",
      "::1:50051       | an IPv6 address is written in brackets",
      "[::1]50051      | an IPv6 address is written [address]:port",
      "[::1            | an IPv6 address is written [address]:port",
      "[kv1]:50051     | not an IPv6 address between the brackets",
      "http://kv:1     | an IPv6 address is written in brackets",
      "kv/x:1          | the host may hold only letters, digits",
      "user@kv:1       | the host may hold only letters, digits",
  })
  void aBadAddressIsNamedWithTheReason(String address, String reason) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> HostPort.parse(address));
    assertTrue(e.getMessage().startsWith("bad server address \"" + address + "\": "), e.getMessage());
    assertTrue(e.getMessage().contains(reason), e.getMessage());
  }

  @Test
  void aListKeepsItsOrder() {
    assertEquals(List.of(new HostPort("a", 1), new HostPort("b", 2), new HostPort("::1", 3)),
        HostPort.parseList("a:1, b:2,[::1]:3"));
    assertEquals(List.of(new HostPort("a", 1)), HostPort.parseList("a:1"));
  }

  @Test
  void aListWithAGapARepeatOrABadEntryIsRefused() {
    assertEquals("empty address in the list \"a:1,,b:2\" (expected host:port,host:port)",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseList("a:1,,b:2")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> HostPort.parseList("a:1,"))
        .getMessage().startsWith("empty address in the list"));
    assertEquals("bad server address \"A:1\": listed twice",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseList("a:1,b:2,A:1")).getMessage());
    assertEquals("bad server address \"b\": no port (expected host:port)",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseList("a:1,b")).getMessage());
    assertEquals("no server address given (expected host:port)",
        assertThrows(IllegalArgumentException.class, () -> HostPort.parseAll(List.of())).getMessage());
  }
}
