package dev.atomkv.server.kvconnect;

import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.auth.Principal;
import dev.atomkv.server.http.EdgeHandler;
import dev.atomkv.server.http.WatchStreams;
import dev.atomkv.server.tenant.RateLimiter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routes KV Connect's POSTs: the metadata exchange at {@code /}, the data path under
 * {@link Metadata#ENDPOINT} and, on a cluster member, its eventual reads under
 * {@link Metadata#EVENTUAL_ENDPOINT}. Every request needs a bearer token from the server's token store
 * (when tokens are configured); a read-only token may read and watch but not write.
 */
final class KvConnectHandler extends EdgeHandler {
  static final String PROTOBUF = "application/x-protobuf";
  /** A watch body is a stream of frames, not one message: the npm client insists on this type. */
  static final String STREAM = "application/octet-stream";
  private static final String JSON = "application/json";
  private static final String TEXT = "text/plain; charset=utf-8";
  static final String READ_ONLY = "This database is read only.";
  /**
   * Protocol v3's watch body: frames of a u32 little-endian length and a WatchOutput; a
   * zero-length frame is the keep-alive, sent only when nothing else went out lately.
   */
  private static final WatchStreams.Format WATCH = new WatchStreams.Format(STREAM,
      DataPath::watchFrame, new byte[4], true);

  private final TenantPaths databases;
  private final boolean hasEventual;
  private final Clock clock;
  private final WatchStreams watches;
  private final RateLimiter rateLimiter;

  /**
   * @param databases each tenant's database: a request is served the database of its token's
   *     tenant
   * @param tokens who a token acts as, asked on every request (so a reload or a revocation applies
   *     at once)
   * @param responseExecutor where commit results are written from, so the writer only hands over
   * @param watches the edge's open watch streams
   * @param rateLimiter the tenants' rate limits, asked before a request reaches the engine
   */
  KvConnectHandler(TenantPaths databases, Authenticator tokens, Clock clock, int maxRequestBytes,
      Executor responseExecutor, WatchStreams watches, RateLimiter rateLimiter) {
    super(tokens, maxRequestBytes, responseExecutor);
    this.databases = databases;
    this.hasEventual = databases.hasEventual();
    this.clock = clock;
    this.watches = watches;
    this.rateLimiter = rateLimiter;
  }

  @Override
  protected void fail(Response response, Callback callback, Throwable failure) {
    HttpFailure f = HttpFailure.of(failure);
    if (f.retryAfterSeconds() > 0) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, f.retryAfterSeconds());
    }
    send(response, callback, f.status(), TEXT, f.getMessage().getBytes(StandardCharsets.UTF_8));
  }

  @Override
  protected RuntimeException tooLarge(String message) {
    return new HttpFailure(HttpFailure.PAYLOAD_TOO_LARGE, message);
  }

  @Override
  protected void route(Request request, Response response, Callback callback) throws IOException {
    String path = Request.getPathInContext(request);
    boolean metadata = path.isEmpty() || path.equals("/");
    boolean eventualPath = hasEventual
        && path.startsWith(Metadata.EVENTUAL_ENDPOINT + "/");
    boolean dataPath = eventualPath || path.startsWith(Metadata.ENDPOINT + "/");
    if (!metadata && !dataPath) {
      throw new HttpFailure(HttpFailure.NOT_FOUND, "Not found: KV Connect serves POST / and "
          + "POST " + Metadata.ENDPOINT + "/{snapshot_read,atomic_write,watch}");
    }
    if (!HttpMethod.POST.is(request.getMethod())) {
      throw new HttpFailure(HttpFailure.METHOD_NOT_ALLOWED, "Method not allowed: use POST");
    }
    String token = bearer(request);
    Principal access = access(token);
    if (access == null) {
      throw new HttpFailure(HttpFailure.UNAUTHORIZED, "Unauthorized: missing or invalid "
          + "access token (DENO_KV_ACCESS_TOKEN)");
    }
    byte[] body = body(request);
    TenantPaths.Database db = databases.of(access.tenant());
    String tenant = access.tenant();
    if (metadata) {
      rateLimiter.admitCall(tenant).orThrow();
      int version = Metadata.negotiate(body);
      String answer = Metadata.answer(version, db.id(), hasEventual,
          token == null ? "" : token, clock.instant());
      send(response, callback, 200, JSON, answer.getBytes(StandardCharsets.UTF_8));
      return;
    }
    String version = checkDataPathHeaders(request, db.id());
    DataPath target = eventualPath ? db.eventual() : db.data();
    String call = path.substring(
        (eventualPath ? Metadata.EVENTUAL_ENDPOINT : Metadata.ENDPOINT).length());
    switch (call) {
      case "/watch" -> {
        rateLimiter.admitRead(tenant).orThrow();
        watch(target, version, body, response, callback);
      }
      case "/snapshot_read" -> {
        rateLimiter.admitRead(tenant).orThrow();
        byte[] out = target.snapshotRead(body);
        rateLimiter.chargeRead(tenant, out.length);
        send(response, callback, 200, PROTOBUF, out);
      }
      case "/atomic_write" -> {
        if (eventualPath) {
          throw HttpFailure.badRequest("Atomic writes go to the strong endpoint ("
              + Metadata.ENDPOINT + "), not the eventual one");
        }
        if (!access.canWrite()) {
          throw HttpFailure.badRequest(READ_ONLY);
        }
        rateLimiter.admitWrite(tenant, body.length).orThrow();
        answerLater(db.data().atomicWrite(body), response, callback,
            out -> send(response, callback, 200, PROTOBUF, out));
      }
      default -> throw new HttpFailure(HttpFailure.NOT_FOUND, "Not found: " + path);
    }
  }

  private void watch(DataPath target, String version, byte[] body, Response response,
      Callback callback) {
    if (!"3".equals(version)) {
      throw HttpFailure.badRequest("watch needs KV Connect protocol version 3");
    }
    watches.open(response, callback, WATCH, listener -> target.watch(body, listener),
        () -> new HttpFailure(HttpFailure.UNAVAILABLE, "server is shutting down"));
  }

  /** @return the protocol version the client speaks */
  private String checkDataPathHeaders(Request request, UUID databaseId) {
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
}
