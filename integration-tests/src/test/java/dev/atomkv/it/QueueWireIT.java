package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertRefusedAndNothingChanged;
import static dev.atomkv.it.Wire.assertStatus;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.Enqueue;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import dev.atomkv.proto.v1.Mutation;
import io.grpc.Context;
import io.grpc.Status.Code;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The queue on the wire, as grpcurl or another language drives it: Deno's validation messages for
 * enqueues, and a Listen stream settled with unary Ack calls, including a lease left to expire.
 */
class QueueWireIT {
  @TempDir Path dir;

  @Test
  void enqueuesAreValidatedWithDenosMessagesAndNothingIsStored() throws Exception {
    try (RunningServer server = RunningServer.start(dir)) {
      KvServiceBlockingStub stub = server.stub();
      refused(stub, "Delay must be >= 0: received -1", enqueue("m").setDelayMs(-1));
      refused(stub, "Delay cannot be greater than 30 days: received 2592000001",
          enqueue("m").setDelayMs(2_592_000_001L));
      refused(stub, "Invalid backoffSchedule, max 5 intervals allowed",
          enqueue("m").addBackoffScheduleMs(1).addBackoffScheduleMs(2).addBackoffScheduleMs(3)
              .addBackoffScheduleMs(4).addBackoffScheduleMs(5).addBackoffScheduleMs(6));
      refused(stub, "Invalid backoffSchedule, interval at index 1 is invalid",
          enqueue("m").addBackoffScheduleMs(10).addBackoffScheduleMs(3_600_001));
      refused(stub, "Invalid backoffSchedule, interval at index 0 is invalid",
          enqueue("m").addBackoffScheduleMs(-5));
      Enqueue.Builder elevenKeys = enqueue("m");
      for (int i = 0; i < 11; i++) {
        elevenKeys.addKeysIfUndelivered(key("dead", i));
      }
      refused(stub, "Too many keys in keys_if_undelivered (max 10)", elevenKeys);
      refused(stub, "Key too large for write (max 2048 bytes)",
          enqueue("m").addKeysIfUndelivered(Wire.sizedKey(2049, 1)));
      refused(stub, "key cannot be empty",
          enqueue("m").addKeysIfUndelivered(dev.atomkv.proto.v1.Key.getDefaultInstance()));
      refused(stub, "enqueue payload too large (max 65536 bytes)",
          Enqueue.newBuilder().setPayload(Wire.bytesValue(65537)));
      refused(stub, "enqueues[0].payload is not set", Enqueue.newBuilder().setDelayMs(1));
      refused(stub, "no_retries cannot be combined with a backoff schedule",
          enqueue("m").setNoRetries(true).addBackoffScheduleMs(1));

      // Deno counts enqueues as mutations: 999 sets and 2 enqueues are one too many.
      AtomicRequest.Builder tooMany = AtomicRequest.newBuilder();
      for (int i = 0; i < 999; i++) {
        tooMany.addMutations(Wire.set(key("m", i), stringValue("v")));
      }
      tooMany.addEnqueues(enqueue("a")).addEnqueues(enqueue("b"));
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, "Too many mutations (max 1000)",
          tooMany.build());
      // ...and their payloads count towards the total mutation size (819200 bytes).
      AtomicRequest.Builder tooBig = AtomicRequest.newBuilder();
      for (int i = 0; i < 13; i++) {
        tooBig.addEnqueues(Enqueue.newBuilder().setPayload(Wire.bytesValue(65000)));
      }
      assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT,
          "Total mutation size too large (max 819200 bytes)", tooBig.build());

      assertStatus(Code.INVALID_ARGUMENT, "Too many messages in flight (max 100)",
          () -> stub.listen(ListenRequest.newBuilder().setMaxInFlight(101).build()).next());
      assertStatus(Code.FAILED_PRECONDITION, null,
          () -> stub.ack(AckRequest.newBuilder().setLeaseId("no-such-lease").build()));
      assertStatus(Code.INVALID_ARGUMENT, "lease_id is not set",
          () -> stub.ack(AckRequest.getDefaultInstance()));

