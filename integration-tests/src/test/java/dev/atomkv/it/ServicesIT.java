package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.health.v1.HealthGrpc;
import io.grpc.reflection.v1.ServerReflectionGrpc;
import io.grpc.reflection.v1.ServerReflectionRequest;
import io.grpc.reflection.v1.ServerReflectionResponse;
import io.grpc.reflection.v1.ServiceResponse;
import io.grpc.stub.StreamObserver;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What grpcurl and buf curl rely on: reflection and the standard health service. */
class ServicesIT {
  @TempDir Path dir;
  RunningServer server;

  @BeforeEach
  void start() throws Exception {
    server = RunningServer.start(dir);
  }

  @AfterEach
  void stop() {
    server.close();
  }

  @Test
  void healthSaysServing() {
    HealthGrpc.HealthBlockingStub health = HealthGrpc.newBlockingStub(server.channel());
    assertEquals(ServingStatus.SERVING,
        health.check(HealthCheckRequest.getDefaultInstance()).getStatus());
    assertEquals(ServingStatus.SERVING,
        health.check(HealthCheckRequest.newBuilder().setService("atomkv.v1.KvService").build())
            .getStatus());
  }

  @Test
  void reflectionListsTheKvService() throws Exception {
    CompletableFuture<List<String>> names = new CompletableFuture<>();
    StreamObserver<ServerReflectionRequest> requests = ServerReflectionGrpc
        .newStub(server.channel())
        .serverReflectionInfo(new StreamObserver<>() {
          @Override
          public void onNext(ServerReflectionResponse r) {
            names.complete(r.getListServicesResponse().getServiceList().stream()
                .map(ServiceResponse::getName).toList());
          }

          @Override
          public void onError(Throwable t) {
            names.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {}
        });
    requests.onNext(ServerReflectionRequest.newBuilder().setListServices("").build());
    List<String> services = names.get(10, TimeUnit.SECONDS);
    requests.onCompleted();
    assertTrue(services.contains("atomkv.v1.KvService"), services.toString());
    assertTrue(services.contains("grpc.health.v1.Health"), services.toString());
  }
}
