package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.Limits;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class ServerConfigTest {

  @Test
  void defaultsAreDenoLimitsOnLocalhost() {
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
  }
}
