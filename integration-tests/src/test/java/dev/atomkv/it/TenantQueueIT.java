package dev.atomkv.it;

import static dev.atomkv.it.Wire.get;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AdminServiceGrpc.AdminServiceBlockingStub;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.CreateTenantRequest;
import dev.atomkv.proto.v1.DeleteTenantRequest;
import dev.atomkv.proto.v1.Enqueue;
import dev.atomkv.proto.v1.IssueTokenRequest;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.ListTenantsRequest;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import dev.atomkv.proto.v1.TokenRole;
import io.grpc.Channel;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.AbstractStub;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Each tenant's own queue, through the real server: a tenant's listeners receive only its
 * messages, its acks settle only its leases, its undelivered keys land in its own keyspace, one
 * tenant's backlog does not hold up another's deliveries, and on a cluster a tenant's message
 * enqueued through one member reaches its listener on another.
 */
class TenantQueueIT {
  private static final String ROOT = "tenant-queue-it-root";
  /** How long a message that should arrive may take; ample on a loaded machine. */
  private static final long ARRIVES_MS = 10_000;
  /** How long to watch for a message that must not arrive. */
  private static final long QUIET_MS = 500;
  @TempDir Path dir;

  @Test
  void eachTenantReceivesOnlyItsOwnMessagesAndSettlesOnlyItsOwnLeases() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--auth-token=" + ROOT)) {
      AdminServiceBlockingStub admin = as(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
      String a = tenantToken(admin, "qa");
      String b = tenantToken(admin, "qb");
      for (int i = 0; i < 5; i++) {
        enqueue(kv(server.channel(), a), message("a" + i));
        enqueue(kv(server.channel(), b), message("b" + i));
      }
      enqueue(kv(server.channel(), ROOT), message("default"));

      try (Listener la = Listener.open(server.channel(), a, 20);
          Listener lb = Listener.open(server.channel(), b, 20);
          Listener ld = Listener.open(server.channel(), ROOT, 20)) {
        List<ListenResponse> fromA = la.take(5);
        List<ListenResponse> fromB = lb.take(5);
        assertEquals(List.of("a0", "a1", "a2", "a3", "a4"), payloads(fromA));
        assertEquals(List.of("b0", "b1", "b2", "b3", "b4"), payloads(fromB));
        assertEquals(List.of("default"), payloads(ld.take(1)));
        la.assertQuiet();
        lb.assertQuiet();
        ld.assertQuiet();

        // An ack naming another tenant's lease is answered as one that ended, and settles
        // nothing: the owner still acks it.
        String bLease = fromB.get(0).getLeaseId();
        StatusRuntimeException refused = ackRefused(kv(server.channel(), a), bLease);
        assertEquals(Status.Code.FAILED_PRECONDITION, refused.getStatus().getCode());
        assertEquals(Status.Code.FAILED_PRECONDITION,
            ackRefused(kv(server.channel(), ROOT), bLease).getStatus().getCode());
        ack(kv(server.channel(), b), bLease, true);
        for (ListenResponse m : fromA) {
          ack(kv(server.channel(), a), m.getLeaseId(), true);
        }
        assertEquals(Status.Code.FAILED_PRECONDITION,
            ackRefused(kv(server.channel(), b), bLease).getStatus().getCode());
      }
    }
  }

  @Test
  void aTenantsUndeliveredKeysLandInItsOwnKeyspaceOnly() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--auth-token=" + ROOT)) {
      AdminServiceBlockingStub admin = as(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
      String a = tenantToken(admin, "dead-a");
      String b = tenantToken(admin, "dead-b");
      Key dead = key("failed", "job");
      enqueue(kv(server.channel(), a), message("a's job").setNoRetries(true)
          .addKeysIfUndelivered(dead));
      try (Listener la = Listener.open(server.channel(), a, 1)) {
        ListenResponse m = la.take(1).get(0);
        ack(kv(server.channel(), a), m.getLeaseId(), false);
      }
      // Written by the settle's own commit, which the failed ack waits for.
      assertEquals("a's job", get(kv(server.channel(), a), dead).getValue().getString());
      assertFalse(get(kv(server.channel(), b), dead).hasValue(), "in another tenant's keyspace");
      assertFalse(get(kv(server.channel(), ROOT), dead).hasValue(), "in the default keyspace");
    }
  }

  @Test
  void aTenantsMessagesStayItsOwnAcrossARestartWaitingOrInFlight() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--auth-token=" + ROOT)) {
      AdminServiceBlockingStub admin = as(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
      String a = tenantToken(admin, "restart-a");
      // A backoff of a minute: redelivered within the test only if it did not take the failure
      // path.
      enqueue(kv(server.channel(), a), message("held").addBackoffScheduleMs(60_000));
      enqueue(kv(server.channel(), a), message("waiting").setDelayMs(1500));
      // Its own channel, so that the server's stop, not the test's channel, ends the stream.
      ManagedChannel own = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      try (Listener la = Listener.open(own, a, 1)) {
        assertEquals(List.of("held"), payloads(la.take(1)));
        // Stopped while the listener holds it: in flight, it is ready again after the restart.
        server.restart();
      } finally {
        own.shutdownNow();
      }
      try (Listener ld = Listener.open(server.channel(), ROOT, 10);
          Listener la = Listener.open(server.channel(), a, 10)) {
        List<ListenResponse> back = la.take(2);
        assertEquals(List.of("held", "waiting"), payloads(back));
        assertEquals(1, back.get(0).getAttempt(), "the delivery cut short is not counted");
        ld.assertQuiet();
        for (ListenResponse m : back) {
          ack(kv(server.channel(), a), m.getLeaseId(), true);
        }
      }
    }
  }

  @Test
  void aDeletedTenantsMessagesNeverReachATenantMadeLaterUnderItsName() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--auth-token=" + ROOT)) {
      AdminServiceBlockingStub admin = as(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
      String old = tenantToken(admin, "reborn");
      enqueue(kv(server.channel(), old), message("old, held"));
      enqueue(kv(server.channel(), old), message("old, waiting"));
      enqueue(kv(server.channel(), old), message("old, delayed").setDelayMs(1000));
      // One of them in flight when the tenant goes, on a stream that outlives the token.
      ManagedChannel own = NettyChannelBuilder.forAddress("127.0.0.1", server.port())
          .usePlaintext().build();
      try (Listener holder = Listener.open(own, old, 1)) {
        assertEquals(List.of("old, held"), payloads(holder.take(1)));
        admin.deleteTenant(DeleteTenantRequest.newBuilder().setName("reborn").build());
        long deadline = System.currentTimeMillis() + 20_000;
        while (admin.listTenants(ListTenantsRequest.getDefaultInstance()).getTenantsList()
            .stream().anyMatch(t -> t.getName().equals("reborn"))) {
          assertTrue(System.currentTimeMillis() < deadline, "the deleted tenant never went");
          Thread.sleep(100);
        }
        // Its stream ended with its tenant, so it cannot serve the next tenant of the name.
        while (holder.ended == null) {
          assertTrue(System.currentTimeMillis() < deadline, "the deleted tenant's stream is open");
          Thread.sleep(50);
        }
        Status ended = Status.fromThrowable(holder.ended);
        assertEquals(Status.Code.FAILED_PRECONDITION, ended.getCode());
        assertEquals("tenant 'reborn' was deleted", ended.getDescription());
        holder.assertQuiet();
      } finally {
        own.shutdownNow();
      }
      String reborn = tenantToken(admin, "reborn");
      try (Listener l = Listener.open(server.channel(), reborn, 10)) {
        Thread.sleep(1000); // past the old delayed message's ready time
        l.assertQuiet();
        enqueue(kv(server.channel(), reborn), message("new"));
        assertEquals(List.of("new"), payloads(l.take(1)));
        l.assertQuiet();
      }
    }
  }

  @Test
  void oneTenantsBacklogDoesNotDelayAnotherTenantsDelivery() throws Exception {
    try (RunningServer server = RunningServer.start(dir, "--auth-token=" + ROOT)) {
      AdminServiceBlockingStub admin = as(AdminServiceGrpc.newBlockingStub(server.channel()), ROOT);
      String busy = tenantToken(admin, "busy");
      String quick = tenantToken(admin, "quick");
      // 2000 messages due at once for a tenant nobody serves, save one listener that holds a
      // message and never settles it.
      for (int batch = 0; batch < 4; batch++) {
        AtomicRequest.Builder r = AtomicRequest.newBuilder();
        for (int i = 0; i < 500; i++) {
          r.addEnqueues(message("busy " + (batch * 500 + i)));
        }
        assertTrue(kv(server.channel(), busy).atomic(r.build()).getOk());
      }
      try (Listener holder = Listener.open(server.channel(), busy, 1);
          Listener lq = Listener.open(server.channel(), quick, 1)) {
        assertEquals(List.of("busy 0"), payloads(holder.take(1)));
        long start = System.nanoTime();
        enqueue(kv(server.channel(), quick), message("quick one"));
        ListenResponse got = lq.take(1).get(0);
        long tookMs = (System.nanoTime() - start) / 1_000_000;
        System.out.println("TenantQueueIT: delivered past a backlog of 2000 in " + tookMs + " ms");
        assertEquals("quick one", got.getPayload().getString());
        assertTrue(tookMs < 2000, "took " + tookMs + " ms behind another tenant's backlog");
        holder.assertQuiet();
      }
    }
  }

  @Test
  void aTenantsMessageEnqueuedThroughOneMemberReachesItsListenerOnAnother() throws Exception {
    try (TestCluster cluster = TestCluster.start(dir, "tenant-queues", 3,
        "--auth-token=" + ROOT)) {
      cluster.awaitLeader();
      AdminServiceBlockingStub admin0 = as(cluster.admin(0), ROOT);
      eventually(() -> admin0.createTenant(CreateTenantRequest.newBuilder().setName("acme")
          .build()));
      eventually(() -> admin0.createTenant(CreateTenantRequest.newBuilder().setName("other")
          .build()));
      String acme = eventually(() -> admin0.issueToken(IssueTokenRequest.newBuilder()
          .setTenant("acme").setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build()).getToken());
      String other = eventually(() -> admin0.issueToken(IssueTokenRequest.newBuilder()
          .setTenant("other").setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build()).getToken());
      Channel member0 = cluster.node(0).channel();
      Channel member1 = cluster.node(1).channel();
      Channel member2 = cluster.node(2).channel();
      // Every member must know the tokens before it is asked to serve them.
      eventually(() -> get(kv(member2, acme), key("warm")));
      eventually(() -> get(kv(member1, other), key("warm")));
      eventually(() -> get(kv(member1, acme), key("warm")));

      try (Listener acmeOn2 = Listener.open(member2, acme, 10);
          Listener otherOn1 = Listener.open(member1, other, 10);
          Listener defaultOn1 = Listener.open(member1, ROOT, 10)) {
        eventually(() -> enqueue(kv(member0, acme), message("acme 1")));
        eventually(() -> enqueue(kv(member0, other), message("other 1")));
        ListenResponse m = acmeOn2.take(1).get(0);
        assertEquals("acme 1", m.getPayload().getString());
        assertEquals(List.of("other 1"), payloads(otherOn1.take(1)));
        defaultOn1.assertQuiet();
        acmeOn2.assertQuiet();

        // The lease is acme's alone, whichever member the ack goes through.
        assertEquals(Status.Code.FAILED_PRECONDITION,
            ackRefused(kv(member0, other), m.getLeaseId()).getStatus().getCode());
        ack(kv(member1, acme), m.getLeaseId(), true);
        assertEquals(Status.Code.FAILED_PRECONDITION,
            ackRefused(kv(member0, acme), m.getLeaseId()).getStatus().getCode());
      }
    }
  }

  // ---- helpers ---------------------------------------------------------------------------------

  /** A Listen stream of one tenant, collecting what it receives. */
  private static final class Listener implements AutoCloseable {
    private final BlockingQueue<ListenResponse> received = new LinkedBlockingQueue<>();
    private final Context.CancellableContext context = Context.current().withCancellation();
    private volatile Throwable ended;

    static Listener open(Channel channel, String token, int maxInFlight) {
      Listener l = new Listener();
      l.context.run(() -> as(KvServiceGrpc.newStub(channel), token).listen(
          ListenRequest.newBuilder().setMaxInFlight(maxInFlight).build(),
          new StreamObserver<>() {
            @Override
            public void onNext(ListenResponse value) {
              l.received.add(value);
            }

            @Override
            public void onError(Throwable t) {
              l.ended = t;
            }

            @Override
            public void onCompleted() {
              l.ended = new IllegalStateException("stream completed");
            }
          }));
      return l;
    }

    List<ListenResponse> take(int n) throws InterruptedException {
      List<ListenResponse> out = new ArrayList<>();
      long deadline = System.currentTimeMillis() + ARRIVES_MS;
      while (out.size() < n) {
        ListenResponse m = received.poll(Math.max(0, deadline - System.currentTimeMillis()),
            TimeUnit.MILLISECONDS);
        assertNotNull(m, "received " + payloads(out) + " of " + n + " messages; stream ended: "
            + ended);
        out.add(m);
      }
      return out;
    }

    void assertQuiet() throws InterruptedException {
      ListenResponse m = received.poll(QUIET_MS, TimeUnit.MILLISECONDS);
      assertNull(m, () -> "unexpected message " + m.getPayload());
    }

    @Override
    public void close() {
      context.cancel(null);
    }
  }

  private static String tenantToken(AdminServiceBlockingStub admin, String tenant) {
    admin.createTenant(CreateTenantRequest.newBuilder().setName(tenant).build());
    return admin.issueToken(IssueTokenRequest.newBuilder().setTenant(tenant)
        .setRole(TokenRole.TOKEN_ROLE_READ_WRITE).build()).getToken();
  }

  private static Enqueue.Builder message(String payload) {
    return Enqueue.newBuilder().setPayload(stringValue(payload));
  }

  private static boolean enqueue(KvServiceBlockingStub stub, Enqueue.Builder e) {
    assertTrue(stub.atomic(AtomicRequest.newBuilder().addEnqueues(e).build()).getOk());
    return true;
  }

  private static void ack(KvServiceBlockingStub stub, String leaseId, boolean success) {
    stub.ack(AckRequest.newBuilder().setLeaseId(leaseId).setSuccess(success).build());
  }

  private static StatusRuntimeException ackRefused(KvServiceBlockingStub stub, String leaseId) {
    return org.junit.jupiter.api.Assertions.assertThrows(StatusRuntimeException.class,
        () -> ack(stub, leaseId, true));
  }

  private static List<String> payloads(List<ListenResponse> messages) {
    return messages.stream().map(m -> m.getPayload().getString()).toList();
  }

  private static KvServiceBlockingStub kv(Channel channel, String token) {
    return as(KvServiceGrpc.newBlockingStub(channel), token)
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static <S extends AbstractStub<S>> S as(S stub, String token) {
    Metadata headers = new Metadata();
    headers.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER),
        "Bearer " + token);
    return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(headers));
  }

  /** Retries a call refused while the cluster elects a leader or a member catches up. */
  private static <T> T eventually(Callable<T> call) throws Exception {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (true) {
      try {
        return call.call();
      } catch (StatusRuntimeException e) {
        Status.Code code = e.getStatus().getCode();
        if ((code != Status.Code.UNAVAILABLE && code != Status.Code.UNAUTHENTICATED)
            || System.currentTimeMillis() > deadline) {
          throw e;
        }
        Thread.sleep(100);
      }
    }
  }
}
