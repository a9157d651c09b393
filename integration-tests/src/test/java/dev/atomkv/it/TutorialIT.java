package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.CommitResult;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListSelector;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The README's client example, run against a real server. */
class TutorialIT {
  @TempDir Path dataDir;

  @Test
  void readmeExample() throws Exception {
    try (RunningServer server = RunningServer.start(dataDir)) {
      ManagedChannel channel = ManagedChannelBuilder
          .forAddress("127.0.0.1", server.port()).usePlaintext().build();
      KvClient kv = KvClient.create(channel);

      // Store a user and read it back.
      Key alice = Key.of("users", "alice");
      kv.set(alice, KvValue.of("Alice"));
      KvEntry read = kv.get(alice);
      assertEquals("Alice", read.value().asString());

      // Optimistic concurrency: write only if the user is unchanged since we read it.
      CommitResult renamed = kv.atomic()
          .check(read)
          .set(alice, KvValue.of("Alice Liddell"))
          .commit();
      assertTrue(renamed.ok());

      // A second writer still holding the old read loses: its check is stale, nothing is written.
      CommitResult stale = kv.atomic().check(read).set(alice, KvValue.of("Mallory")).commit();
      assertFalse(stale.ok());
      assertEquals(List.of(0), stale.failedChecks());
      assertEquals("Alice Liddell", kv.get(alice).value().asString());

      // Counters: sum adds to a u64 (a missing key starts from the operand).
      Key logins = Key.of("stats", "logins");
      kv.atomic().sum(logins, 1).commit();
      kv.atomic().sum(logins, 1).commit();
      assertEquals(2, kv.get(logins).value().asU64());

      // List by prefix, in key order.
      kv.set(Key.of("users", "bob"), KvValue.of("Bob"));
      List<String> users = kv.stream(ListSelector.prefix(Key.of("users")))
          .map(entry -> entry.value().asString())
          .toList();
      assertEquals(List.of("Alice Liddell", "Bob"), users);

      channel.shutdownNow();
    }
  }
}
