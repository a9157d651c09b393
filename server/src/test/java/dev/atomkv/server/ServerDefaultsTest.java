package dev.atomkv.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.model.Limits;
import dev.atomkv.server.tenant.RateLimits;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Model.CommandSpec;

/** Every default is one named constant: the flags, --help, Limits and EngineOptions agree. */
class ServerDefaultsTest {

  @BeforeEach
  void noEnvironment() {
    Assumptions.assumeTrue(
        System.getenv().keySet().stream().noneMatch(k -> k.startsWith("ATOMKV_")),
        "ATOMKV_* environment variables are set; defaults cannot be observed");
  }

  @Test
  void parsedDefaultsAreTheLimitsAndEngineDefaults() {
    ServerConfig c = ServerConfig.parse();
    assertEquals(Limits.defaults(), c.limits());
    EngineOptions engine = c.engineOptions();
    // The reader table is derived from the pools, not a setting of its own.
    assertEquals(EngineOptions.defaults(Path.of(ServerDefaults.DATA_DIR)).toBuilder()
        .maxReaders(c.readerSlots()).build(), engine);
    assertEquals(ServerDefaults.BIND, c.bind());
    assertEquals(ServerDefaults.PORT, c.port());
    assertEquals(ServerDefaults.METRICS_PORT, c.metricsPort());
    assertEquals(ServerDefaults.KV_CONNECT_PORT, c.kvConnectPort());
    assertEquals(ServerDefaults.KV_CONNECT_MAX_RESPONSE_MIB << 20, c.kvConnectMaxResponseBytes());
    assertEquals(ServerDefaults.MAX_INBOUND_MESSAGE_MIB << 20, c.maxInboundMessageBytes());
    assertEquals(ServerDefaults.SHUTDOWN_GRACE_MS, c.shutdownGraceMs());
    assertEquals(ServerDefaults.MAX_CONCURRENT_CALLS_PER_CONNECTION,
        c.maxConcurrentCallsPerConnection());
    assertEquals(ServerDefaults.KEEPALIVE_TIME_MS, c.keepaliveTimeMs());
    assertEquals(ServerDefaults.KEEPALIVE_TIMEOUT_MS, c.keepaliveTimeoutMs());
    assertEquals(ServerDefaults.PERMIT_KEEPALIVE_TIME_MS, c.permitKeepaliveTimeMs());
    assertEquals(Runtime.getRuntime().availableProcessors(), c.workerThreads());
    assertEquals(RateLimits.UNLIMITED, c.rateLimits.defaults());
  }

