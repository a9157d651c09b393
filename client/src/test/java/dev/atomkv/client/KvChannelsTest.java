package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.List;
import org.junit.jupiter.api.Test;

class KvChannelsTest {
  @Test
  void severalAddressesBecomeAnAtomkvTargetThatReadsBackTheSame() {
    String target = KvChannels.forAddresses(List.of("kv1:1", "[::1]:2", "10.0.0.9:3")).target();
    assertTrue(target.startsWith("atomkv:///kv1:1,"), target);
    assertEquals(List.of(new HostPort("kv1", 1), new HostPort("::1", 2), new HostPort("10.0.0.9", 3)),
        AtomkvNameResolverProvider.addresses(URI.create(target)));
    assertEquals("atomkv:///a:1,b:2", KvChannels.forTarget("a:1, b:2").target());
  }

  @Test
  void oneAddressOrAnyOtherTargetIsLeftToGrpc() {
    assertEquals("localhost:50051", KvChannels.forTarget("localhost:50051").target());
    assertEquals("dns:///kv:1", KvChannels.forTarget("dns:///kv:1").target());
    assertEquals("atomkv:///a:1,b:2", KvChannels.forTarget("atomkv:///a:1,b:2").target());
  }

  @Test
  void badInputIsNamed() {
    assertEquals("bad server address \"b:99999\": the port must be a number from 1 to 65535",
        assertThrows(IllegalArgumentException.class, () -> KvChannels.forTarget("a:1,b:99999"))
            .getMessage());
    assertEquals("empty server address (expected host:port)",
        assertThrows(IllegalArgumentException.class, () -> KvChannels.forTarget(" ")).getMessage());
    assertEquals("bad server address \"kv1\": no port (expected host:port)",
        assertThrows(IllegalArgumentException.class,
            () -> KvChannels.forAddresses(List.of("kv1"))).getMessage());
    KvChannels.Builder b = KvChannels.forTarget("a:1");
    assertEquals("bearer token is empty",
        assertThrows(IllegalArgumentException.class, () -> b.bearerToken(" ")).getMessage());
    assertTrue(assertThrows(IllegalArgumentException.class, () -> b.bearerToken("to\nken"))
        .getMessage().startsWith("bearer token holds a character"));
    assertThrows(IllegalArgumentException.class, () -> b.maxInboundMessageSize(0));
  }
}
