package dev.atomkv.it;

import static dev.atomkv.client.Condition.beginsWith;
import static dev.atomkv.client.Condition.equalTo;
import static dev.atomkv.client.Condition.exists;
import static dev.atomkv.client.Condition.greaterThan;
import static dev.atomkv.client.Where.where;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.CommitResult;
import dev.atomkv.client.Filter;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListSelector;
import io.grpc.ManagedChannel;
import io.grpc.ManagedChannelBuilder;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
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

  @Test
  void readmeConditionsExample() throws Exception {
    try (RunningServer server = RunningServer.start(dataDir)) {
      KvClient kv = server.client();
      kv.set(Key.of("employee2"), KvValue.json(Map.of("surname", "Stone", "nationality", "Austrian")));
      kv.set(Key.of("employee4"), KvValue.json(Map.of("age", 65)));
      kv.set(Key.of("employee5"), KvValue.json(Map.of("address", Map.of("city", "Sydney"))));

      CommitResult r = kv.atomic()
          .set(Key.of("employee1"), KvValue.json(Map.of("surname", "Jones", "nationality", "Welsh")))
          .set(Key.of("employee2"), KvValue.json(Map.of("surname", "Smith", "nationality", "Australian")),
              where(Filter.and("surname", beginsWith("S")).and("nationality", beginsWith("A"))))
          .delete(Key.of("employee4"), where(Filter.or("leaving", exists()).or("age", greaterThan(64))))
          .check(Key.of("employee5"), Filter.and("address.city", equalTo("Sydney")))
          .commit();
      assertTrue(r.ok());
      assertEquals("Smith", kv.get(Key.of("employee2")).value().asMap().get("surname"));
      assertFalse(kv.get(Key.of("employee4")).exists());

      // The same request once employee5 has moved: the check fails and nothing is written.
      kv.set(Key.of("employee5"), KvValue.json(Map.of("address", Map.of("city", "Perth"))));
      kv.set(Key.of("employee4"), KvValue.json(Map.of("age", 30)));
      CommitResult refused = kv.atomic()
          .delete(Key.of("employee4"), where(Filter.or("leaving", exists()).or("age", greaterThan(64))))
          .check(Key.of("employee5"), Filter.and("address.city", equalTo("Sydney")))
          .commit();
      assertFalse(refused.ok());
      assertEquals(List.of(0), refused.failedChecks());
      assertEquals(List.of(0), refused.failedConditions());
      assertTrue(kv.get(Key.of("employee4")).exists());
    }
  }
}
