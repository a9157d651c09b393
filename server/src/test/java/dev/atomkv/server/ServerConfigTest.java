package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimits;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class ServerConfigTest {

  @Test
  void defaultsAreDenoLimitsOnLocalhost() {
    org.junit.jupiter.api.Assumptions.assumeTrue(
        System.getenv().keySet().stream().noneMatch(k -> k.startsWith("ATOMKV_")),
        "ATOMKV_* environment variables are set; defaults cannot be observed");
    ServerConfig c = ServerConfig.parse();
    assertEquals("127.0.0.1", c.bind());
    assertEquals(50051, c.port());
    assertEquals(9464, c.metricsPort());
    assertEquals(Path.of("./data"), c.engineOptions().dataDir());
    assertEquals(SyncMode.FULL, c.engineOptions().syncMode());
    assertEquals(Limits.defaults(), c.limits());
  }

  @Test
  void environmentThenFlagsOverrideDefaults() {
    // picocli's ${VAR:-default} reads system properties before environment variables, which lets
    // a test stand in for the environment.
    System.setProperty("ATOMKV_MAX_CHECKS", "7");
    try {
      assertEquals(7, ServerConfig.parse().limits().maxChecks());
      assertEquals(9, ServerConfig.parse("--max-checks=9").limits().maxChecks());
    } finally {
      System.clearProperty("ATOMKV_MAX_CHECKS");
    }
  }

  @Test
  void parsesSizesSyncModesAndTheForgeProfile() {
    ServerConfig c = ServerConfig.parse("--map-size=2g", "--sync=no-metasync",
        "--max-operations=25", "--max-request-bytes=4000000", "--unique-keys");
    assertEquals(2L << 30, c.engineOptions().mapSizeBytes());
    assertEquals(SyncMode.NO_METASYNC, c.engineOptions().syncMode());
    assertEquals(25, c.limits().maxOperations());
    assertEquals(4_000_000, c.limits().maxRequestBytes());
    assertTrue(c.limits().uniqueKeys());
    assertTrue(c.maxInboundMessageBytes() > 4_000_000);
  }

  @Test
  void rejectsSettingsOutOfRange() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse("--max-checks=-1"));
    assertEquals("--max-checks must be between 0 and 2147483647, got -1", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--max-batch=65536"));
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--metrics-port=-2"));
    assertEquals(-1, ServerConfig.parse("--metrics-port=-1").metricsPort());
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--kv-connect-port=-2"));
    assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse("--kv-connect-max-response-bytes=0"));
    e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse("--rate-limit-write-units-per-minute=-1"));
    assertEquals("--rate-limit-write-units-per-minute must be between 0 and 1000000000, got -1",
        e.getMessage());
  }

  @Test
  void rateLimitsAreTheDefaultsOfEveryTenant() {
    ServerConfig c = ServerConfig.parse("--rate-limit-requests-per-second=50",
        "--rate-limit-read-units-per-minute=4000", "--rate-limit-write-units-per-minute=300");
    assertEquals(new RateLimits(50, 4000, 300), c.rateLimits.defaults());
  }

  @Test
  void theReaderTableHoldsEveryThreadThatReads() {
    // The gRPC workers, KV Connect's pool (4 per worker, at least 8), and the engine's own
    // readers: the watch notifier, the queue dispatcher, a metrics scrape and a backup at least.
    for (String threads : List.of("0", "1", "256", "1024")) {
      for (String kvConnectPort : List.of("4512", "-1")) {
        ServerConfig c = ServerConfig.parse("--threads=" + threads,
            "--kv-connect-port=" + kvConnectPort);
        int workers = c.workerThreads();
        int kvConnect = c.kvConnectPort() < 0 ? 0 : Math.max(8, 4 * workers);
        int needed = workers + kvConnect + 4;
        int slots = c.engineOptions().maxReaders();
        assertTrue(slots >= needed, "--threads=" + threads + " --kv-connect-port="
            + kvConnectPort + ": " + slots + " reader slots for " + needed + " readers");
      }
    }
    assertEquals(Runtime.getRuntime().availableProcessors(),
        ServerConfig.parse("--threads=0").workerThreads());
  }

  @Test
  void kvConnectIsOnByDefaultAndCanBeTurnedOff() {
    ServerConfig c = ServerConfig.parse();
    if (System.getenv("ATOMKV_KV_CONNECT_PORT") == null) {
      assertEquals(4512, c.kvConnectPort());
    }
    if (System.getenv("ATOMKV_KV_CONNECT_MAX_RESPONSE_BYTES") == null) {
      assertEquals(64L << 20, c.kvConnectMaxResponseBytes());
    }
    assertEquals(-1, ServerConfig.parse("--kv-connect-port=-1").kvConnectPort());
    assertEquals(0, ServerConfig.parse("--kv-connect-port=0").kvConnectPort());
    assertEquals(1 << 20,
        ServerConfig.parse("--kv-connect-max-response-bytes=1m").kvConnectMaxResponseBytes());
  }

  @Test
  void securityDefaultsAreOffButConnectionLimitsAreOn() {
    ServerConfig c = ServerConfig.parse();
    assertFalse(c.tlsEnabled());
    assertFalse(c.authEnabled());
    assertNull(c.tlsCert());
    assertNull(c.authToken());
    assertEquals(1000, c.maxConcurrentCallsPerConnection());
    assertEquals(60_000, c.keepaliveTimeMs());
    assertEquals(20_000, c.keepaliveTimeoutMs());
    assertEquals(10_000, c.permitKeepaliveTimeMs());
  }

  @Test
  void tlsAndTokenSettingsMustBeComplete(@TempDir Path dir) throws Exception {
    Path pem = Files.writeString(dir.resolve("x.pem"), "");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse("--tls-cert=" + pem));
    assertEquals("--tls-cert and --tls-key must be given together", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--tls-client-ca=" + pem));
    assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse("--tls-cert=" + pem, "--tls-key=" + dir.resolve("missing")));
    assertThrows(IllegalArgumentException.class,
        () -> ServerConfig.parse("--auth-tokens-file=" + dir.resolve("missing")));
    assertThrows(IllegalArgumentException.class, () -> ServerConfig.parse("--auth-token="));
    ServerConfig c = ServerConfig.parse("--tls-cert=" + pem, "--tls-key=" + pem,
        "--tls-client-ca=" + pem);
    assertTrue(c.tlsEnabled());
    assertTrue(c.authEnabled(), "a required client certificate is authentication");
  }

  @Test
  void aNonLoopbackBindWithoutAuthNeedsInsecure() {
    IllegalStateException e = assertThrows(IllegalStateException.class,
        () -> ServerConfig.parse("--bind=0.0.0.0").checkExposure());
    assertTrue(e.getMessage().startsWith("refusing to start: --bind=0.0.0.0 is not a loopback"),
        e.getMessage());
    assertTrue(e.getMessage().contains("--insecure"), e.getMessage());
    assertTrue(ServerConfig.parse("--bind=0.0.0.0", "--insecure").checkExposure());
    assertFalse(ServerConfig.parse("--bind=0.0.0.0", "--auth-token=t").checkExposure());
    assertFalse(ServerConfig.parse("--bind=127.0.0.1").checkExposure());
    assertFalse(ServerConfig.parse("--bind=::1").checkExposure());
    assertFalse(ServerConfig.parse("--bind=localhost").checkExposure());
  }

  @Test
  void theTokenFromTheEnvironmentIsNeverPrintedInHelp() {
    System.setProperty("ATOMKV_AUTH_TOKEN", "env-secret");
    try {
      assertEquals("env-secret", ServerConfig.parse().authToken());
      String help = new CommandLine(new Main()).getUsageMessage();
      assertTrue(help.contains("--auth-token"), help);
      assertFalse(help.contains("env-secret"), help);
    } finally {
      System.clearProperty("ATOMKV_AUTH_TOKEN");
    }
  }
}
