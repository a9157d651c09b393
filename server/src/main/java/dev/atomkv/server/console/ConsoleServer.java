package dev.atomkv.server.console;

import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.http.JettyEdge;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimiter;
import dev.atomkv.server.model.RequestValidator;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;

/**
 * The web console's edge: its page and its JSON API (docs/console.md) on a port of its own, over
 * the same engine, limits, tokens and TLS as the gRPC port. HTTP/1.1, over TLS when the server has
 * a certificate.
 */
public final class ConsoleServer implements AutoCloseable {
  /**
   * Request threads. Each open browser tab holds one watch stream but no thread; reads are short.
   * The server sizes LMDB's reader table with this.
   */
  public static final int THREADS = 8;
  private static final long IDLE_TIMEOUT_MS = 60_000;

  /**
   * @param bind address to listen on
   * @param port TCP port, 0 for one the OS picks
   * @param maxRequestBytes largest request body accepted
   * @param tls null for cleartext
   */
  public record Options(String bind, int port, int maxRequestBytes, Tls tls) {}

  /** The server's PEM files; {@code clientCa} null unless client certificates are required. */
  public record Tls(Path certChain, Path key, Path clientCa) {}

  private final JettyEdge edge;
  private final ServerFacts.Metrics metrics;

  private ConsoleServer(JettyEdge edge, ServerFacts.Metrics metrics) {
    this.edge = edge;
    this.metrics = metrics;
  }

  /**
   * Starts serving.
   *
   * @param tokens who a token acts as, asked on every request; the console serves the default
   *     tenant only
   * @param rateLimiter the tenants' rate limits
   * @param facts the server's version, settings and metrics; the console closes its metrics
   * @param tenants the tenants, their tokens' grants and usage, for a server administrator
   */
  public static ConsoleServer start(Options options, KvEngine engine, Limits limits,
      Authenticator tokens, RateLimiter rateLimiter, ServerFacts facts, TenantDirectory tenants)
      throws IOException {
    Tls tls = options.tls();
    // Browsers speak HTTP/1.1 to it; the console needs nothing of HTTP/2.
    JettyEdge.Options jetty = new JettyEdge.Options("atomkv-console", "the console", "console",
        THREADS, options.bind(), options.port(), IDLE_TIMEOUT_MS, false,
        tls == null ? null : new JettyEdge.Tls(tls.certChain(), tls.key(), tls.clientCa()));
    RequestValidator validator = new RequestValidator(limits);
    ConsoleApi api = new ConsoleApi(engine, validator, Clock.systemUTC());
    ConsoleHandler.Views views = new ConsoleHandler.Views(
        new ConsoleStatus(engine, Clock.systemUTC()), new ServerView(engine, facts),
        new ConsoleEntities(engine, validator), new TenantsView(tenants));
    JettyEdge edge;
    try {
      edge = JettyEdge.start(jetty, (responseExecutor, watches) ->
          new ConsoleHandler(api, views, engine.databaseId(), tokens, options.maxRequestBytes(),
              responseExecutor, watches, rateLimiter));
    } catch (IOException | RuntimeException e) {
      facts.metrics().close();
      throw e;
    }
    return new ConsoleServer(edge, facts.metrics());
  }

  /** The port actually bound. */
  public int port() {
    return edge.port();
  }

  /** Ends the watch streams, stops accepting, releases the port and stops sampling metrics. */
  @Override
  public void close() {
    edge.close();
    metrics.close();
  }
}
