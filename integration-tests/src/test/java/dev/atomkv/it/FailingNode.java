package dev.atomkv.it;

import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.KvServiceGrpc;
import io.grpc.Server;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A node that reports itself healthy and answers every Atomic it receives with UNAVAILABLE, as a
 * server does when it fails after a request reached it: the client cannot know whether the commit
 * happened. It counts the Atomics that reached it.
 */
final class FailingNode implements AutoCloseable {
  private final AtomicInteger atomics = new AtomicInteger();
  private final HealthStatusManager health = new HealthStatusManager();
  private final Server server;

  /** A node whose overall health ({@code ""}) starts as {@code status}. */
  FailingNode(ServingStatus status) throws IOException {
    health.setStatus("", status);
    server = NettyServerBuilder.forAddress(new InetSocketAddress("127.0.0.1", 0))
        .addService(health.getHealthService())
        .addService(new KvServiceGrpc.KvServiceImplBase() {
          @Override
          public void atomic(AtomicRequest request, StreamObserver<AtomicResponse> response) {
            atomics.incrementAndGet();
            response.onError(Status.UNAVAILABLE.withDescription("connection to storage lost")
                .asRuntimeException());
          }
        })
        .build()
        .start();
  }

  /** What the node's health service reports from now on. */
  void health(ServingStatus status) {
    health.setStatus("", status);
  }

  int port() {
    return server.getPort();
  }

  /** Atomics that reached this node. */
  int atomics() {
    return atomics.get();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow();
    server.awaitTermination(5, TimeUnit.SECONDS);
  }
}
