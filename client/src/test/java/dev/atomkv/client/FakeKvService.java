package dev.atomkv.client;

import com.google.protobuf.Any;
import com.google.rpc.ErrorInfo;
import dev.atomkv.proto.v1.AckRequest;
import dev.atomkv.proto.v1.AckResponse;
import dev.atomkv.proto.v1.AtomicRequest;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.GetRequest;
import dev.atomkv.proto.v1.GetResponse;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.ListRequest;
import dev.atomkv.proto.v1.ListResponse;
import dev.atomkv.proto.v1.ListenRequest;
import dev.atomkv.proto.v1.ListenResponse;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import io.grpc.Context;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * A scripted {@code KvService}: each RPC records its requests (and their deadlines) and answers
 * with the replies queued for it, in order. An RPC with nothing queued fails with UNIMPLEMENTED, so
 * a test that forgot a reply fails loudly.
 */
final class FakeKvService extends KvServiceGrpc.KvServiceImplBase {
  final Rpc<GetRequest, GetResponse> get = new Rpc<>();
  final Rpc<ListRequest, ListResponse> list = new Rpc<>();
  final Rpc<AtomicRequest, AtomicResponse> atomic = new Rpc<>();
  final Rpc<AckRequest, AckResponse> ack = new Rpc<>();
  /** Listen calls play these in turn; with none left a call stays open, sending nothing. */
  final Deque<ListenScript> listens = new java.util.concurrent.ConcurrentLinkedDeque<>();
  final List<ListenRequest> listenRequests = new java.util.concurrent.CopyOnWriteArrayList<>();

  /** One Listen call: its deliveries, then its ending (null: it stays open). */
  record ListenScript(List<ListenResponse> deliveries, StatusRuntimeException ending) {}

  @Override
  public void get(GetRequest request, StreamObserver<GetResponse> responses) {
    get.handle(request, responses);
  }

  @Override
  public void list(ListRequest request, StreamObserver<ListResponse> responses) {
    list.handle(request, responses);
  }

  @Override
  public void atomic(AtomicRequest request, StreamObserver<AtomicResponse> responses) {
    atomic.handle(request, responses);
  }

  @Override
  public void listen(ListenRequest request, StreamObserver<ListenResponse> responses) {
    listenRequests.add(request);
    ListenScript script = listens.poll();
    if (script == null) {
      return;
    }
    script.deliveries().forEach(responses::onNext);
    if (script.ending() != null) {
      responses.onError(script.ending());
    }
  }

  @Override
  public void ack(AckRequest request, StreamObserver<AckResponse> responses) {
    ack.handle(request, responses);
  }

  /** Watch calls as they arrive; the test streams the answers through their observers. */
  final BlockingQueue<WatchCall> watches = new LinkedBlockingQueue<>();

  /** One Watch call the fake received. */
  record WatchCall(WatchRequest request, ServerCallStreamObserver<WatchResponse> responses) {}

  @Override
  public void watch(WatchRequest request, StreamObserver<WatchResponse> responses) {
    ServerCallStreamObserver<WatchResponse> call = (ServerCallStreamObserver<WatchResponse>) responses;
    call.setOnCancelHandler(() -> {});
    watches.add(new WatchCall(request, call));
  }

  /** UNAVAILABLE carrying {@code google.rpc.ErrorInfo} reason NOT_APPLIED, as an overloaded server answers. */
  static StatusRuntimeException notApplied(String message) {
    return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
        .setCode(Status.Code.UNAVAILABLE.value())
        .setMessage(message)
        .addDetails(Any.pack(ErrorInfo.newBuilder().setReason("NOT_APPLIED").setDomain("atomkv.dev").build()))
        .build());
  }

  /** The script and the record of one RPC. */
  static final class Rpc<Q, R> {
    private static final Object HANG = new Object();

    private final List<Q> requests = new ArrayList<>();
    private final List<Deadline> deadlines = new ArrayList<>();
    private final Deque<Object> replies = new ArrayDeque<>();

    /** Queues a successful response. */
    synchronized Rpc<Q, R> reply(R response) {
      replies.add(response);
      return this;
    }

    /** Queues a failure with this status code and description. */
    synchronized Rpc<Q, R> fail(Status.Code code, String description) {
      replies.add(code.toStatus().withDescription(description).asRuntimeException());
      return this;
    }

    /** Queues a failure. */
    synchronized Rpc<Q, R> fail(StatusRuntimeException error) {
      replies.add(error);
      return this;
    }

    /** Queues a call that never answers (until the client's deadline or the server's shutdown). */
    synchronized Rpc<Q, R> hang() {
      replies.add(HANG);
      return this;
    }

    synchronized List<Q> requests() {
      return List.copyOf(requests);
    }

    synchronized Q onlyRequest() {
      if (requests.size() != 1) {
        throw new AssertionError("expected one request, got " + requests.size() + ": " + requests);
      }
      return requests.get(0);
    }

    synchronized List<Deadline> deadlines() {
      return new ArrayList<>(deadlines);
    }

    @SuppressWarnings("unchecked")
    private void handle(Q request, StreamObserver<R> responses) {
      Object reply;
      synchronized (this) {
        requests.add(request);
        deadlines.add(Context.current().getDeadline());
        reply = replies.poll();
      }
      if (reply == HANG) {
        return;
      }
      if (reply == null) {
        responses.onError(Status.UNIMPLEMENTED.withDescription("no reply scripted").asRuntimeException());
      } else if (reply instanceof StatusRuntimeException e) {
        responses.onError(e);
      } else {
        responses.onNext((R) reply);
        responses.onCompleted();
      }
    }
  }
}
