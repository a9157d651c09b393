package dev.atomkv.client;

import io.grpc.Attributes;
import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.grpc.SynchronizationContext;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * Resolves a fixed list of atomkv nodes: one address group per node (all the IPs its host name
 * has), and a service config that spreads calls round robin over the nodes that pass gRPC health
 * checks. Looked up again whenever the load balancer asks (a node's connection failed), so a node
 * whose host name moved is found again.
 */
final class AddressListNameResolver extends NameResolver {
  /** The service config every channel to an address list gets. */
  static final Map<String, ?> SERVICE_CONFIG = Map.of(
      "loadBalancingConfig", List.of(Map.of("round_robin", Map.of())),
      // "" asks for the server's overall health; a closing server reports NOT_SERVING before it
      // stops, so calls leave it before its connections go.
      "healthCheckConfig", Map.of("serviceName", ""));

  /** Host name lookup; a test replaces it. */
  interface Lookup {
    InetAddress[] allByName(String host) throws UnknownHostException;
  }

  private final List<HostPort> nodes;
  private final Lookup lookup;
  private final SynchronizationContext syncContext;
  private final Executor executor;
  private final ConfigOrError serviceConfig;

  // Touched only in syncContext.
  private Listener2 listener;
  private boolean resolving;
  private boolean shutdown;

  AddressListNameResolver(List<HostPort> nodes, Args args, Lookup lookup) {
    this.nodes = List.copyOf(nodes);
    this.lookup = lookup;
    this.syncContext = args.getSynchronizationContext();
    // Host lookups block; the channel's offload executor is there for that. Without one (a bare
    // Args) they run on the calling thread.
    Executor offload = args.getOffloadExecutor();
    this.executor = offload != null ? offload : Runnable::run;
    this.serviceConfig = args.getServiceConfigParser().parseServiceConfig(SERVICE_CONFIG);
  }

  @Override
  public String getServiceAuthority() {
    // The channel needs one authority; each node's own goes with its address group.
    return nodes.get(0).authority();
  }

  @Override
  public void start(Listener2 listener) {
    if (this.listener != null) {
      throw new IllegalStateException("already started");
    }
    this.listener = listener;
    resolve();
  }

  @Override
  public void refresh() {
    if (listener == null) {
      throw new IllegalStateException("not started");
    }
    resolve();
  }

  @Override
  public void shutdown() {
    shutdown = true;
  }

  private void resolve() {
    if (resolving || shutdown) {
      return;
    }
    resolving = true;
    executor.execute(() -> {
      List<EquivalentAddressGroup> groups = new ArrayList<>(nodes.size());
      List<String> unresolved = new ArrayList<>();
      for (HostPort node : nodes) {
        try {
          groups.add(group(node));
        } catch (UnknownHostException e) {
          unresolved.add(node.authority());
        }
      }
      syncContext.execute(() -> deliver(groups, unresolved));
    });
  }

  private void deliver(List<EquivalentAddressGroup> groups, List<String> unresolved) {
    resolving = false;
    if (shutdown) {
      return;
    }
    // A node whose name does not resolve (now) is left out; the others still serve. Only when no
    // node resolves is it an error, and the channel then asks again with backoff.
    StatusOr<List<EquivalentAddressGroup>> addresses = groups.isEmpty()
        ? StatusOr.fromStatus(Status.UNAVAILABLE.withDescription(
            "no atomkv server address resolves: " + unresolved))
        : StatusOr.fromValue(groups);
    listener.onResult2(ResolutionResult.newBuilder()
        .setAddressesOrError(addresses)
        .setServiceConfig(serviceConfig)
        .build());
  }

  private EquivalentAddressGroup group(HostPort node) throws UnknownHostException {
    List<SocketAddress> addresses = new ArrayList<>();
    for (InetAddress ip : lookup.allByName(node.host())) {
      addresses.add(new InetSocketAddress(ip, node.port()));
    }
    if (addresses.isEmpty()) {
      throw new UnknownHostException(node.host());
    }
    // The node's own host:port is the authority on its connections (TLS checks its certificate
    // against it), not the channel's single authority.
    Attributes attributes = Attributes.newBuilder()
        .set(EquivalentAddressGroup.ATTR_AUTHORITY_OVERRIDE, node.authority())
        .build();
    return new EquivalentAddressGroup(addresses, attributes);
  }
}
