package dev.atomkv.server.http;

import dev.atomkv.server.auth.PemKeyStores;
import java.io.IOException;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import org.eclipse.jetty.alpn.server.ALPNServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2CServerConnectionFactory;
import org.eclipse.jetty.http2.server.HTTP2ServerConnectionFactory;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * One HTTP edge's Jetty server: a thread pool, one connector (cleartext, or TLS with the gRPC
 * port's certificate), a thread for watch keep-alives, and an orderly stop. Both HTTP edges are
 * set up this way so that they agree on what a server sends about itself, how TLS keys are loaded
 * and how a port that cannot be had is reported; each edge brings only its handler.
 */
public final class JettyEdge implements AutoCloseable {
  /** The server's PEM files; {@code clientCa} null unless client certificates are required. */
  public record Tls(Path certChain, Path key, Path clientCa) {}

  /**
   * @param threadName names the request threads, and with "-keepalive" the keep-alive thread
   * @param title how a failure to start names the edge ("the console failed to start on ...")
   * @param tlsTitle how a failure to load the TLS files names the edge ("console TLS: ...")
   * @param threads most request threads
   * @param bind address to listen on
   * @param port TCP port, 0 for one the OS picks
   * @param idleTimeoutMs connections idle this long are closed
   * @param http2 whether the port also speaks HTTP/2: cleartext with prior knowledge, or h2 by ALPN
   *     over TLS; otherwise HTTP/1.1 only
   * @param tls null for cleartext
   */
  public record Options(String threadName, String title, String tlsTitle, int threads,
      String bind, int port, long idleTimeoutMs, boolean http2, Tls tls) {}

  /** Builds an edge's handler once the threads its answers are written from exist. */
  @FunctionalInterface
  public interface HandlerFactory {
    /**
     * @param responseExecutor where commit results and watch updates are written from, so that
     *     the engine's writer and notifier threads only hand over
     * @param watches the edge's open watch streams, ended by {@link #close()}
     */
    Handler create(Executor responseExecutor, WatchStreams watches);
  }

  private final Server server;
  private final ServerConnector connector;
  private final WatchStreams watches;
  private final ScheduledExecutorService keepalives;

  private JettyEdge(Server server, ServerConnector connector, WatchStreams watches,
      ScheduledExecutorService keepalives) {
    this.server = server;
    this.connector = connector;
    this.watches = watches;
    this.keepalives = keepalives;
  }

  /** Starts serving; an {@link IOException} says why the edge could not. */
  public static JettyEdge start(Options options, HandlerFactory handlers) throws IOException {
    QueuedThreadPool pool = new QueuedThreadPool(options.threads(), 2);
    pool.setName(options.threadName());
    pool.setDaemon(true);
    Server server = new Server(pool);
    HttpConfiguration http = new HttpConfiguration();
    http.setSendServerVersion(false);
    http.setSendXPoweredBy(false);
    ServerConnector connector;
    if (options.tls() != null) {
      connector = tlsConnector(server, http, options);
    } else if (options.http2()) {
      connector = new ServerConnector(server, new HttpConnectionFactory(http),
          new HTTP2CServerConnectionFactory(http));
    } else {
      connector = new ServerConnector(server, new HttpConnectionFactory(http));
    }
    connector.setHost(options.bind());
    connector.setPort(options.port());
    connector.setIdleTimeout(options.idleTimeoutMs());
    server.addConnector(connector);
    ScheduledExecutorService keepalives = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, options.threadName() + "-keepalive");
      t.setDaemon(true);
      return t;
    });
    WatchStreams watches = new WatchStreams(pool, keepalives);
    server.setHandler(handlers.create(pool, watches));
    try {
      server.start();
    } catch (Exception e) {
      stopQuietly(server);
      keepalives.shutdownNow();
      throw e instanceof IOException io ? io : new IOException(options.title()
          + " failed to start on " + options.bind() + ":" + options.port() + ": "
          + e.getMessage(), e);
    }
    return new JettyEdge(server, connector, watches, keepalives);
  }

  private static ServerConnector tlsConnector(Server server, HttpConfiguration http,
      Options options) throws IOException {
    Tls tls = options.tls();
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
      throw new IOException(options.tlsTitle() + " TLS: " + e.getMessage(), e);
    }
    HttpConfiguration https = new HttpConfiguration(http);
    SecureRequestCustomizer secure = new SecureRequestCustomizer();
    // Clients and browsers reach a server by many names (localhost, an IP); the certificate is
    // the gRPC one.
    secure.setSniHostCheck(false);
    https.addCustomizer(secure);
    HttpConnectionFactory http1 = new HttpConnectionFactory(https);
    if (!options.http2()) {
      return new ServerConnector(server, new SslConnectionFactory(ssl, http1.getProtocol()),
          http1);
    }
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
   * Ends the watch streams (their clients see the body end), stops accepting, lets requests in
   * flight finish briefly, and releases the port.
   */
  @Override
  public void close() {
    watches.endAll();
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
