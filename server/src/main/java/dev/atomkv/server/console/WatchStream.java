package dev.atomkv.server.console;

import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.WatchUpdate;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * One console watch: a response body of JSON lines (NDJSON), the first with every key's state,
 * later ones when a key changes, and an empty line every few seconds so that a client that went
 * away is noticed. At most one write is in flight; changes arriving meanwhile coalesce in the
 * engine watch and are polled when it completes, so a slow browser costs no queue here.
 */
final class WatchStream {
  static final long KEEPALIVE_MS = 5_000;

  private final Response response;
  private final Callback callback;
  private final Executor executor;
  private final Consumer<WatchStream> onEnd;
  // All guarded by this.
  private KeyWatch watch;
  private ScheduledFuture<?> keepalive;
  private boolean writing;
  private boolean pending;
  private boolean ended;
  private boolean completed;

  WatchStream(Response response, Callback callback, Executor executor,
      Consumer<WatchStream> onEnd) {
    this.response = response;
    this.callback = callback;
    this.executor = executor;
    this.onEnd = onEnd;
  }

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
        ended = true;
      }
      if (update != null) {
        write(ConsoleApi.update(update).toString() + "\n");
        return;
      }
      if (!ended) {
        return;
      }
    }
    ended();
  }

  private synchronized void keepalive() {
    if (!ended && !writing) {
      write("\n");
    }
  }

  /** Called holding the lock, with no write in flight. */
  private void write(String line) {
    writing = true;
    response.write(false, ByteBuffer.wrap(line.getBytes(StandardCharsets.UTF_8)),
        Callback.from(this::written, this::failed));
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

  /** The browser went away: end without a last write. */
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

  /** Ends the stream (the browser sees its body end) unless it has ended already. */
  void end() {
    boolean now;
    synchronized (this) {
      if (ended) {
        return;
      }
      ended = true;
      now = !writing;
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
