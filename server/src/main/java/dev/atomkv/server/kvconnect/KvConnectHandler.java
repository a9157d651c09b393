package dev.atomkv.server.kvconnect;

import dev.atomkv.server.auth.TokenStore;
import dev.atomkv.server.auth.Tokens;
import dev.atomkv.server.engine.KeyWatch;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routes KV Connect's POSTs: the metadata exchange at {@code /}, the data path under
 * {@link Metadata#ENDPOINT}. Every request needs a bearer token from the server's token store
 * (when tokens are configured); a read-only token may read and watch but not write.
 */
final class KvConnectHandler extends Handler.Abstract {
  static final String PROTOBUF = "application/x-protobuf";
  /** A watch body is a stream of frames, not one message: the npm client insists on this type. */
  static final String STREAM = "application/octet-stream";
  private static final String JSON = "application/json";
  private static final String TEXT = "text/plain; charset=utf-8";
  private static final String BEARER = "bearer ";
  static final String READ_ONLY = "This database is read only.";

  private final DataPath data;
  private final UUID databaseId;
  private final TokenStore tokens;
  private final Clock clock;
  private final int maxRequestBytes;
  private final Executor responseExecutor;
  private final ScheduledExecutorService keepalives;
  private final Set<WatchStream> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /**
   * @param tokens the tokens in force, read on every request (so a reload applies at once); null
   *     when authentication is off
   * @param responseExecutor where commit results and watch updates are written from, so the
   *     writer and the engine's notifier thread only hand over
   * @param keepalives runs the watch streams' keep-alives
   */
  KvConnectHandler(DataPath data, UUID databaseId, TokenStore tokens, Clock clock,
      int maxRequestBytes, Executor responseExecutor, ScheduledExecutorService keepalives) {
    this.data = data;
    this.databaseId = databaseId;
    this.tokens = tokens;
    this.clock = clock;
    this.maxRequestBytes = maxRequestBytes;
    this.responseExecutor = responseExecutor;
    this.keepalives = keepalives;
  }

  /** Ends every open watch stream (its client sees the body end) and refuses new ones. */
  void endWatches() {
    closing = true;
    watches.forEach(WatchStream::end);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (RuntimeException | IOException e) {
      HttpFailure f = HttpFailure.of(e);
      send(response, callback, f.status(), TEXT, f.getMessage().getBytes(StandardCharsets.UTF_8));
    }
    return true;
  }

  private void route(Request request, Response response, Callback callback) throws IOException {
    String path = Request.getPathInContext(request);
    boolean metadata = path.isEmpty() || path.equals("/");
    boolean dataPath = path.startsWith(Metadata.ENDPOINT + "/");
    if (!metadata && !dataPath) {
      throw new HttpFailure(HttpFailure.NOT_FOUND, "Not found: KV Connect serves POST / and "
          + "POST " + Metadata.ENDPOINT + "/{snapshot_read,atomic_write,watch}");
    }
    if (!HttpMethod.POST.is(request.getMethod())) {
      throw new HttpFailure(HttpFailure.METHOD_NOT_ALLOWED, "Method not allowed: use POST");
    }
    String token = bearer(request);
    Tokens.Access access = access(token);
    if (access == Tokens.Access.NONE) {
      throw new HttpFailure(HttpFailure.UNAUTHORIZED, "Unauthorized: missing or invalid "
          + "access token (DENO_KV_ACCESS_TOKEN)");
    }
    byte[] body = body(request);
    if (metadata) {
      int version = Metadata.negotiate(body);
      String answer = Metadata.answer(version, databaseId, token == null ? "" : token,
          clock.instant());
      send(response, callback, 200, JSON, answer.getBytes(StandardCharsets.UTF_8));
      return;
    }
    String version = checkDataPathHeaders(request);
    switch (path.substring(Metadata.ENDPOINT.length())) {
      case "/watch" -> watch(version, body, response, callback);
      case "/snapshot_read" -> send(response, callback, 200, PROTOBUF, data.snapshotRead(body));
      case "/atomic_write" -> {
        if (access != Tokens.Access.READ_WRITE) {
          throw HttpFailure.badRequest(READ_ONLY);
        }
        data.atomicWrite(body).whenCompleteAsync((out, failure) -> {
          if (failure != null) {
            HttpFailure f = HttpFailure.of(failure);
            send(response, callback, f.status(), TEXT,
                f.getMessage().getBytes(StandardCharsets.UTF_8));
          } else {
            send(response, callback, 200, PROTOBUF, out);
          }
        }, responseExecutor);
      }
      default -> throw new HttpFailure(HttpFailure.NOT_FOUND, "Not found: " + path);
    }
  }

  private void watch(String version, byte[] body, Response response, Callback callback) {
    if (!"3".equals(version)) {
      throw HttpFailure.badRequest("watch needs KV Connect protocol version 3");
    }
    if (closing) {
      throw new HttpFailure(HttpFailure.UNAVAILABLE, "server is shutting down");
    }
    WatchStream stream = new WatchStream(response, callback, responseExecutor, watches::remove);
    // Registered before it can see a change, so that endWatches() never misses it.
    watches.add(stream);
    KeyWatch watch;
    try {
      watch = data.watch(body, stream::schedule);
    } catch (RuntimeException e) {
      watches.remove(stream);
      throw e;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, STREAM);
    stream.start(watch, keepalives);
  }

  /** @return the protocol version the client speaks */
  private String checkDataPathHeaders(Request request) {
    String version = request.getHeaders().get("x-denokv-version");
    if (!"2".equals(version) && !"3".equals(version)) {
      throw HttpFailure.badRequest("Missing or unsupported x-denokv-version header (2 or 3)");
    }
    String id = request.getHeaders().get("x-denokv-database-id");
    if (id == null) {
      id = request.getHeaders().get("x-transaction-domain-id");
    }
    if (id == null || !id.trim().equalsIgnoreCase(databaseId.toString())) {
      throw HttpFailure.badRequest("Wrong or missing x-denokv-database-id header: this "
          + "database is " + databaseId);
    }
    return version;
  }

  private Tokens.Access access(String token) {
    if (tokens == null) {
      return Tokens.Access.READ_WRITE;
    }
    return tokens.access(token);
  }

  private static String bearer(Request request) {
    String header = request.getHeaders().get(HttpHeader.AUTHORIZATION);
    if (header == null || header.length() <= BEARER.length()
        || !header.substring(0, BEARER.length()).toLowerCase(Locale.ROOT).equals(BEARER)) {
      return null;
    }
    return header.substring(BEARER.length()).strip();
  }

  private byte[] body(Request request) throws IOException {
    long declared = request.getLength();
    if (declared > maxRequestBytes) {
      throw tooLarge();
    }
    try (InputStream in = Content.Source.asInputStream(request)) {
      byte[] body = in.readNBytes(maxRequestBytes + 1);
      if (body.length > maxRequestBytes) {
        throw tooLarge();
      }
      return body;
    }
  }

  private HttpFailure tooLarge() {
    return new HttpFailure(HttpFailure.PAYLOAD_TOO_LARGE,
        "Request too large (max " + maxRequestBytes + " bytes)");
  }

  private static void send(Response response, Callback callback, int status, String type,
      byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
