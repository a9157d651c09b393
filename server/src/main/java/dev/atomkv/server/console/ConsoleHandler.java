package dev.atomkv.server.console;

import com.google.gson.JsonObject;
import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.auth.Principal;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.http.EdgeHandler;
import dev.atomkv.server.http.WatchStreams;
import dev.atomkv.server.tenant.Admission;
import dev.atomkv.server.tenant.RateLimiter;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executor;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpMethod;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * Routes the console: its static files (GET, no token: they hold no data) and the JSON API under
 * {@code /api/} (POST, bearer token when tokens are configured; a read-only token may do
 * everything but write, and only a server administrator may list the tenants).
 */
final class ConsoleHandler extends EdgeHandler {
  private static final String JSON = "application/json";
  /**
   * A watch body is JSON lines (NDJSON), one per update; an empty line every few seconds lets the
   * server notice a browser that went away.
   */
  private static final WatchStreams.Format WATCH = new WatchStreams.Format("application/x-ndjson",
      u -> ByteBuffer.wrap((ConsoleApi.update(u).toString() + "\n")
          .getBytes(StandardCharsets.UTF_8)),
      "\n".getBytes(StandardCharsets.UTF_8), false);
  private static final String ASSETS = "assets/";
  /** The files the console is made of; nothing else under the class path is served. */
  private static final Map<String, String> FILES = Map.ofEntries(
      Map.entry("/index.html", "text/html; charset=utf-8"),
      Map.entry("/console.css", "text/css; charset=utf-8"),
      Map.entry("/app.js", "text/javascript; charset=utf-8"),
      Map.entry("/api.js", "text/javascript; charset=utf-8"),
      Map.entry("/keys.js", "text/javascript; charset=utf-8"),
      Map.entry("/values.js", "text/javascript; charset=utf-8"),
      Map.entry("/views.js", "text/javascript; charset=utf-8"),
      Map.entry("/server.js", "text/javascript; charset=utf-8"),
      Map.entry("/charts.js", "text/javascript; charset=utf-8"),
      Map.entry("/entities.js", "text/javascript; charset=utf-8"),
      Map.entry("/tenants.js", "text/javascript; charset=utf-8"));
  /** The page may load only its own files and talk only to its own origin. */
  private static final String CSP = "default-src 'self'; img-src 'self' data:; "
      + "frame-ancestors 'none'; form-action 'none'; base-uri 'none'";

  /** The views that only read the server's own state, never change anything. */
  record Views(ConsoleStatus status, ServerView server, ConsoleEntities entities,
      TenantsView tenants) {}

  private final ConsoleApi api;
  private final Views views;
  private final UUID databaseId;
  private final WatchStreams watches;
  private final RateLimiter rateLimiter;

  /**
   * @param tokens the tokens in force, read on every request; null when authentication is off
   * @param responseExecutor where commit results are written from
   * @param watches the edge's open watch streams
   * @param rateLimiter the tenants' rate limits, asked before a request reaches the engine
   */
  ConsoleHandler(ConsoleApi api, Views views, UUID databaseId, Authenticator tokens,
      int maxRequestBytes, Executor responseExecutor, WatchStreams watches,
      RateLimiter rateLimiter) {
    super(tokens, maxRequestBytes, responseExecutor);
    this.api = api;
    this.views = views;
    this.databaseId = databaseId;
    this.watches = watches;
    this.rateLimiter = rateLimiter;
  }

  @Override
  protected void fail(Response response, Callback callback, Throwable failure) {
    ApiFailure f = ApiFailure.of(failure instanceof UncheckedIOException u
        ? u.getCause() : failure);
    if (f.retryAfterSeconds() > 0) {
      response.getHeaders().put(HttpHeader.RETRY_AFTER, f.retryAfterSeconds());
    }
    sendJson(response, callback, f.status(), f.body());
  }

  @Override
  protected RuntimeException tooLarge(String message) {
    return new ApiFailure(413, "INVALID_ARGUMENT", message);
  }

