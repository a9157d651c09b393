package dev.atomkv.bench.atomkv;

import dev.atomkv.bench.core.AsyncOp;
import dev.atomkv.bench.core.Outcome;
import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;

/** How the atomkv drivers make their gRPC calls: timed ones answer an op, setup ones a future. */
final class Calls {
  private Calls() {}

  /** A stub's asynchronous unary method. */
  interface UnaryCall<Q, R> {
    void call(Q request, StreamObserver<R> observer);
  }

  /** One unary call as a future (setup and preloading, not timed). */
  static <Q, R> CompletableFuture<R> call(UnaryCall<Q, R> method, Q request) {
    CompletableFuture<R> f = new CompletableFuture<>();
    method.call(request, new StreamObserver<>() {
      @Override
      public void onNext(R value) {
        f.complete(value);
      }

      @Override
      public void onError(Throwable t) {
        f.completeExceptionally(t);
      }

      @Override
      public void onCompleted() {}
    });
    return f;
  }

  /** The answer to a timed op: the subclass judges the reply; an error ends the op as ERROR. */
  abstract static class Observer<R> implements StreamObserver<R> {
    final AsyncOp.Completion done;

    Observer(AsyncOp.Completion done) {
      this.done = done;
    }

    @Override
    public void onError(Throwable t) {
      done.complete(Outcome.ERROR, t);
    }

    @Override
    public void onCompleted() {}
  }
}
