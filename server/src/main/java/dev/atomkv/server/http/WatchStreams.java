package dev.atomkv.server.http;

import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.WatchListener;
import dev.atomkv.server.engine.WatchUpdate;
import java.nio.ByteBuffer;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.function.Function;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * An edge's open watch streams. They are kept so that a stopping server can end each one (its
 * client sees the body end and reconnects elsewhere) instead of cutting connections, and so that
 * no stream starts once that has begun.
 */
public final class WatchStreams {
  /**
   * How an edge writes a watch: the body's content type, one frame per engine update, the frame
   * sent as a keep-alive, and whether a keep-alive is skipped when the stream wrote within half
   * the interval (a client that only needs to hear something that often).
   */
  public record Format(String contentType, Function<WatchUpdate, ByteBuffer> frame,
      byte[] keepalive, boolean keepaliveOnlyWhenQuiet) {}

  private final Executor executor;
  private final ScheduledExecutorService keepalives;
  private final Set<WatchStream> open = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /**
   * @param executor where updates are written from, so the engine's notifier thread only hands
   *     over
   * @param keepalives runs the streams' keep-alives
   */
  WatchStreams(Executor executor, ScheduledExecutorService keepalives) {
    this.executor = executor;
    this.keepalives = keepalives;
  }

  /**
   * Answers a request with a watch stream: 200, the format's content type, then the first state
   * and every change. The response is the stream's until it ends.
   *
   * @param register registers the engine watch with the listener given; what it throws (a bad
   *     request) is thrown here, before anything is written
   * @param shuttingDown the edge's refusal once the server is stopping
   */
  public void open(Response response, Callback callback, Format format,
      Function<WatchListener, KeyWatch> register, Supplier<RuntimeException> shuttingDown) {
    if (closing) {
      throw shuttingDown.get();
    }
    WatchStream stream = new WatchStream(response, callback, executor, format, open::remove);
    // Registered before it can see a change, so that endAll() never misses it.
    open.add(stream);
    KeyWatch watch;
    try {
      watch = register.apply(stream::schedule);
    } catch (RuntimeException e) {
      open.remove(stream);
      throw e;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, format.contentType());
    stream.start(watch, keepalives);
  }

  /** Ends every open stream (its client sees the body end) and refuses new ones. */
  void endAll() {
    closing = true;
    open.forEach(WatchStream::end);
  }
}
