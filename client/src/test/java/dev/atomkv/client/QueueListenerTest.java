package dev.atomkv.client;

import static dev.atomkv.client.TestEntries.VS1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AckResponse;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Enqueue;
import dev.atomkv.proto.v1.ListenResponse;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class QueueListenerTest {
  @RegisterExtension
  final FakeKvServer server = new FakeKvServer();

  @Test
  void theHandlersOutcomeIsTheAckAndABrokenStreamIsReopened() throws Exception {
    FakeKvService fake = server.service();
    fake.ack.reply(AckResponse.getDefaultInstance()).reply(AckResponse.getDefaultInstance());
    fake.listens.add(new FakeKvService.ListenScript(List.of(delivery("lease-1", "ok", 1)),
        Status.UNAVAILABLE.withDescription("server restarting").asRuntimeException()));
    fake.listens.add(new FakeKvService.ListenScript(List.of(delivery("lease-2", "boom", 2)),
        null));
    BlockingQueue<QueueMessage> seen = new LinkedBlockingQueue<>();

    try (QueueListener listener = server.client().listenQueue(m -> {
      seen.add(m);
      if (m.payload().asString().equals("boom")) {
        throw new IllegalStateException("handler failed");
      }
    }, ListenOptions.builder().concurrency(3)
        .reconnectBackoff(Duration.ofMillis(1), Duration.ofMillis(10)).build())) {
      QueueMessage first = seen.poll(10, TimeUnit.SECONDS);
      assertEquals(KvValue.of("ok"), first.payload());
      assertEquals(1, first.attempt());
      assertEquals(VS1, first.versionstamp());
      QueueMessage second = seen.poll(10, TimeUnit.SECONDS);
      assertEquals(2, second.attempt());

      assertEquals(java.util.Set.of(
          AckRequest.newBuilder().setLeaseId("lease-1").setSuccess(true).build(),
          AckRequest.newBuilder().setLeaseId("lease-2").setSuccess(false).build()),
          java.util.Set.copyOf(awaitAcks(2)));
      assertEquals(2, fake.listenRequests.size(), "reopened after UNAVAILABLE");
      assertEquals(3, fake.listenRequests.get(0).getMaxInFlight());
      assertFalse(listener.isStopped());
      assertNull(listener.failure());
    }
  }

  @Test
  void aRefusalThatARetryCannotFixStopsTheListener() throws Exception {
    server.service().listens.add(new FakeKvService.ListenScript(List.of(),
        Status.PERMISSION_DENIED.withDescription("read-only token").asRuntimeException()));
    try (QueueListener listener = server.client().listenQueue(m -> {})) {
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!listener.isStopped() && System.nanoTime() - until < 0) {
        Thread.sleep(5);
      }
      assertTrue(listener.isStopped());
      assertEquals(Status.Code.PERMISSION_DENIED, listener.failure().code());
      assertEquals("read-only token", listener.failure().description());
      Thread.sleep(100);
      assertEquals(1, server.service().listenRequests.size(), "not retried");
    }
  }

  @Test
  void enqueueOptionsReachTheWire() {
    server.service().atomic.reply(AtomicResponse.newBuilder().setOk(true)
        .setVersionstamp(ByteString.copyFrom(VS1.toBytes())).build());

    server.client().atomic()
        .enqueue(KvValue.of("a"))
        .enqueue(KvValue.of("b"), EnqueueOptions.builder()
            .delay(Duration.ofNanos(1_500_001))
            .keysIfUndelivered(Key.of("dead", 1))
            .backoffSchedule(Duration.ofMillis(10), Duration.ofSeconds(2))
            .build())
        .enqueue(KvValue.of("c"), EnqueueOptions.builder().backoffSchedule().build())
        .commit();

    List<Enqueue> sent = server.service().atomic.onlyRequest().getEnqueuesList();
    assertEquals(3, sent.size());
    assertEquals(Enqueue.newBuilder().setPayload(ProtoMapping.toProto(KvValue.of("a"))).build(),
        sent.get(0));
    assertEquals(2, sent.get(1).getDelayMs(), "rounded up, never shortened");
    assertEquals(List.of(10L, 2000L), sent.get(1).getBackoffScheduleMsList());
    assertEquals(ProtoMapping.toProto(Key.of("dead", 1)), sent.get(1).getKeysIfUndelivered(0));
    assertFalse(sent.get(1).getNoRetries());
    assertTrue(sent.get(2).getNoRetries(), "an empty schedule means no retries");
    assertEquals(0, sent.get(2).getBackoffScheduleMsCount());
  }

  private List<AckRequest> awaitAcks(int n) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (server.service().ack.requests().size() < n && System.nanoTime() - until < 0) {
      Thread.sleep(5);
    }
    return server.service().ack.requests();
  }

  private static ListenResponse delivery(String lease, String payload, int attempt) {
    return ListenResponse.newBuilder()
        .setLeaseId(lease)
        .setPayload(ProtoMapping.toProto(KvValue.of(payload)))
        .setAttempt(attempt)
        .setVersionstamp(ByteString.copyFrom(VS1.toBytes()))
        .build();
  }
}