  @Override
  protected void route(Request request, Response response, Callback callback) throws IOException {
    String path = Request.getPathInContext(request);
    if (!path.startsWith("/api/")) {
      asset(path.equals("/") || path.isEmpty() ? "/index.html" : path, request, response,
          callback);
      return;
    }
    if (!HttpMethod.POST.is(request.getMethod())) {
      throw ApiFailure.methodNotAllowed("POST");
    }
    if (authenticationOff() && !addressedByNumberOrLocalhost(request.getHttpURI().getHost())) {
      // Without tokens, a page on any site could point its own name at 127.0.0.1 (DNS
      // rebinding) and then be same-origin with the console; such a request names that site.
      throw new ApiFailure(403, "PERMISSION_DENIED", "without tokens the console answers only "
          + "requests addressed to localhost or an IP address");
    }
    Principal access = access(bearer(request));
    if (access != null && !TenantKeys.DEFAULT.equals(access.tenant())) {
      throw new ApiFailure(403, "PERMISSION_DENIED", "the console serves the default tenant only");
    }
    if (access == null) {
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
    String tenant = access.tenant();
    if (path.equals("/api/write") && !access.canWrite()) {
      throw ApiFailure.readOnly();
    }
    if (path.equals("/api/tenants") && !access.role().atLeast(Principal.Role.SERVER_ADMIN)) {
      throw ApiFailure.notServerAdmin();
    }
    admit(path, tenant, body.length);
    switch (path) {
      case "/api/session" -> sendJson(response, callback, 200, session(access));
      case "/api/list" -> sendRead(tenant, response, callback, api.list(req));
      case "/api/get" -> sendRead(tenant, response, callback, api.get(req));
      case "/api/write" -> answerLater(api.write(req, body.length), response, callback,
          out -> sendJson(response, callback, 200, out));
      case "/api/watch" -> watch(req, response, callback);
      case "/api/cluster" -> sendJson(response, callback, 200, views.status().cluster());
      case "/api/queues" -> sendJson(response, callback, 200, views.status().queues());
      case "/api/dead-letters" ->
          sendJson(response, callback, 200, views.status().deadLetters());
      case "/api/server" -> sendJson(response, callback, 200, views.server().server());
      case "/api/metrics" -> sendJson(response, callback, 200, views.server().metrics());
      case "/api/entities" -> sendJson(response, callback, 200, views.entities().list());
      case "/api/query" -> sendJson(response, callback, 200, views.entities().query(req));
      case "/api/tenants" -> sendJson(response, callback, 200, views.tenants().tenants());
      default -> throw ApiFailure.notFound(path);
    }
  }

  /** Asks the tenant's rate limits, before the request reaches the engine. */
  private void admit(String path, String tenant, int bodyBytes) {
    Admission admission = switch (path) {
      case "/api/list", "/api/get", "/api/watch" -> rateLimiter.admitRead(tenant);
      case "/api/write" -> rateLimiter.admitWrite(tenant, bodyBytes);
      default -> rateLimiter.admitCall(tenant);
    };
    admission.orThrow();
  }

  /** A read's answer, its size charged to the tenant's read units. */
  private void sendRead(String tenant, Response response, Callback callback, JsonObject body) {
    byte[] out = body.toString().getBytes(StandardCharsets.UTF_8);
    rateLimiter.chargeRead(tenant, out.length);
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    send(response, callback, 200, JSON, out);
  }

  private JsonObject session(Principal access) {
    JsonObject out = new JsonObject();
    out.addProperty("access", access.canWrite() ? "read-write" : "read-only");
    // Which views to offer: the page hides what the server would refuse this token.
    out.addProperty("serverAdmin", access.role().atLeast(Principal.Role.SERVER_ADMIN));
    out.addProperty("databaseId", databaseId.toString());
    return out;
  }

  private void watch(JsonObject req, Response response, Callback callback) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    watches.open(response, callback, WATCH, listener -> api.watch(req, listener),
        () -> new ApiFailure(503, "UNAVAILABLE", "server is shutting down"));
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

  private static void sendJson(Response response, Callback callback, int status, JsonObject body) {
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    send(response, callback, status, JSON, body.toString().getBytes(StandardCharsets.UTF_8));
  }
}
