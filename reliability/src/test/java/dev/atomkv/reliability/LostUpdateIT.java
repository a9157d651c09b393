package dev.atomkv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many clients increment one counter at once: with {@code sum}, and with a read-check-set loop that
 * retries on a failed check; both end at exactly the number of acknowledged increments. The same
 * loop without the check loses increments, and the test sees it: proof that it could see a loss.
 * Increments per client: {@code reliability.counter.increments}.
 */
class LostUpdateIT {
  private static final int CLIENTS = 16;

  @TempDir Path dir;

  private ServerProcess server;
  private Clients clients;
  private final int increments = Integer.getInteger("reliability.counter.increments", 100);

  @BeforeEach
  void start() throws Exception {
    server = ServerProcess.start(dir.resolve("data"), dir.resolve("server.log"), null);
    clients = new Clients(server, CLIENTS, 4);
  }

  @AfterEach
  void stop() throws Exception {
    clients.close();
    server.stop();
  }

  @Test
  void sumLosesNoIncrement() throws Exception {
    Key key = Key.of("counter", "sum");
    long acked = concurrently(kv -> kv.atomic().sum(key, 1).commit().ok());

    assertEquals(CLIENTS * (long) increments, acked);
    assertEquals(acked, value(key));
    report("sum", acked, acked, 0, value(key));
  }

  @Test
  void readCheckSetLosesNoIncrement() throws Exception {
    Key key = Key.of("counter", "checked");
    AtomicLong conflicts = new AtomicLong();
    long acked = concurrently(kv -> {
      while (true) {
        KvEntry e = kv.get(key);
        long n = e.exists() ? e.value().asU64() : 0;
        if (kv.atomic().check(e).set(key, KvValue.u64(n + 1)).commit().ok()) {
          return true;
        }
        conflicts.incrementAndGet();
      }
    });

    assertEquals(CLIENTS * (long) increments, acked);
    assertEquals(acked, value(key), "every acknowledged increment counted once");
    assertTrue(conflicts.get() > 0, "the clients really raced: the check failed sometimes");
    report("read-check-set", 2 * (acked + conflicts.get()), acked, conflicts.get(), value(key));
  }

  @Test
  void readSetWithoutTheCheckVisiblyLosesIncrements() throws Exception {
    Key key = Key.of("counter", "unchecked");
    long acked = concurrently(kv -> {
      KvEntry e = kv.get(key);
      long n = e.exists() ? e.value().asU64() : 0;
      return kv.atomic().set(key, KvValue.u64(n + 1)).commit().ok();
    });

    long stored = value(key);
    assertEquals(CLIENTS * (long) increments, acked);
    assertTrue(stored < acked, "without the check, racing clients overwrite each other's "
        + "increments: " + stored + " stored for " + acked + " acknowledged");
    report("read-set without check", 2 * acked, acked, 0, stored);
  }

  /** Runs {@code increment} {@link #increments} times on each client; returns how many said ok. */
  private long concurrently(Predicate<KvClient> increment) throws InterruptedException {
    AtomicLong acked = new AtomicLong();
    List<Thread> threads = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (KvClient kv : clients.all()) {
      Thread t = new Thread(() -> {
        try {
          for (int i = 0; i < increments; i++) {
            if (increment.test(kv)) {
              acked.incrementAndGet();
            }
          }
        } catch (RuntimeException e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      });
      threads.add(t);
      t.start();
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(List.of(), failures);
    return acked.get();
  }

  private long value(Key key) {
    return clients.first().get(key).value().asU64();
  }

  /** {@code operations}: the calls made, a Get and an Atomic per attempt of a read-set loop. */
  private static void report(String how, long operations, long acked, long conflicts,
      long stored) {
    new Figures("LostUpdateIT " + how).put("clients", CLIENTS).put("operations", operations)
        .put("acknowledged", acked)
        .put("checkFailures", conflicts).put("stored", stored).put("lost", acked - stored)
        .report();
  }
}
