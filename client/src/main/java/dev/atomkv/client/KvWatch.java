package dev.atomkv.client;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.KvServiceGrpc;
import dev.atomkv.proto.v1.WatchRequest;
import dev.atomkv.proto.v1.WatchResponse;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;

/**
 * A watch of a few keys (Deno's {@code kv.watch}): a blocking iterator of {@link WatchEvent}s, the
 * first with the current state of every key, then one whenever a key's versionstamp changes.
 * Events are asked of the server one at a time, as {@link #next()} takes them, so a consumer that
 * falls behind is not flooded: it gets the latest state when it comes back, not every step.
 *
 * <p>When the stream breaks with UNAVAILABLE (server restart, network) the watch reconnects on its
 * own, with a growing pause (jittered, capped at {@link #MAX_RECONNECT_PAUSE}), resuming after the
 * last event seen: no event is sent for keys that did not change meanwhile, and nothing final is
 * missed. The call has no deadline. Other failures end the iteration with a {@link KvException}.
 * {@link #close()} (from any thread) ends it: a blocked {@link #hasNext()} returns false.
 *
 * <p>One thread iterates; it holds no other thread while waiting.
 */
public final class KvWatch implements Iterator<WatchEvent>, AutoCloseable {
  /** The longest pause between reconnection attempts. */
  public static final Duration MAX_RECONNECT_PAUSE = Duration.ofSeconds(5);
  private static final Object CLOSED = new Object();

  private final KvServiceGrpc.KvServiceStub stub;
  private final List<Key> keys;
  private final Duration firstPause;
  private final BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
  private volatile boolean closed;
  private volatile Call current;

  // Consumer thread only.
  private Versionstamp resumeAfter;
  private WatchEvent buffered;
  private boolean finished;
  private int failedAttempts;
  private int reconnects;

  KvWatch(KvServiceGrpc.KvServiceStub stub, List<Key> keys, Versionstamp after,
      Duration firstPause) {
    this.stub = stub;
    this.keys = List.copyOf(keys);
    this.resumeAfter = after;
    this.firstPause = firstPause;
    connect();
  }

  /**
   * Waits for the next event.
   *
   * @return false once the watch is closed (or the waiting thread interrupted, which closes it)
   * @throws KvException when the server refuses the watch or fails with anything but UNAVAILABLE
   */
  @Override
  public boolean hasNext() {
    while (buffered == null && !finished) {
      if (closed) {
        finished = true;
        break;
      }
      Object item;
      try {
        item = inbox.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        continue;
      }
      if (item instanceof Message m && m.call() == current) {
        buffered = toEvent(m.response());
        resumeAfter = buffered.readVersionstamp();
        failedAttempts = 0;
      } else if (item instanceof Failure f && f.call() == current && !closed) {
        StatusRuntimeException error = f.error() instanceof StatusRuntimeException sre ? sre
            : Status.fromThrowable(f.error()).asRuntimeException();
        if (error.getStatus().getCode() != Status.Code.UNAVAILABLE) {
          finished = true;
          throw StatusMapping.forRead(error);
        }
        if (pause(++failedAttempts)) {
          reconnects++;
          connect();
        }
      }
    }
    return buffered != null;
  }

  /** The next event, waiting for it. */
  @Override
  public WatchEvent next() {
    if (!hasNext()) {
      throw new NoSuchElementException("watch closed");
    }
    WatchEvent e = buffered;
    buffered = null;
    current.request();
    return e;
  }

  /** This watch as a sequential stream (closing the stream does not close the watch). */
  public Stream<WatchEvent> stream() {
    return StreamSupport.stream(Spliterators.spliteratorUnknownSize(this,
        Spliterator.ORDERED | Spliterator.NONNULL), false);
  }

  /** How often the watch reconnected after UNAVAILABLE. */
  public int reconnects() {
    return reconnects;
  }

  /** Cancels the call; a waiting {@link #hasNext()} returns false. Idempotent, any thread. */
  @Override
  public void close() {
    closed = true;
    Call c = current;
    if (c != null) {
      c.cancel();
    }
    inbox.add(CLOSED);
  }

  private void connect() {
    WatchRequest.Builder request = WatchRequest.newBuilder();
    keys.forEach(k -> request.addKeys(ProtoMapping.toProto(k)));
    if (resumeAfter != null) {
      request.setAfter(ByteString.copyFrom(resumeAfter.toBytes()));
    }
    Call c = new Call();
    current = c;
    // Wait-for-ready: while the server is down, a new attempt waits for the channel to reconnect
    // instead of failing at once and spinning through the pauses.
    stub.withWaitForReady().watch(request.build(), c);
    if (closed) {
      c.cancel(); // close() ran while this call was being made
    }
  }

  private WatchEvent toEvent(WatchResponse r) {
    if (r.getEntriesCount() != keys.size()) {
      throw new IllegalStateException(
          "server answered " + r.getEntriesCount() + " entries for " + keys.size() + " keys");
    }
    List<KvEntry> entries = new ArrayList<>(keys.size());
    List<Boolean> changed = new ArrayList<>(keys.size());
    for (int i = 0; i < keys.size(); i++) {
      entries.add(ProtoMapping.fromProto(r.getEntries(i).getEntry(), keys.get(i)));
      changed.add(r.getEntries(i).getChanged());
    }
    return new WatchEvent(entries, changed,
        Versionstamp.fromBytes(r.getReadVersionstamp().toByteArray()));
  }

  /** Sleeps before reconnection {@code attempt}; false if the watch closed meanwhile. */
  private boolean pause(int attempt) {
    long base = Math.min(firstPause.toNanos() << Math.min(attempt - 1, 16),
        MAX_RECONNECT_PAUSE.toNanos());
    long until = System.nanoTime() + base / 2 + ThreadLocalRandom.current().nextLong(base / 2 + 1);
    try {
      // Waiting on the inbox rather than sleeping lets close() cut the pause short; anything else
      // arriving now belongs to the failed call and is dropped.
      for (long left = until - System.nanoTime(); left > 0 && !closed;
          left = until - System.nanoTime()) {
        if (inbox.poll(left, TimeUnit.NANOSECONDS) == CLOSED) {
          inbox.add(CLOSED);
          break;
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      close();
    }
    return !closed;
  }

  private record Message(Call call, WatchResponse response) {}

  private record Failure(Call call, Throwable error) {}

  /** One attempt: one Watch call, asking for one message at a time. */
  private final class Call implements ClientResponseObserver<WatchRequest, WatchResponse> {
    private volatile ClientCallStreamObserver<WatchRequest> requests;

    @Override
    public void beforeStart(ClientCallStreamObserver<WatchRequest> requestStream) {
      requests = requestStream;
      requestStream.disableAutoRequestWithInitial(1);
    }

    @Override
    public void onNext(WatchResponse value) {
      inbox.add(new Message(this, value));
    }

    @Override
    public void onError(Throwable t) {
      inbox.add(new Failure(this, t));
    }

    @Override
    public void onCompleted() {
      // The server never ends a watch on its own: treat an end as a lost connection.
      inbox.add(new Failure(this, Status.UNAVAILABLE
          .withDescription("watch stream ended by the server").asRuntimeException()));
    }

    void request() {
      requests.request(1);
    }

    void cancel() {
      requests.cancel("watch closed", null);
    }
  }
}
