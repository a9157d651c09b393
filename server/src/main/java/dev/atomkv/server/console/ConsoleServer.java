package dev.atomkv.server.console;

import dev.atomkv.server.auth.PemKeyStores;
import dev.atomkv.server.auth.TokenStore;
import dev.atomkv.server.engine.KvEngine;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.model.RequestValidator;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.time.Clock;
import java.util.Base64;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

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

  private final Server server;
  private final ServerConnector connector;
  private final ConsoleHandler handler;
  private final ScheduledExecutorService keepalives;

  private ConsoleServer(Server server, ServerConnector connector, ConsoleHandler handler,
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
  public static ConsoleServer start(Options options, KvEngine engine, Limits limits,
      TokenStore tokens) throws IOException {
    QueuedThreadPool pool = new QueuedThreadPool(THREADS, 2);
    pool.setName("atomkv-console");
    pool.setDaemon(true);
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector = options.tls() == null
        ? new ServerConnector(server, new HttpConnectionFactory(http))
        : tlsConnector(server, http, options.tls());
    connector.setHost(options.bind());
    connector.setPort(options.port());
    connector.setIdleTimeout(IDLE_TIMEOUT_MS);
    server.addConnector(connector);
    ScheduledExecutorService keepalives = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "atomkv-console-keepalive");
      t.setDaemon(true);
      return t;
    });
    ConsoleApi api = new ConsoleApi(engine, new RequestValidator(limits), Clock.systemUTC());
    ConsoleHandler handler = new ConsoleHandler(api, engine.databaseId(), tokens,
        options.maxRequestBytes(), pool, keepalives);
    server.setHandler(handler);
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      keepalives.shutdownNow();
      throw e instanceof IOException io ? io : new IOException("the console failed to start on "
          + options.bind() + ":" + options.port() + ": " + e.getMessage(), e);
    }
    return new ConsoleServer(server, connector, handler, keepalives);
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
      throw new IOException("console TLS: " + e.getMessage(), e);
    }
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Browsers reach a server by many names (localhost, an IP); the certificate is the gRPC one.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    HttpConnectionFactory http1 = new HttpConnectionFactory(https);
    return new ServerConnector(server, new SslConnectionFactory(ssl, http1.getProtocol()), http1);
  }

  /** The port actually bound. */
  public int port() {
    return connector.getLocalPort();
  }

  /** Ends the watch streams, stops accepting, and releases the port. */
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
