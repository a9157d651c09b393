package dev.atomkv.client;

import io.grpc.ChannelCredentials;
import io.grpc.CompositeChannelCredentials;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.NameResolverRegistry;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * Channels to atomkv servers. Given several addresses (the nodes of a cluster), the channel keeps
 * one connection per node and sends each call to the next node that is up and healthy (gRPC's
 * {@code round_robin} policy with client-side health checks, see {@link AtomkvNameResolverProvider}):
 * while a node is down, stopping or restarting, calls go to the others, and it is used again once
 * it is back.
 *
 * <pre>{@code
 * ManagedChannel channel = KvChannels.forAddresses(List.of("kv1:50051", "kv2:50051", "kv3:50051"))
 *     .credentials(TlsChannelCredentials.newBuilder().trustManager(caPem).build())
 *     .bearerToken(System.getenv("ATOMKV_AUTH_TOKEN"))
 *     .build();
 * KvClient kv = KvClient.create(channel);
 * }</pre>
 *
 * <p>What the client does with a failed call does not change: a Get or List page that meets
 * UNAVAILABLE is retried (and a retry goes to another node, the next in the rotation); an Atomic
 * is never retried, and one whose outcome is unknown throws {@link CommitOutcomeUnknownException}.
 *
 * <p>Building a channel needs a gRPC transport on the class path ({@code grpc-netty-shaded}). The
 * caller owns the channel and shuts it down.
 */
public final class KvChannels {
  /** Largest message the channel accepts unless set: a List page of large values fits. */
  public static final int DEFAULT_MAX_INBOUND_MESSAGE_SIZE = 64 << 20;

  private KvChannels() {}

  /**
   * A channel to these nodes, each {@code host:port} ({@code [::1]:50051} for IPv6). Bad input
   * (no port, a port out of range, an empty or repeated address) gives an IllegalArgumentException
   * naming the address.
   */
  public static Builder forAddresses(List<String> hostPorts) {
    Objects.requireNonNull(hostPorts, "hostPorts");
    return new Builder(target(HostPort.parseAll(hostPorts)));
  }

  /**
   * A channel to what the user wrote: a comma-separated list {@code host1:p1,host2:p2} is
   * {@link #forAddresses}; anything else is one gRPC target as {@code Grpc.newChannelBuilder}
   * takes it ({@code host:port}, {@code dns:///host:port}, {@code atomkv:///...}), connected as
   * gRPC connects to one target by default.
   */
  public static Builder forTarget(String target) {
    Objects.requireNonNull(target, "target");
    String t = target.strip();
    if (t.isEmpty()) {
      throw new IllegalArgumentException("empty server address (expected host:port)");
    }
    if (t.indexOf(',') >= 0 && !t.startsWith(AtomkvNameResolverProvider.SCHEME + ":")) {
      return new Builder(target(HostPort.parseList(t)));
    }
    return new Builder(t);
  }

  /** The {@code atomkv:///} target naming these nodes. */
  static String target(List<HostPort> nodes) {
    String list = nodes.stream().map(HostPort::authority).collect(Collectors.joining(","));
    try {
      // The URI constructor escapes what a path may not hold (an IPv6 literal's brackets).
      URI uri = new URI(AtomkvNameResolverProvider.SCHEME, "", "/" + list, null, null);
      return uri.toASCIIString();
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("bad server addresses " + list + ": " + e.getMessage(), e);
    }
  }

  /**
   * The scheme is registered through META-INF/services; a fat jar built without merging service
   * files loses that, so make sure here.
   */
  private static synchronized void ensureSchemeRegistered() {
    NameResolverRegistry registry = NameResolverRegistry.getDefaultRegistry();
    if (registry.getProviderForScheme(AtomkvNameResolverProvider.SCHEME) == null) {
      registry.register(new AtomkvNameResolverProvider());
    }
  }

  /** Settings of a channel: credentials, a bearer token, the largest inbound message. */
  public static final class Builder {
    private final String target;
    private ChannelCredentials credentials = InsecureChannelCredentials.create();
    private String bearerToken;
    private int maxInboundMessageSize = DEFAULT_MAX_INBOUND_MESSAGE_SIZE;

    private Builder(String target) {
      this.target = target;
    }

    /** The gRPC target the channel is built for. */
    public String target() {
      return target;
    }

    /** Transport security, e.g. {@code TlsChannelCredentials} (default: plaintext). */
    public Builder credentials(ChannelCredentials credentials) {
      this.credentials = Objects.requireNonNull(credentials, "credentials");
      return this;
    }

    /** Sends {@code authorization: Bearer <token>} on every call (a server with auth tokens). */
    public Builder bearerToken(String token) {
      if (token == null || token.isBlank()) {
        throw new IllegalArgumentException("bearer token is empty");
      }
      String t = token.strip();
      if (!t.chars().allMatch(c -> c >= 0x20 && c < 0x7f)) {
        throw new IllegalArgumentException("bearer token holds a character a header cannot carry"
            + " (only printable ASCII)");
      }
      this.bearerToken = t;
      return this;
    }

    /** The largest message the channel accepts, in bytes (default 64 MiB). */
    public Builder maxInboundMessageSize(int bytes) {
      if (bytes <= 0) {
        throw new IllegalArgumentException("maxInboundMessageSize must be positive, got " + bytes);
      }
      this.maxInboundMessageSize = bytes;
      return this;
    }

    /** A new channel; the caller shuts it down. */
    public ManagedChannel build() {
      ensureSchemeRegistered();
      ChannelCredentials c = bearerToken == null
          ? credentials
          : CompositeChannelCredentials.create(credentials, new BearerToken(bearerToken));
      return Grpc.newChannelBuilder(target, c)
          .maxInboundMessageSize(maxInboundMessageSize)
          .build();
    }
  }
}
