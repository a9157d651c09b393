package dev.atomkv.client;

import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.util.Collection;
import java.util.List;

/**
 * The {@code atomkv} target scheme: {@code atomkv:///host1:port1,host2:port2,host3:port3} names
 * several atomkv nodes, and a channel to it spreads calls round robin over those that are up and
 * pass gRPC health checks (grpc.health.v1, service ""). Registered with gRPC through
 * {@code META-INF/services}, so {@code Grpc.newChannelBuilder("atomkv:///a:50051,b:50051", creds)}
 * works wherever this jar is on the class path; {@link KvChannels} builds such targets.
 *
 * <p>The target's service config (round robin, health checks) replaces any default service config
 * set on the channel builder. Health checking needs {@code io.grpc:grpc-services} at run time (a
 * dependency of this client); without it round robin still skips nodes that cannot be reached.
 */
public final class AtomkvNameResolverProvider extends NameResolverProvider {
  /** The target scheme. */
  public static final String SCHEME = "atomkv";

  /** For {@link java.util.ServiceLoader}. */
  public AtomkvNameResolverProvider() {}

  @Override
  public NameResolver newNameResolver(URI target, NameResolver.Args args) {
    if (!SCHEME.equals(target.getScheme())) {
      return null;
    }
    return new AddressListNameResolver(addresses(target), args, InetAddress::getAllByName);
  }

  /** The nodes of an {@code atomkv:///} target; a bad target gives an error naming what is wrong. */
  static List<HostPort> addresses(URI target) {
    if (target.getAuthority() != null && !target.getAuthority().isEmpty()) {
      throw new IllegalArgumentException("bad atomkv target \"" + target
          + "\": the addresses go after three slashes, atomkv:///host1:port1,host2:port2");
    }
    String path = target.getPath();
    if (path == null || !path.startsWith("/") || path.length() == 1) {
      throw new IllegalArgumentException("bad atomkv target \"" + target
          + "\": no addresses (expected atomkv:///host1:port1,host2:port2)");
    }
    return HostPort.parseList(path.substring(1));
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5; // gRPC's suggested default; no other provider claims this scheme
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }
}
