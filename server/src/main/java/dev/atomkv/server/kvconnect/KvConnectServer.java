package dev.atomkv.server.kvconnect;

import dev.atomkv.server.auth.PemKeyStores;
import dev.atomkv.server.auth.TokenStore;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.Limits;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

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

  private final Server server;
  private final ServerConnector connector;
  private final KvConnectHandler handler;
  private final ScheduledExecutorService keepalives;

  private KvConnectServer(Server server, ServerConnector connector, KvConnectHandler handler,
      ScheduledExecutorService keepalives) {
    this.server = server;
    this.connector = connector;
    this.handler = handler;
    this.keepalives = keepalives;
  }

  /**
   * Starts serving.
   *
   * @param tokens the tokens in force, read on every request; null when authentication is off
   */
  public static KvConnectServer start(Options options, KvEngine engine, Limits limits,
      TokenStore tokens) throws IOException {
    QueuedThreadPool pool = new QueuedThreadPool(Math.max(8, options.threads()), 2);
    pool.setName("atomkv-kvconnect");
    pool.setDaemon(true);
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector = options.tls() == null
        ? new ServerConnector(server, new HttpConnectionFactory(http),
            new HTTP2CServerConnectionFactory(http))
        : tlsConnector(server, http, options.tls());
    connector.setHost(options.bind());
    connector.setPort(options.port());
    connector.setIdleTimeout(IDLE_TIMEOUT_MS);
    server.addConnector(connector);
    DataPath data = new DataPath(engine, limits, options.maxResponseBytes());
    ScheduledExecutorService keepalives = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "atomkv-kvconnect-keepalive");
      t.setDaemon(true);
      return t;
    });
    KvConnectHandler handler = new KvConnectHandler(data, engine.databaseId(), tokens,
        Clock.systemUTC(), options.maxRequestBytes(), pool, keepalives);
    server.setHandler(handler);
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      keepalives.shutdownNow();
      throw e instanceof IOException io ? io : new IOException("KV Connect failed to start on "
          + options.bind() + ":" + options.port() + ": " + e.getMessage(), e);
    }
    return new KvConnectServer(server, connector, handler, keepalives);
  }

  private static ServerConnector tlsConnector(Server server, HttpConfiguration http, Tls tls)
      throws IOException {
    SslContextFactory.Server ssl = new SslContextFactory.Server();
    // The key store lives in memory only; its password guards nothing but is required.
    byte[] random = new byte[18];
    new SecureRandom().nextBytes(random);
    String password = Base64.getEncoder().encodeToString(random);
    try {
      ssl.setKeyStore(PemKeyStores.identity(tls.certChain(), tls.key(), password.toCharArray()));
      ssl.setKeyStorePassword(password);
      if (tls.clientCa() != null) {
        ssl.setTrustStore(PemKeyStores.trust(tls.clientCa()));
        ssl.setNeedClientAuth(true);
      }
    } catch (GeneralSecurityException e) {
      throw new IOException("KV Connect TLS: " + e.getMessage(), e);
    }
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Clients reach a server by many names (localhost, an IP); the certificate is the gRPC one.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    HttpConnectionFactory http1 = new HttpConnectionFactory(https);
    ALPNServerConnectionFactory alpn = new ALPNServerConnectionFactory();
    alpn.setDefaultProtocol(http1.getProtocol());
    return new ServerConnector(server, new SslConnectionFactory(ssl, alpn.getProtocol()), alpn,
        new HTTP2ServerConnectionFactory(https), http1);
  }

  /** The port actually bound. */
  public int port() {
    return connector.getLocalPort();
  }

  /**
   * Ends the watch streams, stops accepting, lets requests in flight finish briefly, and releases
   * the port.
   */
  @Override
  public void close() {
    handler.endWatches();
    stopQuietly(server);
    keepalives.shutdownNow();
  }

  private static void stopQuietly(Server server) {
    try {
      server.setStopTimeout(2000);
      server.stop();
    } catch (Exception e) {
      // Stopping is best effort: the process or the test is going away.
    }
  }
}
