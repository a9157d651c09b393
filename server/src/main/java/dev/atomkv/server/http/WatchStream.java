package dev.atomkv.server.http;

import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.WatchUpdate;
import java.nio.ByteBuffer;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One watch as a response body: the first frame reports every key, later ones come when a key
 * changes, and a keep-alive frame every few seconds keeps the connection alive and finds clients
 * that went away. At most one write is in flight: while it is, changes coalesce in the engine
 * watch and are polled when it completes, so a slow client costs no queue here. No thread waits
 * in between. What a frame looks like is the edge's {@link WatchStreams.Format}.
 */
final class WatchStream {
  /** Deno's client expects a frame at least this often; a browser notices a lost server. */
  static final long KEEPALIVE_MS = 5_000;

  private final Response response;
  private final Callback callback;
  private final Executor executor;
  private final WatchStreams.Format format;
  private final Consumer<WatchStream> onEnd;
  // All guarded by this.
  private KeyWatch watch;
  private ScheduledFuture<?> keepalive;
  private boolean writing;
  private boolean pending;
  private boolean ended;
  private boolean completed;
  private long lastWriteNanos = System.nanoTime();

  /** @param onEnd run once when the stream ends, however it ends */
  WatchStream(Response response, Callback callback, Executor executor, WatchStreams.Format format,
      Consumer<WatchStream> onEnd) {
    this.response = response;
    this.callback = callback;
    this.executor = executor;
    this.format = format;
    this.onEnd = onEnd;
  }

  /** Starts sending {@code w}'s updates, its first state first, with keep-alives on {@code timer}. */
  void start(KeyWatch w, ScheduledExecutorService timer) {
    synchronized (this) {
      watch = w;
      if (ended) {
        w.close();
        return;
      }
      keepalive = timer.scheduleWithFixedDelay(this::keepalive, KEEPALIVE_MS, KEEPALIVE_MS,
          TimeUnit.MILLISECONDS);
    }
    schedule();
  }

  /** The engine's listener: called on its notifier thread, so it only hands over. */
  void schedule() {
    try {
      executor.execute(this::drain);
    } catch (RejectedExecutionException e) {
      end();
    }
  }

  private void drain() {
    synchronized (this) {
      if (ended || watch == null) {
        return;
      }
      if (writing) {
        pending = true;
        return;
      }
      WatchUpdate update;
      try {
        update = watch.poll();
      } catch (RuntimeException closing) {
        update = null;
        ended = true; // the engine is closing; the client reconnects later
      }
      if (update != null) {
        write(format.frame().apply(update));
        return;
      }
      if (!ended) {
        return;
      }
    }
    ended();
  }

  private synchronized void keepalive() {
    if (ended || writing) {
      return;
    }
    if (!format.keepaliveOnlyWhenQuiet() || System.nanoTime() - lastWriteNanos
        >= TimeUnit.MILLISECONDS.toNanos(KEEPALIVE_MS) / 2) {
      write(ByteBuffer.wrap(format.keepalive()));
    }
  }

  /** Called holding the lock, with no write in flight. */
  private void write(ByteBuffer frame) {
    writing = true;
    lastWriteNanos = System.nanoTime();
    response.write(false, frame, Callback.from(this::written, this::failed));
  }

  private void written() {
    boolean again;
    boolean finish;
    synchronized (this) {
      writing = false;
      again = pending && !ended;
      pending = false;
      finish = ended;
    }
    if (finish) {
      ended();
    } else if (again) {
      schedule();
    }
  }

  /** The client went away (or the connection broke): end without a last write. */
  private void failed(Throwable failure) {
    synchronized (this) {
      writing = false;
      ended = true;
      if (completed) {
        return;
      }
      completed = true;
    }
    release();
    callback.failed(failure);
  }

  /** Ends the stream (the client sees its body end) unless it has ended already. */
  void end() {
    boolean now;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      now = !writing; // otherwise written() finishes
    }
    if (now) {
      ended();
    }
  }

  private void ended() {
    synchronized (this) {
      if (completed) {
        return;
      }
      completed = true;
    }
    release();
    response.write(true, ByteBuffer.allocate(0), callback);
  }

  private void release() {
    synchronized (this) {
      if (watch != null) {
        watch.close();
      }
      if (keepalive != null) {
        keepalive.cancel(false);
      }
    }
    onEnd.accept(this);
  }
}
