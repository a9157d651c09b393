package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import java.net.URI;
import java.util.List;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class AtomkvNameResolverProviderTest {
  private final AtomkvNameResolverProvider provider = new AtomkvNameResolverProvider();

  @Test
  void gRpcFindsTheSchemeThroughServiceLoader() {
    assertTrue(ServiceLoader.load(NameResolverProvider.class).stream()
        .anyMatch(p -> p.type() == AtomkvNameResolverProvider.class));
    assertTrue(NameResolverRegistry.getDefaultRegistry().getProviderForScheme("atomkv")
        instanceof AtomkvNameResolverProvider);
  }

  @Test
  void readsTheNodesOfATarget() {
    assertEquals(List.of(new HostPort("kv1", 1), new HostPort("::1", 2)),
        AtomkvNameResolverProvider.addresses(URI.create("atomkv:///kv1:1,%5B::1%5D:2")));
  }

  @Test
  void leavesOtherSchemesAlone() {
    assertEquals("atomkv", provider.getDefaultScheme());
    // Another scheme is declined before the arguments are looked at.
    assertNull(provider.newNameResolver(URI.create("dns:///kv1:1"), null));
  }

  @Test
  void aBadTargetIsNamed() {
    assertEquals("bad atomkv target \"atomkv://kv1:1/kv2:2\": the addresses go after three slashes,"
            + " atomkv:///host1:port1,host2:port2",
        assertThrows(IllegalArgumentException.class,
            () -> AtomkvNameResolverProvider.addresses(URI.create("atomkv://kv1:1/kv2:2"))).getMessage());
    assertEquals("bad atomkv target \"atomkv:///\": no addresses (expected"
            + " atomkv:///host1:port1,host2:port2)",
        assertThrows(IllegalArgumentException.class,
            () -> AtomkvNameResolverProvider.addresses(URI.create("atomkv:///"))).getMessage());
    assertEquals("bad server address \"kv2\": no port (expected host:port)",
        assertThrows(IllegalArgumentException.class,
            () -> AtomkvNameResolverProvider.addresses(URI.create("atomkv:///kv1:1,kv2"))).getMessage());
  }
}
