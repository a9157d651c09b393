package dev.atomkv.client;

import io.grpc.ManagedChannel;
import io.grpc.Server;
import io.grpc.inprocess.InProcessChannelBuilder;
import io.grpc.inprocess.InProcessServerBuilder;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A JUnit extension that runs a {@link FakeKvService} on an in-process gRPC server for each test,
 * with a channel to it, and shuts both down afterwards. Register it with {@code @RegisterExtension}.
 */
final class FakeKvServer implements BeforeEachCallback, AfterEachCallback {
  private FakeKvService service;
  private Server server;
  private ManagedChannel channel;

  @Override
  public void beforeEach(ExtensionContext context) throws Exception {
    String name = InProcessServerBuilder.generateName();
    service = new FakeKvService();
    server = InProcessServerBuilder.forName(name).addService(service).build().start();
    channel = InProcessChannelBuilder.forName(name).build();
  }

  @Override
  public void afterEach(ExtensionContext context) throws Exception {
    channel.shutdownNow();
    server.shutdownNow();
    channel.awaitTermination(5, TimeUnit.SECONDS);
    server.awaitTermination(5, TimeUnit.SECONDS);
  }

  /** The scripted service of the current test. */
  FakeKvService service() {
    return service;
  }

  ManagedChannel channel() {
    return channel;
  }

  /** A client with default settings, except a 1 ms read backoff to keep retry tests fast. */
  KvClient client() {
    return KvClient.builder(channel).readBackoff(Duration.ofMillis(1)).build();
  }
}
