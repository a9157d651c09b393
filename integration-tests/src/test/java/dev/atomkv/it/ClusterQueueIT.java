package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.EnqueueOptions;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListenOptions;
import dev.atomkv.client.QueueListener;
import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Queues in a three-member cluster, through the real servers: messages enqueued through one member
 * and listened to on others are each delivered once; an ack through any member settles the lease;
 * failed and expired leases are retried, then given up on with the same dead letters on every
 * member; delays hold; after the leader stops, the messages it had in flight are delivered again
 * and none is lost. Every wait has a wide margin: the machine may be loaded.
 */
class ClusterQueueIT {
  /** How long a message that should arrive may take on a loaded machine (elections included). */
  private static final long ARRIVES_S = 30;

  @TempDir Path dir;

  @Test
  void messagesEnqueuedThroughOneMemberReachListenersOnTheOthersEachOnce() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "queues", 3)) {
      cluster.awaitLeader();
      int requests = 30;
      int perRequest = 10;
      int messages = requests * perRequest;
      Map<Long, Integer> handled = new ConcurrentHashMap<>();
      Map<Integer, Set<Long>> byMember = new ConcurrentHashMap<>();
      CountDownLatch all = new CountDownLatch(messages);
      long start = System.nanoTime();
      // Acks go through the listeners' members, never the enqueuing one.
      try (QueueListener on2 = listenCounting(cluster, 1, handled, byMember, all);
          QueueListener on3 = listenCounting(cluster, 2, handled, byMember, all)) {
        for (int r = 0; r < requests; r++) {
          AtomicOperation op = cluster.client(0).atomic();
          for (int i = 0; i < perRequest; i++) {
            op.enqueue(KvValue.u64((long) r * perRequest + i));
          }
          TestCluster.retryUntilOk(op::commit);
        }
        assertTrue(all.await(ARRIVES_S * 2, TimeUnit.SECONDS),
            "delivered " + handled.size() + " of " + messages);
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("cluster queue: %d messages through n1 to listeners on n2 and n3 in "
            + "%.1f s (%.0f/s)%n", messages, seconds, messages / seconds);
        Thread.sleep(1000); // a duplicate would show up by now
      }
      assertEquals(messages, handled.size());
      handled.forEach((n, times) -> assertEquals(1, times, "message " + n));
      assertEquals(Set.of(1, 2), byMember.keySet(), "both members' listeners got work");
    }
  }

  @Test
  void anAckThroughAThirdMemberSettlesTheLeaseAndFreesTheListenersRoom() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "queues", 3, "--queue-lease-ms=3000")) {
      cluster.awaitLeader();
      try (RawListener on2 = new RawListener(cluster.node(1).channel(), 1)) {
        TestCluster.retryUntilOk(() -> cluster.client(0).atomic()
            .enqueue(KvValue.of("first")).commit());
        ListenResponse first = on2.next();
        assertEquals("first", first.getPayload().getString());
        assertEquals(1, first.getAttempt());

        ack(cluster, 2, first.getLeaseId(), true);
        assertStatus(Code.FAILED_PRECONDITION, null, () -> cluster.node(0).stub().ack(
            AckRequest.newBuilder().setLeaseId(first.getLeaseId()).setSuccess(true).build()));

        // The listener held its one message in flight: the ack through n3 freed that room on n2.
        cluster.client(0).atomic().enqueue(KvValue.of("second")).commit();
        ListenResponse second = on2.next();
        assertEquals("second", second.getPayload().getString());
        ack(cluster, 0, second.getLeaseId(), true);
        // Neither, settled, is delivered again once its lease would have expired.
        assertNull(on2.poll(4500), "a settled message came back");
      }
    }
  }

  @Test
  void failedAndExpiredLeasesAreRetriedThenDeadLetteredAlikeOnEveryMember() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "queues", 3, "--queue-lease-ms=800")) {
      cluster.awaitLeader();
      Key dead = Key.of("dead", 1);
      try (RawListener on2 = new RawListener(cluster.node(1).channel(), 1)) {
        TestCluster.retryUntilOk(() -> cluster.client(0).atomic()
            .enqueue(KvValue.of("job"), EnqueueOptions.builder()
                .backoffSchedule(Duration.ofMillis(100)).keysIfUndelivered(dead).build())
            .commit());
        ListenResponse first = on2.next();
        assertEquals(1, first.getAttempt());
        ack(cluster, 2, first.getLeaseId(), false); // a failure, reported through n3

        ListenResponse second = on2.next();
        assertEquals("job", second.getPayload().getString());
        assertEquals(2, second.getAttempt());
        // Not settled: its lease expires on the leader's clock, and no interval is left.
        KvEntry onFirst = TestCluster.retryUntilPresent(() -> cluster.client(0).get(dead));
        assertTrue(System.currentTimeMillis() >= second.getLeaseExpiresAtMs(),
            "given up on before the lease expired");
        assertEquals(KvValue.of("job"), onFirst.value());
        for (int i = 1; i < 3; i++) {
          int member = i;
          KvEntry e = TestCluster.retryUntilPresent(() -> cluster.client(member).get(dead));
          assertEquals(onFirst.value(), e.value(), "n" + (i + 1));
          assertEquals(onFirst.versionstamp(), e.versionstamp(), "n" + (i + 1));
        }
        assertNull(on2.poll(500), "delivered after it was given up on");
        assertStatus(Code.FAILED_PRECONDITION, null, () -> cluster.node(0).stub().ack(
            AckRequest.newBuilder().setLeaseId(second.getLeaseId()).setSuccess(true).build()));
      }
    }
  }

  @Test
  void aDelayedMessageWaitsForItsTimeWhileALaterImmediateOneGoesFirst() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "queues", 3)) {
      cluster.awaitLeader();
      try (RawListener on3 = new RawListener(cluster.node(2).channel(), 10)) {
        long sentAt = System.currentTimeMillis();
        TestCluster.retryUntilOk(() -> cluster.client(0).atomic().enqueue(KvValue.of("later"),
            EnqueueOptions.builder().delay(Duration.ofMillis(1500)).build()).commit());
        cluster.client(1).atomic().enqueue(KvValue.of("now")).commit();

        ListenResponse now = on3.next();
        assertEquals("now", now.getPayload().getString());
        ack(cluster, 2, now.getLeaseId(), true);
        ListenResponse later = on3.next();
        assertEquals("later", later.getPayload().getString());
        assertTrue(System.currentTimeMillis() - sentAt >= 1500, "delivered before its delay");
        ack(cluster, 0, later.getLeaseId(), true);
      }
    }
  }

  /**
   * The default lease (30 s) outlasts the test, so only the new leader's requeue can bring the
   * messages held when the leader stopped back: as after a single node's restart, uncounted.
   */
  @Test
  void afterTheLeaderStopsMessagesInFlightAreDeliveredAgainAndNoneIsLost() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "queues", 3)) {
      int leader = cluster.awaitLeader();
      int listenOn = (leader + 1) % 3;
      int enqueueOn = (leader + 2) % 3;
      int messages = 20;
      try (RawListener listener = new RawListener(cluster.node(listenOn).channel(), 5)) {
        for (int i = 0; i < messages; i++) {
          int n = i;
          TestCluster.retryUntilOk(() -> cluster.client(enqueueOn).atomic()
              .enqueue(KvValue.of("m" + n)).commit());
        }
        Set<String> held = new HashSet<>();
        for (int i = 0; i < 5; i++) {
          held.add(listener.next().getPayload().getString());
        }
        assertNull(listener.poll(300), "more than the listener's room in flight");

        cluster.stop(leader);
        awaitNewLeader(cluster, leader);

        Map<String, Integer> attempts = new HashMap<>();
        Set<String> acked = new HashSet<>();
        long deadline = System.currentTimeMillis() + ARRIVES_S * 2000;
        while (acked.size() < messages && System.currentTimeMillis() < deadline) {
          ListenResponse d = listener.next();
          String payload = d.getPayload().getString();
          attempts.put(payload, d.getAttempt());
          if (ackTolerant(cluster, listenOn, d.getLeaseId())) {
            acked.add(payload);
          }
        }
        assertEquals(messages, acked.size(), "every message delivered and acknowledged");
        assertTrue(attempts.keySet().containsAll(held), "the held ones came back: " + held);
        for (String h : held) {
          assertEquals(1, attempts.get(h), "a requeue does not count the lost delivery: " + h);
        }
        assertNull(listener.poll(1000), "delivered after everything was acknowledged");
      }
    }
  }

  /**
   * A follower stopped gracefully hands back what its listener held: delivered again on another
   * member as first attempts, long before the default lease (30 s) would have run out.
   */
  @Test
  void aStoppingMemberHandsBackWhatItsListenersHeld() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "queues", 3)) {
      int leader = cluster.awaitLeader();
      int stopping = (leader + 1) % 3;
      int staying = (leader + 2) % 3;
      Set<String> held = new HashSet<>();
      // A channel of its own: the member's stop closes the fixture's channel first, and a
      // listener whose client goes away fails what it held (as on a single node).
      ManagedChannel own = NettyChannelBuilder.forAddress("127.0.0.1",
          cluster.node(stopping).port()).usePlaintext().build();
      RawListener onStopping = new RawListener(own, 2);
      for (int i = 0; i < 2; i++) {
        int n = i;
        TestCluster.retryUntilOk(() -> cluster.client(leader).atomic()
            .enqueue(KvValue.of("h" + n)).commit());
      }
      held.add(onStopping.next().getPayload().getString());
      held.add(onStopping.next().getPayload().getString());
      long stoppedAt = System.currentTimeMillis();
      cluster.stop(stopping);
      onStopping.cancel();
      own.shutdownNow();

      try (RawListener onStaying = new RawListener(cluster.node(staying).channel(), 2)) {
        Set<String> again = new HashSet<>();
        for (int i = 0; i < 2; i++) {
          ListenResponse d = onStaying.next();
          assertEquals(1, d.getAttempt(), "handed back, not failed");
          again.add(d.getPayload().getString());
          ack(cluster, staying, d.getLeaseId(), true);
        }
        assertEquals(held, again);
        assertTrue(System.currentTimeMillis() - stoppedAt < 20_000, "before the lease ran out");
      }
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  private static QueueListener listenCounting(TestCluster cluster, int member,
      Map<Long, Integer> handled, Map<Integer, Set<Long>> byMember, CountDownLatch all) {
    return cluster.client(member).listenQueue(m -> {
      long n = m.payload().asU64();
      byMember.computeIfAbsent(member, k -> ConcurrentHashMap.newKeySet()).add(n);
      handled.merge(n, 1, Integer::sum);
      all.countDown();
    }, ListenOptions.builder().concurrency(4).build());
  }

  /** The members still running may name the stopped leader until they elect another. */
  private static void awaitNewLeader(TestCluster cluster, int old) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (cluster.awaitLeader() == old) {
      assertTrue(System.currentTimeMillis() < deadline, "no new leader");
      Thread.sleep(50);
    }
  }

  private static void ack(TestCluster cluster, int member, String leaseId, boolean success) {
    cluster.node(member).stub().withDeadlineAfter(ARRIVES_S, TimeUnit.SECONDS)
        .ack(AckRequest.newBuilder().setLeaseId(leaseId).setSuccess(success).build());
  }

  /**
   * Acks, retrying while the cluster has no leader; false when the lease had ended (the message
   * comes again).
   */
  private static boolean ackTolerant(TestCluster cluster, int member, String leaseId)
      throws InterruptedException {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (true) {
      try {
        ack(cluster, member, leaseId, true);
        return true;
      } catch (StatusRuntimeException e) {
        if (e.getStatus().getCode() == Code.FAILED_PRECONDITION) {
          return false;
        }
        if (System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }

  /** A Listen stream on the wire: deliveries are read at the test's pace, settled by hand. */
  private static final class RawListener implements AutoCloseable {
    private final BlockingQueue<ListenResponse> received = new LinkedBlockingQueue<>();
    private final Context.CancellableContext context = Context.current().withCancellation();
    private volatile Throwable failure;

    RawListener(ManagedChannel channel, int maxInFlight) {
      context.run(() -> KvServiceGrpc.newStub(channel).listen(
          ListenRequest.newBuilder().setMaxInFlight(maxInFlight).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(ListenResponse value) {
              received.add(value);
            }

            @Override
            public void onError(Throwable t) {
              failure = t;
            }

            @Override
            public void onCompleted() {}
          }));
    }

    ListenResponse next() throws InterruptedException {
      ListenResponse r = received.poll(ARRIVES_S, TimeUnit.SECONDS);
      assertNotNull(r, "no delivery in " + ARRIVES_S + " s (stream failure: " + failure + ")");
      return r;
    }

    ListenResponse poll(long ms) throws InterruptedException {
      return received.poll(ms, TimeUnit.MILLISECONDS);
    }

    /** Ends the stream without judging how it ended (its server may have stopped). */
    void cancel() {
      context.cancel(null);
    }

    @Override
    public void close() {
      context.cancel(null);
      assertFalse(failure != null && !(failure instanceof StatusRuntimeException s
          && s.getStatus().getCode() == Code.CANCELLED), "stream failed: " + failure);
    }
  }
}