  @Test
  void helpShowsTheConstants() {
    Map<String, String> expected = new LinkedHashMap<>();
    expected.put("--bind", ServerDefaults.BIND);
    expected.put("--port", String.valueOf(ServerDefaults.PORT));
    expected.put("--metrics-port", String.valueOf(ServerDefaults.METRICS_PORT));
    expected.put("--kv-connect-port", String.valueOf(ServerDefaults.KV_CONNECT_PORT));
    expected.put("--console-port", String.valueOf(ServerDefaults.CONSOLE_PORT));
    expected.put("--kv-connect-max-response-bytes", ServerDefaults.KV_CONNECT_MAX_RESPONSE_MIB + "m");
    expected.put("--data-dir", ServerDefaults.DATA_DIR);
    expected.put("--map-size", EngineOptions.DEFAULT_MAP_SIZE_GIB + "g");
    expected.put("--sync", EngineOptions.DEFAULT_SYNC_MODE.settingName());
    expected.put("--threads", String.valueOf(ServerDefaults.THREADS));
    expected.put("--write-queue", String.valueOf(EngineOptions.DEFAULT_WRITE_QUEUE_CAPACITY));
    expected.put("--max-batch", String.valueOf(EngineOptions.DEFAULT_MAX_BATCH_REQUESTS));
    expected.put("--max-batch-bytes", EngineOptions.DEFAULT_MAX_BATCH_MIB + "m");
    expected.put("--sweep-interval-ms", String.valueOf(EngineOptions.DEFAULT_SWEEP_INTERVAL_MS));
    expected.put("--watch-deletion-log-bytes", EngineOptions.DEFAULT_WATCH_DELETION_LOG_MIB + "m");
    expected.put("--queue-lease-ms", String.valueOf(EngineOptions.DEFAULT_QUEUE_LEASE_MS));
    expected.put("--max-write-key-bytes", String.valueOf(Limits.DEFAULT_MAX_WRITE_KEY_BYTES));
    expected.put("--max-read-key-bytes", String.valueOf(Limits.DEFAULT_MAX_READ_KEY_BYTES));
    expected.put("--max-value-bytes", String.valueOf(Limits.DEFAULT_MAX_VALUE_BYTES));
    expected.put("--max-get-keys", String.valueOf(Limits.DEFAULT_MAX_GET_KEYS));
    expected.put("--max-watch-keys", String.valueOf(Limits.DEFAULT_MAX_WATCH_KEYS));
    expected.put("--max-list-limit", String.valueOf(Limits.DEFAULT_MAX_LIST_LIMIT));
    expected.put("--max-checks", String.valueOf(Limits.DEFAULT_MAX_CHECKS));
    expected.put("--max-mutations", String.valueOf(Limits.DEFAULT_MAX_MUTATIONS));
    expected.put("--max-total-mutation-bytes",
        String.valueOf(Limits.DEFAULT_MAX_TOTAL_MUTATION_BYTES));
    expected.put("--max-total-key-bytes", String.valueOf(Limits.DEFAULT_MAX_TOTAL_KEY_BYTES));
    expected.put("--max-response-bytes", String.valueOf(Limits.DEFAULT_MAX_RESPONSE_BYTES));
    expected.put("--max-operations", String.valueOf(Limits.DEFAULT_MAX_OPERATIONS));
    expected.put("--max-request-bytes", String.valueOf(Limits.DEFAULT_MAX_REQUEST_BYTES));
    expected.put("--unique-keys", String.valueOf(Limits.DEFAULT_UNIQUE_KEYS));
    expected.put("--max-listen-in-flight", String.valueOf(Limits.DEFAULT_MAX_LISTEN_IN_FLIGHT));
    expected.put("--max-inbound-message-bytes", ServerDefaults.MAX_INBOUND_MESSAGE_MIB + "m");
    expected.put("--shutdown-grace-ms", String.valueOf(ServerDefaults.SHUTDOWN_GRACE_MS));
    expected.put("--max-concurrent-calls-per-connection",
        String.valueOf(ServerDefaults.MAX_CONCURRENT_CALLS_PER_CONNECTION));
    expected.put("--keepalive-time-ms", String.valueOf(ServerDefaults.KEEPALIVE_TIME_MS));
    expected.put("--keepalive-timeout-ms", String.valueOf(ServerDefaults.KEEPALIVE_TIMEOUT_MS));
    expected.put("--permit-keepalive-time-ms",
        String.valueOf(ServerDefaults.PERMIT_KEEPALIVE_TIME_MS));
    expected.put("--insecure", String.valueOf(ServerDefaults.INSECURE));
    expected.put("--tenants-file", null); // none: no tenants are set at start-up
    expected.put("--raft-election-timeout-ms",
        String.valueOf(ClusterOptions.ELECTION_TIMEOUT_MS));
    expected.put("--raft-snapshot-every", String.valueOf(ServerDefaults.RAFT_SNAPSHOT_EVERY));
    expected.put("--raft-log-segment-bytes", ServerDefaults.RAFT_LOG_SEGMENT_MIB + "m");
    expected.put("--join", String.valueOf(ClusterOptions.JOIN));
    expected.put("--raft-batch-max-requests",
        String.valueOf(ClusterOptions.RAFT_BATCH_MAX_REQUESTS));
    expected.put("--raft-proposals-in-flight",
        String.valueOf(ClusterOptions.RAFT_PROPOSALS_IN_FLIGHT));
    expected.put("--rate-limit-requests-per-second",
        String.valueOf(RateLimitSettings.UNLIMITED));
    expected.put("--rate-limit-read-units-per-minute",
        String.valueOf(RateLimitSettings.UNLIMITED));
    expected.put("--rate-limit-write-units-per-minute",
        String.valueOf(RateLimitSettings.UNLIMITED));

    CommandLine cli = Main.commandLine();
    CommandSpec spec = cli.getCommandSpec();
    String help = cli.getUsageMessage(CommandLine.Help.Ansi.OFF);
    for (Map.Entry<String, String> e : expected.entrySet()) {
      assertEquals(e.getValue(), spec.findOption(e.getKey()).defaultValue(), e.getKey());
    }
    // Every option with a default is in the table above, so none escapes the check.
    spec.options().stream()
        .filter(o -> o.defaultValue() != null && !o.defaultValue().isEmpty())
        .filter(o -> o.showDefaultValue() != CommandLine.Help.Visibility.NEVER)
        .forEach(o -> assertTrue(expected.containsKey(o.longestName()),
            o.longestName() + " has a default that no constant names"));
    assertTrue(help.contains("Default: " + EngineOptions.DEFAULT_MAP_SIZE_GIB + "g"), help);
    assertTrue(help.contains("Default: " + Limits.DEFAULT_MAX_RESPONSE_BYTES), help);
  }

  @Test
  void sizeDefaultsParseToTheByteConstants() {
    assertEquals(EngineOptions.DEFAULT_MAP_SIZE,
        SettingConverters.ByteSize.parse(EngineOptions.DEFAULT_MAP_SIZE_GIB + "g"));
    assertEquals(EngineOptions.DEFAULT_MAX_BATCH_BYTES,
        SettingConverters.ByteSize.parse(EngineOptions.DEFAULT_MAX_BATCH_MIB + "m"));
    assertEquals(EngineOptions.DEFAULT_WATCH_DELETION_LOG_BYTES,
        SettingConverters.ByteSize.parse(EngineOptions.DEFAULT_WATCH_DELETION_LOG_MIB + "m"));
  }
}
