package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.AtomkvServer;
import dev.atomkv.server.ServerConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The KV Connect port under the server's security settings. With --tls-cert and --tls-key it
 * speaks TLS only, with the gRPC port's certificate: HTTP/2 negotiated by ALPN (what Deno uses on
 * https://, and Deno itself is run over it) and HTTP/1.1 (the npm client) on the same port. Its
 * tokens are the server's, reloaded with them.
 */
class KvConnectSecurityIT {
  private static final String DENO = "clients/kvconnect/node_modules/.bin/deno";

  @TempDir Path dir;

  @Test
  void tlsPortNegotiatesH2OrHttp11ByAlpn() throws Exception {
    try (AtomkvServer server = AtomkvServer.start(ServerConfig.parse("--bind=127.0.0.1",
        "--port=0", "--metrics-port=-1", "--kv-connect-port=0", "--console-port=-1", "--map-size=64m",
        "--shutdown-grace-ms=1000", "--data-dir=" + dir.resolve("data"),
        "--tls-cert=" + cert("server1.pem"), "--tls-key=" + cert("server1.key"),
        "--auth-token=tls-token"))) {
      URI uri = URI.create("https://127.0.0.1:" + server.kvConnectPort() + "/");
      for (HttpClient.Version version : HttpClient.Version.values()) {
        HttpClient client = HttpClient.newBuilder().version(version).sslContext(trustTestCa())
            .connectTimeout(Duration.ofSeconds(10)).build();
        HttpResponse<String> r = client.send(HttpRequest.newBuilder(uri)
                .header("authorization", "Bearer tls-token")
                .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[2,3]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        assertEquals(version, r.version(), "ALPN negotiated " + r.version());
        assertTrue(r.body().startsWith("{\"version\":3,"), r.body());
      }
      // Cleartext on the TLS port gets no HTTP answer.
      HttpClient plain = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10)).build();
      assertThrows(IOException.class, () -> plain.send(HttpRequest.newBuilder(
              URI.create("http://127.0.0.1:" + server.kvConnectPort() + "/"))
              .timeout(Duration.ofSeconds(10))
              .POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
          HttpResponse.BodyHandlers.ofString()));
    }
  }

  @Test
  void denoSpeaksH2OverTls() throws Exception {
    try (AtomkvServer server = AtomkvServer.start(ServerConfig.parse("--bind=127.0.0.1",
        "--port=0", "--metrics-port=-1", "--kv-connect-port=0", "--console-port=-1", "--map-size=64m",
        "--shutdown-grace-ms=1000", "--data-dir=" + dir.resolve("data"),
        "--tls-cert=" + cert("server1.pem"), "--tls-key=" + cert("server1.key"),
        "--auth-token=tls-token"))) {
      // The test certificate names *.test.google.fr; the chain is trusted through DENO_CERT and
      // only the host name check is waived, for 127.0.0.1.
      String out = ExternalProcess.expectSuccess("deno over TLS", List.of(DENO, "run",
              "--allow-env", "--allow-net", "--allow-read", "--unstable-kv",
              "--unsafely-ignore-certificate-errors=127.0.0.1", "clients/kvconnect/counter.ts",
              "20"),
          Map.of("KV_URL", "https://127.0.0.1:" + server.kvConnectPort(), "KV_RUN", "tls",
              "DENO_KV_ACCESS_TOKEN", "tls-token", "DENO_CERT", cert("ca.pem").toString(),
              "DENO_DIR", dir.resolve("deno-dir").toString(), "DENO_NO_UPDATE_CHECK", "1",
              "NO_COLOR", "1"),
          120);
      assertTrue(out.contains("{\"acknowledged\":20,"), out);
    }
  }

  @Test
  void reloadedTokensApplyToKvConnectAtOnce() throws Exception {
    Path tokens = dir.resolve("tokens");
    Files.writeString(tokens, "old-token\n");
    try (AtomkvServer server = AtomkvServer.start(ServerConfig.parse("--bind=127.0.0.1",
        "--port=0", "--metrics-port=-1", "--kv-connect-port=0", "--console-port=-1", "--map-size=64m",
        "--shutdown-grace-ms=1000", "--data-dir=" + dir.resolve("data"),
        "--auth-tokens-file=" + tokens))) {
      URI uri = URI.create("http://127.0.0.1:" + server.kvConnectPort() + "/");
      assertEquals(200, metadataStatus(uri, "old-token"));
      assertEquals(401, metadataStatus(uri, "new-token"));
      Files.writeString(tokens, "new-token\n");
      server.reloadTokens();
      assertEquals(401, metadataStatus(uri, "old-token"));
      assertEquals(200, metadataStatus(uri, "new-token"));
    }
  }

  private static int metadataStatus(URI uri, String token) throws Exception {
    return HttpClient.newHttpClient().send(HttpRequest.newBuilder(uri)
            .header("authorization", "Bearer " + token)
            .POST(HttpRequest.BodyPublishers.ofString("{\"supportedVersions\":[3]}")).build(),
        HttpResponse.BodyHandlers.ofString()).statusCode();
  }

  private Path cert(String name) throws IOException {
    return TestCertificates.file(dir, name);
  }

  /**
   * Trusts the test CA. The test certificate names *.test.google.fr, not 127.0.0.1, so the chain
   * is checked but the host name is not.
   */
  private SSLContext trustTestCa() throws Exception {
    KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
    ks.load(null, null);
    try (InputStream in = Files.newInputStream(cert("ca.pem"))) {
      ks.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
    }
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks);
    X509TrustManager chain = (X509TrustManager) tmf.getTrustManagers()[0];
    X509ExtendedTrustManager noHostCheck = new X509ExtendedTrustManager() {
      @Override
      public void checkServerTrusted(X509Certificate[] c, String a, SSLEngine e)
          throws CertificateException {
        chain.checkServerTrusted(c, a);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] c, String a, Socket s)
          throws CertificateException {
        chain.checkServerTrusted(c, a);
      }

      @Override
      public void checkServerTrusted(X509Certificate[] c, String a) throws CertificateException {
        chain.checkServerTrusted(c, a);
      }

      @Override
      public void checkClientTrusted(X509Certificate[] c, String a, SSLEngine e) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void checkClientTrusted(X509Certificate[] c, String a, Socket s) {
        throw new UnsupportedOperationException();
      }

      @Override
      public void checkClientTrusted(X509Certificate[] c, String a) {
        throw new UnsupportedOperationException();
      }

      @Override
      public X509Certificate[] getAcceptedIssuers() {
        return chain.getAcceptedIssuers();
      }
    };
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, new javax.net.ssl.TrustManager[] {noHostCheck}, null);
    return ctx;
  }
}
