package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.CommitResult;
import dev.atomkv.client.EnqueueOptions;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListenOptions;
import dev.atomkv.client.QueueListener;
import dev.atomkv.client.QueueMessage;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Deno's queue tests, through the real server and the Java client: enqueue and listen, delays,
 * retries on the backoff schedule, dead letters, enqueues inside failed checks, exactly-once
 * effects with a nonce, persistence across a restart, and several listeners sharing the work.
 * Timings are short but every wait has a wide margin: the machine may be loaded.
 */
class QueueIT {
  /** How long a message that should arrive may take on a loaded machine. */
  private static final long ARRIVES_S = 30;

  @TempDir Path dir;

  @Test
  void anEnqueuedMessageReachesTheListener() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      Received received = new Received();
      try (QueueListener listener = kv.listenQueue(received)) {
        CommitResult r = kv.atomic().enqueue(KvValue.of("hello")).commit();
        assertTrue(r.ok());

        QueueMessage m = received.next();
        assertEquals(KvValue.of("hello"), m.payload());
        assertEquals(1, m.attempt());
        assertEquals(r.versionstamp(), m.versionstamp());
        assertNull(received.poll(500), "delivered once");
        assertFalse(listener.isStopped());
      }
    }
  }

  @Test
  void anImmediateMessageArrivesBeforeAnEarlierDelayedOneAndThatOneNotBeforeItsTime()
      throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      Received received = new Received();
      try (QueueListener listener = kv.listenQueue(received)) {
        long sentAt = System.currentTimeMillis();
        kv.atomic().enqueue(KvValue.of("later"),
            EnqueueOptions.builder().delay(Duration.ofMillis(1500)).build()).commit();
        kv.atomic().enqueue(KvValue.of("now")).commit();

        assertEquals(KvValue.of("now"), received.next().payload());
        assertEquals(KvValue.of("later"), received.next().payload());
        assertTrue(received.lastAtMs - sentAt >= 1500,
            "delayed by " + (received.lastAtMs - sentAt) + " ms");
      }
    }
  }

  @Test
  void failedMessagesAreRetriedOnTheirBackoffScheduleThenGivenUp() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      List<Long> attemptsAt = new ArrayList<>();
      CountDownLatch three = new CountDownLatch(3);
      try (QueueListener listener = kv.listenQueue(m -> {
        synchronized (attemptsAt) {
          attemptsAt.add(System.nanoTime());
        }
        three.countDown();
        throw new IllegalStateException("handler failure " + m.attempt());
      })) {
        kv.atomic().enqueue(KvValue.of("flaky"), EnqueueOptions.builder()
            .backoffSchedule(Duration.ofMillis(300), Duration.ofMillis(900))
            .keysIfUndelivered(Key.of("failed", "flaky"))
            .build()).commit();

        assertTrue(three.await(ARRIVES_S, TimeUnit.SECONDS), "three deliveries");
        awaitExists(kv, Key.of("failed", "flaky"));
        Thread.sleep(500);
        synchronized (attemptsAt) {
          assertEquals(3, attemptsAt.size(), "1 delivery + 2 retries, then given up");
          long firstGap = TimeUnit.NANOSECONDS.toMillis(attemptsAt.get(1) - attemptsAt.get(0));
          long secondGap = TimeUnit.NANOSECONDS.toMillis(attemptsAt.get(2) - attemptsAt.get(1));
          assertTrue(firstGap >= 300, "first retry after " + firstGap + " ms");
          assertTrue(secondGap >= 900, "second retry after " + secondGap + " ms");
          System.out.printf("backoff 300, 900 ms: retried after %d and %d ms%n", firstGap,
              secondGap);
        }
      }
    }
  }

  @Test
  void anUndeliverableMessageIsWrittenToEveryKeyIfUndelivered() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      // Longer than LMDB's 511-byte key limit: stored through the long-key layer like any key.
      Key longKey = Key.of("queue_failed", "x".repeat(2000));
      AtomicInteger deliveries = new AtomicInteger();
      try (QueueListener listener = kv.listenQueue(m -> {
        deliveries.incrementAndGet();
        throw new IllegalStateException("dequeue error");
      })) {
        kv.atomic().enqueue(KvValue.of("test"), EnqueueOptions.builder()
            .keysIfUndelivered(Key.of("queue_failed", "a"), Key.of("queue_failed", "b"), longKey)
            .backoffSchedule(Duration.ofMillis(10), Duration.ofMillis(20))
            .build()).commit();

        KvEntry a = awaitExists(kv, Key.of("queue_failed", "a"));
        List<KvEntry> dead = kv.getMany(List.of(Key.of("queue_failed", "a"),
            Key.of("queue_failed", "b"), longKey));
        for (KvEntry e : dead) {
          assertEquals(KvValue.of("test"), e.value(), e.key().toString());
          assertEquals(a.versionstamp(), e.versionstamp(), "one commit wrote them all");
        }
        Thread.sleep(300);
        assertEquals(3, deliveries.get());
      }
    }
  }

  @Test
  void anEnqueueInsideAFailingCheckEnqueuesNothing() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      kv.set(Key.of("taken"), KvValue.of("x"));
      CommitResult failed = kv.atomic()
          .checkAbsent(Key.of("taken"))
          .enqueue(KvValue.of("never"))
          .commit();
      assertFalse(failed.ok());

      Received received = new Received();
      try (QueueListener listener = kv.listenQueue(received)) {
        kv.atomic().enqueue(KvValue.of("after")).commit();
        assertEquals(KvValue.of("after"), received.next().payload());
        assertNull(received.poll(1000), "the failed request's message does not exist");
      }
    }
  }

  /**
   * Deno's nonce pattern: the message carries a nonce key; the handler applies its effect in one
   * atomic that also deletes the nonce, checked unchanged. Here every first attempt fails right
   * after its effect committed (as a crash between effect and ack would), so each message is
   * delivered twice, and the effect still happens once per message.
   */
  @Test
  void aNonceKeyMakesTheEffectHappenExactlyOnce() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      int messages = 5;
      Map<String, Integer> deliveries = new ConcurrentHashMap<>();
      CountDownLatch secondDeliveries = new CountDownLatch(messages);
      try (QueueListener listener = kv.listenQueue(m -> {
        String nonce = m.payload().asString();
        deliveries.merge(nonce, 1, Integer::sum);
        KvEntry guard = kv.get(Key.of("nonces", nonce));
        if (guard.exists()) {
          CommitResult r = kv.atomic()
              .check(guard)
              .delete(guard.key())
              .sum(Key.of("processed"), 1)
              .commit();
          assertTrue(r.ok());
        }
        if (m.attempt() == 1) {
          throw new IllegalStateException("lost the ack after the effect");
        }
        secondDeliveries.countDown();
      }, ListenOptions.builder().concurrency(2).build())) {
        for (int i = 0; i < messages; i++) {
          String nonce = "n" + i;
          kv.atomic()
              .set(Key.of("nonces", nonce), KvValue.of("pending"))
              .enqueue(KvValue.of(nonce), EnqueueOptions.builder()
                  .backoffSchedule(Duration.ofMillis(50)).build())
              .commit();
        }
        assertTrue(secondDeliveries.await(ARRIVES_S, TimeUnit.SECONDS));
      }
      assertEquals(KvValue.u64(messages), kv.get(Key.of("processed")).value());
      deliveries.forEach((nonce, n) -> assertEquals(2, n, nonce));
    }
  }

  @Test
  void delayedMessagesSurviveARestartAndStillWaitForTheirTime() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      long sentAt = System.currentTimeMillis();
      server.client().atomic().enqueue(KvValue.of("delayed"),
          EnqueueOptions.builder().delay(Duration.ofMillis(2500)).build()).commit();

      server.restart();

      Received received = new Received();
      try (QueueListener listener = server.client().listenQueue(received)) {
        assertEquals(KvValue.of("delayed"), received.next().payload());
        assertTrue(received.lastAtMs - sentAt >= 2500,
            "delivered " + (received.lastAtMs - sentAt) + " ms after the enqueue");
      }
    }
  }

  /**
   * A message held by a listener when the server stops is in the in-flight table; after the
   * restart it is delivered again as the same first attempt. Its backoff of a minute proves it did
   * not take the failure path.
   */
  @Test
  void aMessageInFlightWhenTheServerStopsIsDeliveredAgainAfterTheRestart() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      server.client().atomic().enqueue(KvValue.of("in flight"), EnqueueOptions.builder()
          .backoffSchedule(Duration.ofMinutes(1)).build()).commit();
      // Its own channel, so that the server's stop, not the test's channel, ends the stream.
      ManagedChannel own = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      CountDownLatch holding = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      QueueListener first = KvClient.builder(own).deadline(Duration.ofSeconds(2)).build()
          .listenQueue(m -> {
            holding.countDown();
            release.await(ARRIVES_S, TimeUnit.SECONDS);
          });
      try {
        assertTrue(holding.await(ARRIVES_S, TimeUnit.SECONDS));

        server.restart();

        Received received = new Received();
        try (QueueListener second = server.client().listenQueue(received)) {
          QueueMessage again = received.next();
          assertEquals(KvValue.of("in flight"), again.payload());
          assertEquals(1, again.attempt(), "a delivery cut short by the stop is not counted");
        }
      } finally {
        release.countDown();
        first.close();
        own.shutdownNow();
      }
    }
  }

  @Test
  void severalListenersShareTheWorkAndEachMessageIsHandledOnce() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      int messages = 30;
      Map<Integer, Set<Integer>> byListener = new ConcurrentHashMap<>();
      Map<Integer, Integer> handled = new ConcurrentHashMap<>();
      CountDownLatch all = new CountDownLatch(messages);
      List<QueueListener> listeners = new ArrayList<>();
      try {
        for (int l = 0; l < 3; l++) {
          int id = l;
          listeners.add(kv.listenQueue(m -> {
            int n = (int) m.payload().asU64();
            byListener.computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet()).add(n);
            handled.merge(n, 1, Integer::sum);
            Thread.sleep(30); // keeps each busy long enough for the others to get work
            all.countDown();
          }));
        }
        for (int i = 0; i < messages; i++) {
          kv.atomic().enqueue(KvValue.u64(i)).commit();
        }
        assertTrue(all.await(ARRIVES_S, TimeUnit.SECONDS));
        Thread.sleep(300);
      } finally {
        listeners.forEach(QueueListener::close);
      }
      assertEquals(messages, handled.size());
      handled.forEach((n, times) -> assertEquals(1, times, "message " + n));
      assertEquals(3, byListener.size(), "every listener got work: " + byListener);
    }
  }

  /**
   * Many messages, many listeners, several handlers each: every message is handled exactly once
   * (no handler fails, so none is redelivered). Prints the rate, a figure for a loaded machine.
   */
  @Test
  void manyMessagesToManyListenersAreEachHandledOnce() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvClient kv = server.client();
      int requests = 20;
      int perRequest = 100;
      int messages = requests * perRequest;
      Map<Long, Integer> handled = new ConcurrentHashMap<>();
      CountDownLatch all = new CountDownLatch(messages);
      List<QueueListener> listeners = new ArrayList<>();
      long start = System.nanoTime();
      try {
        for (int l = 0; l < 4; l++) {
          listeners.add(kv.listenQueue(m -> {
            handled.merge(m.payload().asU64(), 1, Integer::sum);
            all.countDown();
          }, ListenOptions.builder().concurrency(16).build()));
        }
        for (int r = 0; r < requests; r++) {
          dev.atomkv.client.AtomicOperation op = kv.atomic();
          for (int i = 0; i < perRequest; i++) {
            op.enqueue(KvValue.u64((long) r * perRequest + i));
          }
          assertTrue(op.commit().ok());
        }
        assertTrue(all.await(120, TimeUnit.SECONDS), all.getCount() + " not handled");
        long ms = Math.max(1, TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
        System.out.printf("queue: %d messages through 4 listeners x 16 in %d ms (%d messages/s)%n",
            messages, ms, messages * 1000L / ms);
        Thread.sleep(300);
      } finally {
        listeners.forEach(QueueListener::close);
      }
      assertEquals(messages, handled.size());
      handled.forEach((n, times) -> assertEquals(1, times, "message " + n));
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static KvEntry awaitExists(KvClient kv, Key key) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(ARRIVES_S);
    while (System.nanoTime() - until < 0) {
      KvEntry e = kv.get(key);
      if (e.exists()) {
        return e;
      }
      Thread.sleep(20);
    }
    throw new AssertionError(key + " never written");
  }

  /** A handler that records what it gets. */
  private static final class Received implements dev.atomkv.client.QueueHandler {
    private record Arrival(QueueMessage message, long atMs) {}

    private final BlockingQueue<Arrival> arrivals = new LinkedBlockingQueue<>();
    /** When the message last returned by {@link #next()} reached the handler. */
    long lastAtMs;

    @Override
    public void handle(QueueMessage message) {
      arrivals.add(new Arrival(message, System.currentTimeMillis()));
    }

    QueueMessage next() throws InterruptedException {
      Arrival a = arrivals.poll(ARRIVES_S, TimeUnit.SECONDS);
      assertNotNull(a, "a message within " + ARRIVES_S + " s");
      lastAtMs = a.atMs();
      return a.message();
    }

    QueueMessage poll(long ms) throws InterruptedException {
      Arrival a = arrivals.poll(ms, TimeUnit.MILLISECONDS);
      return a == null ? null : a.message();
    }
  }
}
