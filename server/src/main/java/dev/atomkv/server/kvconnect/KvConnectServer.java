package dev.atomkv.server.kvconnect;

import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.tenant.TenantEngines;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.engine.ShiftedClock;
import dev.atomkv.server.http.JettyEdge;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimiter;
import java.io.IOException;
import java.nio.file.Path;

/**
 * The KV Connect edge: Deno's remote protocol on its own port, beside the gRPC one and over the
 * same engine, limits and tokens. One port speaks HTTP/1.1 (the npm client) and cleartext HTTP/2
 * with prior knowledge (Deno); with TLS configured it speaks only TLS, negotiating h2 or
 * http/1.1 by ALPN.
 */
public final class KvConnectServer implements AutoCloseable {
  /** Connections idle this long are closed; watch streams send keep-alives well within it. */
  private static final long IDLE_TIMEOUT_MS = 120_000;

  /**
   * @param bind address to listen on
   * @param port TCP port, 0 for one the OS picks
   * @param threads most request threads
   * @param maxRequestBytes largest request body accepted
   * @param maxResponseBytes largest snapshot_read answer
   * @param tls null for cleartext
   */
  public record Options(String bind, int port, int threads, int maxRequestBytes,
      long maxResponseBytes, Tls tls) {}

  /** The server's PEM files; {@code clientCa} null unless client certificates are required. */
  public record Tls(Path certChain, Path key, Path clientCa) {}

  private final JettyEdge edge;

  private KvConnectServer(JettyEdge edge) {
    this.edge = edge;
  }

  /**
   * Starts serving.
   *
   * @param tokens who a token acts as (its tenant's database is the one served), asked on every
   *     request
   * @param rateLimiter the tenants' rate limits
   */
  public static KvConnectServer start(Options options, TenantEngines engines, Limits limits,
      Authenticator tokens, RateLimiter rateLimiter) throws IOException {
    Tls tls = options.tls();
    JettyEdge.Options jetty = new JettyEdge.Options("atomkv-kvconnect", "KV Connect",
        "KV Connect", Math.max(8, options.threads()), options.bind(), options.port(),
        IDLE_TIMEOUT_MS, true,
        tls == null ? null : new JettyEdge.Tls(tls.certChain(), tls.key(), tls.clientCa()));
    TenantPaths databases = new TenantPaths(engines, limits, options.maxResponseBytes());
    return new KvConnectServer(JettyEdge.start(jetty, (responseExecutor, watches) ->
        new KvConnectHandler(databases, tokens, ShiftedClock.SERVER,
            options.maxRequestBytes(), responseExecutor, watches, rateLimiter)));
  }

  /** The port actually bound. */
  public int port() {
    return edge.port();
  }

  /**
   * Ends the watch streams, stops accepting, lets requests in flight finish briefly, and releases
   * the port.
   */
  @Override
  public void close() {
    edge.close();
  }
}
