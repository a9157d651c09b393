package dev.atomkv.server.api;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.WatchEntry;
import dev.atomkv.proto.v1.WatchResponse;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

/**
 * One Watch call: sends the engine watch's updates while the stream has room. Nothing waits on
 * a thread in between: the engine's listener and gRPC's onReady both just schedule a drain on the
 * server's executor, and a drain polls only while the transport is ready, so a slow client makes
 * changes coalesce in the engine instead of queueing messages here.
 */
final class WatchStream {
  private final ServerCallStreamObserver<WatchResponse> out;
  private final List<Key> keys;
  private final Executor executor;
  private final Consumer<WatchStream> onEnd;
  private KeyWatch watch;
  /** Guarded by this: once true, nothing more is sent. */
  private boolean ended;

  /**
   * @param keys the keys as requested, echoed in every entry
   * @param onEnd run once when the stream ends, however it ends
   */
  WatchStream(ServerCallStreamObserver<WatchResponse> out, List<Key> keys, Executor executor,
      Consumer<WatchStream> onEnd) {
    this.out = out;
    this.keys = keys;
    this.executor = executor;
    this.onEnd = onEnd;
    // Both must be set before the service method returns.
    out.setOnCancelHandler(this::cancelled);
    out.setOnReadyHandler(this::drain);
  }

  /** Starts sending the updates of {@code w}, beginning with its first state. */
  void start(KeyWatch w) {
    synchronized (this) {
      if (ended) {
        w.close(); // cancelled before the watch was registered
        return;
      }
      watch = w;
    }
    schedule();
  }

  /** The engine's listener: called on its notifier thread, so it only hands over. */
  void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      end(new KvException(ErrorKind.UNAVAILABLE, "server is shutting down"));
    }
  }

  private synchronized void drain() {
    if (ended || watch == null) {
      return;
    }
    try {
      while (out.isReady()) {
        WatchUpdate update = watch.poll();
        if (update == null) {
          return;
        }
        out.onNext(toResponse(update));
      }
    } catch (RuntimeException e) {
      end(e);
    }
  }

  /** Ends the stream with the status {@code failure} maps to, unless it has ended already. */
  synchronized void end(Throwable failure) {
    if (ended) {
      return;
    }
    finish();
    out.onError(StatusMapper.toStatus(failure));
  }

  private synchronized void cancelled() {
    if (!ended) {
      finish();
    }
  }

  private void finish() {
    ended = true;
    if (watch != null) {
      watch.close();
    }
    onEnd.accept(this);
  }

  private WatchResponse toResponse(WatchUpdate update) {
    WatchResponse.Builder b = WatchResponse.newBuilder()
        .setReadVersionstamp(ByteString.copyFrom(update.readVersionstamp().toBytes()));
    for (int i = 0; i < keys.size(); i++) {
      b.addEntries(WatchEntry.newBuilder()
          .setEntry(ProtoMapper.toProtoEntry(keys.get(i), update.keys().get(i).entry()))
          .setChanged(update.keys().get(i).changed()));
    }
    return b.build();
  }
}