      // Nothing was enqueued by any of the refused requests: the next message is the first one.
      AtomicResponse ok = stub.atomic(AtomicRequest.newBuilder()
          .addEnqueues(enqueue("valid")).build());
      assertTrue(ok.getOk());
      withListen(server, 1, messages -> {
        ListenResponse first = messages.next();
        assertEquals(stringValue("valid"), first.getPayload());
        stub.ack(AckRequest.newBuilder().setLeaseId(first.getLeaseId()).setSuccess(true).build());
      });
    }
  }

  @Test
  void aListenStreamIsSettledWithAckAndAnExpiredLeaseIsRedelivered() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--queue-lease-ms=400")) {
      KvServiceBlockingStub stub = server.stub();
      AtomicResponse enqueued = stub.atomic(AtomicRequest.newBuilder()
          .addMutations(Mutation.newBuilder().setKey(key("order", 1)).setSet(stringValue("new")))
          .addEnqueues(enqueue("ship order 1").addBackoffScheduleMs(100))
          .build());
      assertTrue(enqueued.getOk());

      // Taken before the stream opens: the server may grant the lease before the first next().
      long before = System.currentTimeMillis();
      withListen(server, 1, messages -> {
        ListenResponse first = messages.next();
        assertEquals(stringValue("ship order 1"), first.getPayload());
        assertEquals(1, first.getAttempt());
        assertEquals(enqueued.getVersionstamp(), first.getVersionstamp());
        assertTrue(first.getLeaseExpiresAtMs() >= before + 400, "lease of 400 ms");

        // Not acknowledged: once the lease ends it counts as a failure, redelivered after 100 ms.
        ListenResponse second = messages.next();
        assertEquals(2, second.getAttempt());
        // (10 ms of slack: the lease timer runs on the monotonic clock, the figures are wall clock.)
        assertTrue(System.currentTimeMillis() >= first.getLeaseExpiresAtMs() + 90,
            "redelivered after the lease and the backoff");
        assertTrue(System.currentTimeMillis() - before >= 500, "lease then backoff");
        assertStatus(Code.FAILED_PRECONDITION, null, () -> stub.ack(
            AckRequest.newBuilder().setLeaseId(first.getLeaseId()).setSuccess(true).build()));

        stub.ack(AckRequest.newBuilder().setLeaseId(second.getLeaseId()).setSuccess(true)
            .build());
        assertStatus(Code.FAILED_PRECONDITION, null, () -> stub.ack(
            AckRequest.newBuilder().setLeaseId(second.getLeaseId()).setSuccess(true).build()));
      });
    }
  }

  private interface StreamBody {
    void run(Iterator<ListenResponse> messages) throws Exception;
  }

  /** Runs {@code body} on a Listen stream of the blocking stub, cancelling it afterwards. */
  private static void withListen(RunningServer server, int maxInFlight, StreamBody body)
      throws Exception {
    Context.CancellableContext context = Context.current().withCancellation();
    try {
      Iterator<ListenResponse> messages = context.call(() -> KvServiceGrpc
          .newBlockingStub(server.channel())
          .withDeadlineAfter(60, TimeUnit.SECONDS)
          .listen(ListenRequest.newBuilder().setMaxInFlight(maxInFlight).build()));
      body.run(messages);
    } finally {
      context.cancel(null);
    }
  }

  private static Enqueue.Builder enqueue(String payload) {
    return Enqueue.newBuilder().setPayload(stringValue(payload));
  }

  private static void refused(KvServiceBlockingStub stub, String message, Enqueue.Builder e) {
    assertRefusedAndNothingChanged(stub, Code.INVALID_ARGUMENT, message,
        AtomicRequest.newBuilder().addEnqueues(e).build());
  }
}
