package dev.atomkv.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolver.ConfigOrError;
import io.grpc.NameResolver.ResolutionResult;
import io.grpc.Status;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class AddressListNameResolverTest {
  private final List<Map<String, ?>> parsedConfigs = new ArrayList<>();
  private final Object parsedConfig = new Object();
  private final NameResolver.Args args = NameResolver.Args.newBuilder()
      .setDefaultPort(50051)
      .setProxyDetector(address -> null)
      .setSynchronizationContext(new SynchronizationContext((t, e) -> {
        throw new AssertionError(e);
      }))
      .setServiceConfigParser(new NameResolver.ServiceConfigParser() {
        @Override
        public ConfigOrError parseServiceConfig(Map<String, ?> config) {
          parsedConfigs.add(config);
          return ConfigOrError.fromConfig(parsedConfig);
        }
      })
      .build();

  /** kv1 has two IPs, kv2 one, anything else does not resolve. */
  private final AtomicInteger lookups = new AtomicInteger();
  private final AddressListNameResolver.Lookup dns = host -> {
    lookups.incrementAndGet();
    switch (host) {
      case "kv1":
        return new InetAddress[] {ip(10, 0, 0, 1), ip(10, 0, 0, 2)};
      case "kv2":
        return new InetAddress[] {ip(10, 0, 0, 3)};
      default:
        throw new UnknownHostException(host);
    }
  };

  private final List<ResolutionResult> results = new ArrayList<>();
  private final NameResolver.Listener2 listener = new NameResolver.Listener2() {
    @Override
    public void onResult(ResolutionResult result) {
      results.add(result);
    }

    @Override
    public Status onResult2(ResolutionResult result) {
      results.add(result);
      return Status.OK;
    }

    @Override
    public void onError(Status error) {
      throw new AssertionError("errors travel in the result, got " + error);
    }
  };

  @Test
  void oneGroupPerNodeWithItsOwnAuthorityAndTheRoundRobinHealthConfig() {
    NameResolver resolver = resolver("kv1:5001,kv2:5002");
    assertEquals("kv1:5001", resolver.getServiceAuthority());
    resolver.start(listener);

    assertEquals(1, results.size());
    ResolutionResult r = results.get(0);
    List<EquivalentAddressGroup> groups = r.getAddressesOrError().getValue();
    assertEquals(2, groups.size());
    assertEquals(List.of(new InetSocketAddress(ip(10, 0, 0, 1), 5001),
        new InetSocketAddress(ip(10, 0, 0, 2), 5001)), groups.get(0).getAddresses());
    assertEquals("kv1:5001",
        groups.get(0).getAttributes().get(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE));
    assertEquals(List.of(new InetSocketAddress(ip(10, 0, 0, 3), 5002)), groups.get(1).getAddresses());
    assertEquals("kv2:5002",
        groups.get(1).getAttributes().get(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE));

    assertSame(parsedConfig, r.getServiceConfig().getConfig());
    assertEquals(List.of(Map.of(
        "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
        "healthCheckConfig", Map.of("serviceName", ""))), parsedConfigs);
  }

  @Test
  void aNodeThatDoesNotResolveIsLeftOutAndTheOthersServe() {
    resolver("kv1:5001,gone:5002,kv2:5003").start(listener);
    List<EquivalentAddressGroup> groups = results.get(0).getAddressesOrError().getValue();
    assertEquals(List.of("kv1:5001", "kv2:5003"), groups.stream()
        .map(g -> g.getAttributes().get(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE)).toList());
  }

  @Test
  void noNodeResolvingIsUnavailableNamingThem() {
    resolver("gone:1,lost:2").start(listener);
    Status status = results.get(0).getAddressesOrError().getStatus();
    assertEquals(Status.Code.UNAVAILABLE, status.getCode());
    assertEquals("no atomkv server address resolves: [gone:1, lost:2]", status.getDescription());
  }

  @Test
  void refreshLooksTheNamesUpAgainUntilShutdown() {
    NameResolver resolver = resolver("kv1:1,kv2:2");
    resolver.start(listener);
    resolver.refresh();
    assertEquals(2, results.size());
    assertEquals(4, lookups.get());
    resolver.shutdown();
    resolver.refresh();
    assertEquals(2, results.size());
  }

  private AddressListNameResolver resolver(String list) {
    return new AddressListNameResolver(HostPort.parseList(list), args, dns);
  }

  private static InetAddress ip(int a, int b, int c, int d) {
    try {
      return InetAddress.getByAddress(new byte[] {(byte) a, (byte) b, (byte) c, (byte) d});
    } catch (UnknownHostException e) {
      throw new AssertionError(e);
    }
  }
}
