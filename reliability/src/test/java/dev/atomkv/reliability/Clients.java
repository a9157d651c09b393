package dev.atomkv.reliability;

import dev.atomkv.client.KvClient;
import io.grpc.ManagedChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Client handles to one server process, spread over a few connections as separate services would be. */
final class Clients implements AutoCloseable {
  /** Generous: the machine is shared; a call this slow has failed anyway. */
  private static final Duration DEADLINE = Duration.ofSeconds(30);

  private final List<ManagedChannel> channels = new ArrayList<>();
  private final List<KvClient> clients = new ArrayList<>();

  Clients(ServerProcess server, int count, int connections) {
    for (int i = 0; i < connections; i++) {
      channels.add(server.channel());
    }
    for (int i = 0; i < count; i++) {
      clients.add(KvClient.builder(channels.get(i % connections)).deadline(DEADLINE).build());
    }
  }

  List<KvClient> all() {
    return clients;
  }

  KvClient first() {
    return clients.get(0);
  }

  @Override
  public void close() throws InterruptedException {
    for (ManagedChannel c : channels) {
      c.shutdownNow();
    }
    for (ManagedChannel c : channels) {
      c.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
