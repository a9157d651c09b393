package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AckResponse;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.QueueDelivery;
import dev.atomkv.server.engine.QueueSink;
import dev.atomkv.server.engine.QueueSubscription;
import dev.atomkv.server.tenant.TenantEngines;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.RequestValidator;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The queue's two calls: a Listen stream per listener, fed by the engine's queue thread (no thread
 * per listener), and the unary Ack that settles one delivery.
 */
final class QueueCalls {
  private final TenantEngines engines;
  private final RequestValidator validator;
  private final Executor responseExecutor;

  QueueCalls(TenantEngines engines, RequestValidator validator, Executor responseExecutor) {
    this.engines = engines;
    this.validator = validator;
    this.responseExecutor = responseExecutor;
  }

  void listen(ListenRequest req, StreamObserver<ListenResponse> out) {
    ServerCallStreamObserver<ListenResponse> call = (ServerCallStreamObserver<ListenResponse>) out;
    int maxInFlight = req.getMaxInFlight();
    try {
      validator.listenInFlight(maxInFlight);
    } catch (KvException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    AtomicReference<QueueSubscription> subscription = new AtomicReference<>();
    // Set before the engine can deliver, as grpc-java requires; a client that goes away releases
    // what it held, which is then redelivered after its backoff.
    call.setOnCancelHandler(() -> {
      QueueSubscription s = subscription.get();
      if (s != null) {
        s.close();
      }
    });
    StreamSink sink = new StreamSink(call);
    try {
      subscription.set(engine().listen(Math.max(1, maxInFlight), sink));
    } catch (RuntimeException e) {
      sink.end(e instanceof KvException k ? k : new KvException(
          dev.atomkv.server.model.ErrorKind.INTERNAL, "internal error", e));
      return;
    }
    if (call.isCancelled()) {
      subscription.get().close();
    }
  }

  void ack(AckRequest req, StreamObserver<AckResponse> out) {
    if (req.getLeaseId().isEmpty()) {
      out.onError(StatusMapper.toStatus(KvException.invalid("lease_id is not set")));
      return;
    }
    engine().ack(req.getLeaseId(), req.getSuccess()).whenCompleteAsync((done, failure) -> {
      if (failure != null) {
        out.onError(StatusMapper.toStatus(failure));
      } else {
        out.onNext(AckResponse.getDefaultInstance());
        out.onCompleted();
      }
    }, responseExecutor);
  }

  /** One Listen stream. Engine calls and a cancellation may race, hence the lock. */
  private static final class StreamSink implements QueueSink {
    private final ServerCallStreamObserver<ListenResponse> call;
    private boolean ended;

    StreamSink(ServerCallStreamObserver<ListenResponse> call) {
      this.call = call;
    }

    @Override
    public synchronized void deliver(QueueDelivery d) {
      if (ended || call.isCancelled()) {
        return; // the lease expires, or the cancellation already released it
      }
      call.onNext(ListenResponse.newBuilder()
          .setLeaseId(d.leaseId())
          .setPayload(ProtoMapper.toProtoValue(d.payload()))
          .setAttempt(d.attempt())
          .setLeaseExpiresAtMs(d.leaseExpiresAtMs())
          .setVersionstamp(ByteString.copyFrom(d.versionstamp().toBytes()))
          .build());
    }

    @Override
    public synchronized void end(KvException reason) {
      if (ended) {
        return;
      }
      ended = true;
      if (!call.isCancelled()) {
        call.onError(StatusMapper.toStatus(reason));
      }
    }
  }

  /** The engine of the calling tenant. */
  private KvEngine engine() {
    return engines.of(CallPrincipal.tenant());
  }
}
