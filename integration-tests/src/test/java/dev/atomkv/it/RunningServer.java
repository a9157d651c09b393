package dev.atomkv.it;

import dev.atomkv.client.KvClient;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.server.AtomkvServer;
import dev.atomkv.server.ServerConfig;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real server (Netty on a loopback port the OS picks, LMDB in a temp dir) and a channel to it,
 * with the Java client and the raw blocking stub for tests that assert on exact wire fields.
 */
public final class RunningServer implements AutoCloseable {
  private final Path dataDir;
  private final String[] flags;
  private AtomkvServer server;
  private ManagedChannel channel;
  private KvClient client;

  private RunningServer(Path dataDir, String[] flags) {
    this.dataDir = dataDir;
    this.flags = flags;
  }

  /** Starts a server on {@code dataDir}; {@code flags} are extra server flags. */
  public static RunningServer start(Path dataDir, String... flags) throws IOException {
    RunningServer s = new RunningServer(dataDir, flags);
    s.open();
    return s;
  }

  private void open() throws IOException {
    List<String> args = new ArrayList<>();
    for (String d : List.of("--bind=127.0.0.1", "--port=0", "--metrics-port=0",
        "--kv-connect-port=0", "--console-port=0",
        "--data-dir=" + dataDir, "--map-size=1g", "--sweep-interval-ms=50",
        "--shutdown-grace-ms=2000")) {
      String name = d.substring(0, d.indexOf('=') + 1);
      // A flag given by the test replaces the default of the same name.
      if (Arrays.stream(flags).noneMatch(f -> f.startsWith(name))) {
        args.add(d);
      }
    }
    args.addAll(List.of(flags));
    server = AtomkvServer.start(ServerConfig.parse(args.toArray(String[]::new)));
    channel = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
        .usePlaintext()
        .maxInboundMessageSize(64 << 20)
        .build();
    client = KvClient.create(channel);
  }

  /** Stops the server gracefully and starts it again on the same data dir and flags. */
  public void restart() throws IOException {
    close();
    open();
  }

  public KvClient client() {
    return client;
  }

  public KvServiceGrpc.KvServiceBlockingStub stub() {
    return KvServiceGrpc.newBlockingStub(channel).withDeadlineAfter(10, TimeUnit.SECONDS);
  }

  public ManagedChannel channel() {
    return channel;
  }

  public int port() {
    return server.port();
  }

  /** The server itself, for what the client cannot see (a cluster member's status). */
  public AtomkvServer server() {
    return server;
  }

  /** The port of KV Connect (Deno's remote protocol). */
  public int kvConnectPort() {
    return server.kvConnectPort();
  }

  /** The port of the web console. */
  public int consolePort() {
    return server.consolePort();
  }

  /** The port of the Prometheus /metrics endpoint. */
  public int metricsPort() {
    return server.metricsPort();
  }

  @Override
  public void close() {
    if (channel != null) {
      channel.shutdownNow();
      try {
        channel.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      channel = null;
    }
    if (server != null) {
      server.close();
      server = null;
    }
  }
}
