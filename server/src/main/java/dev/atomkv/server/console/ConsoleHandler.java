package dev.atomkv.server.console;

import com.google.gson.JsonObject;
import dev.atomkv.server.auth.TokenStore;
import dev.atomkv.server.auth.Tokens;
import dev.atomkv.server.engine.KeyWatch;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
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
 * Routes the console: its static files (GET, no token: they hold no data) and the JSON API under
 * {@code /api/} (POST, bearer token when tokens are configured; a read-only token may do
 * everything but write).
 */
final class ConsoleHandler extends Handler.Abstract {
  private static final String JSON = "application/json";
  private static final String NDJSON = "application/x-ndjson";
  private static final String BEARER = "bearer ";
  private static final String ASSETS = "assets/";
  /** The files the console is made of; nothing else under the class path is served. */
  private static final Map<String, String> FILES = Map.of(
      "/index.html", "text/html; charset=utf-8",
      "/console.css", "text/css; charset=utf-8",
      "/app.js", "text/javascript; charset=utf-8",
      "/api.js", "text/javascript; charset=utf-8",
      "/keys.js", "text/javascript; charset=utf-8",
      "/values.js", "text/javascript; charset=utf-8");
  /** The page may load only its own files and talk only to its own origin. */
  private static final String CSP = "default-src 'self'; img-src 'self' data:; "
      + "frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

  private final ConsoleApi api;
  private final UUID databaseId;
  private final TokenStore tokens;
  private final int maxRequestBytes;
  private final Executor responseExecutor;
  private final ScheduledExecutorService keepalives;
  private final Set<WatchStream> watches = ConcurrentHashMap.newKeySet();
  private volatile boolean closing;

  /** @param tokens the tokens in force, read on every request; null when authentication is off */
  ConsoleHandler(ConsoleApi api, UUID databaseId, TokenStore tokens, int maxRequestBytes,
      Executor responseExecutor, ScheduledExecutorService keepalives) {
    this.api = api;
    this.databaseId = databaseId;
    this.tokens = tokens;
    this.maxRequestBytes = maxRequestBytes;
    this.responseExecutor = responseExecutor;
    this.keepalives = keepalives;
  }

  /** Ends every open watch (the browser sees its body end) and refuses new ones. */
  void endWatches() {
    closing = true;
    watches.forEach(WatchStream::end);
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) {
    try {
      route(request, response, callback);
    } catch (RuntimeException | IOException e) {
      ApiFailure f = ApiFailure.of(e instanceof UncheckedIOException u ? u.getCause() : e);
      sendJson(response, callback, f.status(), f.body());
    }
    return true;
  }

  private void route(Request request, Response response, Callback callback) throws IOException {
    String path = Request.getPathInContext(request);
    if (!path.startsWith("/api/")) {
      asset(path.equals("/") || path.isEmpty() ? "/index.html" : path, request, response,
          callback);
      return;
    }
    if (!HttpMethod.POST.is(request.getMethod())) {
      throw ApiFailure.methodNotAllowed("POST");
    }
    if (tokens == null && !addressedByNumberOrLocalhost(request.getHttpURI().getHost())) {
      // Without tokens, a page on any site could point its own name at 127.0.0.1 (DNS
      // rebinding) and then be same-origin with the console; such a request names that site.
      throw new ApiFailure(403, "PERMISSION_DENIED", "without tokens the console answers only "
          + "requests addressed to localhost or an IP address");
    }
    Tokens.Access access = tokens == null ? Tokens.Access.READ_WRITE
        : tokens.access(bearer(request));
    if (access == Tokens.Access.NONE) {
      throw ApiFailure.unauthenticated();
    }
    // A page on another origin can POST text/plain without asking; JSON it can only send after
    // a CORS preflight, which this server never grants.
    String type = request.getHeaders().get(HttpHeader.CONTENT_TYPE);
    if (type == null || !type.toLowerCase(Locale.ROOT).startsWith(JSON)) {
      throw new ApiFailure(415, "INVALID_ARGUMENT", "Content-Type must be " + JSON);
    }
    byte[] body = body(request);
    JsonObject req = Json.object(body);
    switch (path) {
      case "/api/session" -> sendJson(response, callback, 200, session(access));
      case "/api/list" -> sendJson(response, callback, 200, api.list(req));
      case "/api/get" -> sendJson(response, callback, 200, api.get(req));
      case "/api/write" -> {
        if (access != Tokens.Access.READ_WRITE) {
          throw ApiFailure.readOnly();
        }
        api.write(req, body.length).whenCompleteAsync((out, failure) -> {
          if (failure != null) {
            ApiFailure f = ApiFailure.of(failure);
            sendJson(response, callback, f.status(), f.body());
          } else {
            sendJson(response, callback, 200, out);
          }
        }, responseExecutor);
      }
      case "/api/watch" -> watch(req, response, callback);
      default -> throw ApiFailure.notFound(path);
    }
  }

  private JsonObject session(Tokens.Access access) {
    JsonObject out = new JsonObject();
    out.addProperty("access", access == Tokens.Access.READ_WRITE ? "read-write" : "read-only");
    out.addProperty("databaseId", databaseId.toString());
    return out;
  }

  private void watch(JsonObject req, Response response, Callback callback) {
    if (closing) {
      throw new ApiFailure(503, "UNAVAILABLE", "server is shutting down");
    }
    WatchStream stream = new WatchStream(response, callback, responseExecutor, watches::remove);
    // Registered before it can see a change, so that endWatches() never misses it.
    watches.add(stream);
    KeyWatch watch;
    try {
      watch = api.watch(req, stream::schedule);
    } catch (RuntimeException e) {
      watches.remove(stream);
      throw e;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, NDJSON);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    stream.start(watch, keepalives);
  }

  private void asset(String path, Request request, Response response, Callback callback)
      throws IOException {
    String type = FILES.get(path);
    if (type == null) {
      throw ApiFailure.notFound(path);
    }
    if (!HttpMethod.GET.is(request.getMethod()) && !HttpMethod.HEAD.is(request.getMethod())) {
      throw ApiFailure.methodNotAllowed("GET");
    }
    byte[] content;
    try (InputStream in = ConsoleHandler.class.getResourceAsStream(ASSETS + path.substring(1))) {
      if (in == null) {
        throw ApiFailure.notFound(path);
      }
      content = in.readAllBytes();
    }
    response.getHeaders().put("Content-Security-Policy", CSP);
    response.getHeaders().put("X-Content-Type-Options", "nosniff");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    send(response, callback, 200, type, content);
  }

  private static boolean addressedByNumberOrLocalhost(String host) {
    if (host == null) {
      return false;
    }
    String h = host.toLowerCase(Locale.ROOT);
    return h.equals("localhost") || h.contains(":") || h.matches("[0-9.]+");
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
    if (request.getLength() > maxRequestBytes) {
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

  private ApiFailure tooLarge() {
    return new ApiFailure(413, "INVALID_ARGUMENT",
        "Request too large (max " + maxRequestBytes + " bytes)");
  }

  private static void sendJson(Response response, Callback callback, int status, JsonObject body) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    send(response, callback, status, JSON, body.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static void send(Response response, Callback callback, int status, String type,
      byte[] body) {
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, type);
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
    response.write(true, ByteBuffer.wrap(body), callback);
  }
}
