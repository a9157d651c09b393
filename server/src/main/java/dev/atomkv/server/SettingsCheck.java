package dev.atomkv.server;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The start-up checks of {@link ServerConfig}: every failure is an {@link
 * IllegalArgumentException} whose message is one line naming the setting, so that a bad setting
 * stops the server before anything is opened, with no stack trace.
 */
final class SettingsCheck {
  private SettingsCheck() {}

  static void validate(ServerConfig c) {
    if (c.cluster.enabled()) {
      c.cluster.settings(c.bind);
    }
    requireRange("--port", c.port, 0, 65535);
    requireRange("--metrics-port", c.metricsPort, -1, 65535);
    requireRange("--kv-connect-port", c.kvConnectPort, -1, 65535);
    requireRange("--console-port", c.console.port, -1, 65535);
    requireRange("--rate-limit-requests-per-second", c.rateLimits.requestsPerSecond, 0,
        RateLimitSettings.MAX);
    requireRange("--rate-limit-read-units-per-minute", c.rateLimits.readUnitsPerMinute, 0,
        RateLimitSettings.MAX);
    requireRange("--rate-limit-write-units-per-minute", c.rateLimits.writeUnitsPerMinute, 0,
        RateLimitSettings.MAX);
    requireRange("--kv-connect-max-response-bytes", c.kvConnectMaxResponseBytes, 1,
        Integer.MAX_VALUE);
    // The LMDB reader table grows with the pools (readerSlots), so this only bounds a typo.
    requireRange("--threads", c.threads, 0, ServerConfig.MAX_THREADS);
    requireRange("--write-queue", c.writeQueue, 1, Integer.MAX_VALUE);
    requireRange("--max-batch", c.maxBatch, 1, 65535);
    requireRange("--max-batch-bytes", c.maxBatchBytes, 1, Long.MAX_VALUE);
    requireRange("--sweep-interval-ms", c.sweepIntervalMs, 1, Long.MAX_VALUE);
    requireRange("--max-write-key-bytes", c.maxWriteKeyBytes, 1, Integer.MAX_VALUE);
    requireRange("--max-read-key-bytes", c.maxReadKeyBytes, 1, Integer.MAX_VALUE);
    requireRange("--max-value-bytes", c.maxValueBytes, 0, Integer.MAX_VALUE);
    requireRange("--max-get-keys", c.maxGetKeys, 1, Integer.MAX_VALUE);
    requireRange("--max-list-limit", c.maxListLimit, 1, Integer.MAX_VALUE);
    requireRange("--max-watch-keys", c.maxWatchKeys, 1, Integer.MAX_VALUE);
    requireRange("--watch-deletion-log-bytes", c.watchDeletionLogBytes, 0, Long.MAX_VALUE);
    requireRange("--max-checks", c.maxChecks, 0, Integer.MAX_VALUE);
    requireRange("--max-mutations", c.maxMutations, 0, Integer.MAX_VALUE);
    requireRange("--max-total-mutation-bytes", c.maxTotalMutationBytes, 0, Integer.MAX_VALUE);
    requireRange("--max-total-key-bytes", c.maxTotalKeyBytes, 0, Integer.MAX_VALUE);
    requireRange("--max-response-bytes", c.maxResponseBytes, 1, Integer.MAX_VALUE);
    requireRange("--max-operations", c.maxOperations, 0, Integer.MAX_VALUE);
    requireRange("--max-request-bytes", c.maxRequestBytes, 0, Integer.MAX_VALUE);
    requireRange("--queue-lease-ms", c.queueLeaseMs, 1, Long.MAX_VALUE);
    requireRange("--max-listen-in-flight", c.maxListenInFlight, 1, 10_000);
    requireRange("--max-inbound-message-bytes", c.maxInboundMessageBytes, 1, Integer.MAX_VALUE);
    requireRange("--shutdown-grace-ms", c.shutdownGraceMs, 0, Long.MAX_VALUE);
    requireRange("--map-size", c.mapSize, 1 << 20, Long.MAX_VALUE);
    requireRange("--max-concurrent-calls-per-connection", c.maxConcurrentCallsPerConnection, 1,
        Integer.MAX_VALUE);
    requireRange("--keepalive-time-ms", c.keepaliveTimeMs, 1, Long.MAX_VALUE);
    requireRange("--keepalive-timeout-ms", c.keepaliveTimeoutMs, 1, Long.MAX_VALUE);
    requireRange("--permit-keepalive-time-ms", c.permitKeepaliveTimeMs, 0, Long.MAX_VALUE);
    requireNotBlank("--bind", c.bind);
    requireResolvable(c.bind);
    requireNotBlank("--data-dir", c.dataDir);
    requireUsableDirectory("--data-dir", c.dataDir);
    requireNotBlank("--tls-cert", c.tlsCert);
    requireNotBlank("--tls-key", c.tlsKey);
    requireNotBlank("--tls-client-ca", c.tlsClientCa);
    requireNotBlank("--auth-tokens-file", c.authTokensFile);
    if ((c.tlsCert == null) != (c.tlsKey == null)) {
      throw new IllegalArgumentException("--tls-cert and --tls-key must be given together");
    }
    if (c.tlsClientCa != null && c.tlsCert == null) {
      throw new IllegalArgumentException("--tls-client-ca needs --tls-cert and --tls-key");
    }
    requireReadableFile("--tls-cert", c.tlsCert);
    requireReadableFile("--tls-key", c.tlsKey);
    requireReadableFile("--tls-client-ca", c.tlsClientCa);
    requireReadableFile("--auth-tokens-file", c.authTokensFile);
    requireNotBlank("--tenants-file", c.tenants.file);
    requireReadableFile("--tenants-file", c.tenants.file);
    c.tenants.read();
    if (c.authToken != null && c.authToken.isBlank()) {
      // An empty ATOMKV_AUTH_TOKEN= most likely means a secret that failed to render; serving
      // without auth because of it would be the wrong way to fail.
      throw new IllegalArgumentException("--auth-token must not be empty");
    }
  }

  static boolean checkExposure(ServerConfig c) {
    if (c.authEnabled() || isLoopback(c.bind)) {
      return false;
    }
    if (!c.insecure) {
      throw new IllegalStateException("refusing to start: --bind=" + c.bind
          + " is not a loopback address and no authentication is configured (--auth-token, "
          + "--auth-tokens-file or --tls-client-ca); pass --insecure to serve it anyway");
    }
    return true;
  }

  static boolean isLoopback(String bind) {
    try {
      return InetAddress.getByName(bind).isLoopbackAddress();
    } catch (UnknownHostException e) {
      return false; // Netty will fail to bind it anyway; never treat the unknown as safe.
    }
  }

  static void requireRange(String flag, long value, long min, long max) {
    if (value < min || value > max) {
      throw new IllegalArgumentException(flag + " must be between " + min + " and " + max
          + ", got " + value);
    }
  }

  /**
   * An empty environment variable (ATOMKV_TLS_CERT=) names no file at all; taking it for the
   * working directory would only fail later with a confusing message.
   */
  private static void requireNotBlank(String flag, Object value) {
    if (value != null && value.toString().isBlank()) {
      throw new IllegalArgumentException(flag + " must not be empty (" + envName(flag)
          + " set to an empty value?)");
    }
  }

  private static void requireResolvable(String bind) {
    try {
      InetAddress.getByName(bind);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("--bind " + bind + " is not a known address or host name");
    }
  }

  private static void requireReadableFile(String flag, Path file) {
    if (file == null) {
      return;
    }
    if (!Files.exists(file)) {
      throw new IllegalArgumentException(flag + " " + file + " does not exist");
    }
    if (!Files.isRegularFile(file)) {
      throw new IllegalArgumentException(flag + " " + file + " is not a regular file");
    }
    if (!Files.isReadable(file)) {
      throw new IllegalArgumentException(flag + " " + file + " is not readable");
    }
  }

  /** The directory exists and is writable, or it can be created. */
  private static void requireUsableDirectory(String flag, Path dir) {
    Path absolute = dir.toAbsolutePath().normalize();
    if (Files.exists(absolute)) {
      if (!Files.isDirectory(absolute)) {
        throw new IllegalArgumentException(flag + " " + dir + " is a file, not a directory");
      }
      if (!Files.isWritable(absolute) || !Files.isReadable(absolute)) {
        throw new IllegalArgumentException(flag + " " + dir + " is not readable and writable");
      }
      return;
    }
    Path parent = absolute.getParent();
    while (parent != null && !Files.exists(parent)) {
      parent = parent.getParent();
    }
    if (parent == null || !Files.isDirectory(parent) || !Files.isWritable(parent)) {
      throw new IllegalArgumentException(flag + " " + dir + " cannot be created"
          + (parent == null ? "" : ": " + parent + " is not a writable directory"));
    }
  }

  /** ATOMKV_ and the flag's name in capitals: how every setting's variable is named. */
  static String envName(String flag) {
    return "ATOMKV_" + flag.substring(2).replace('-', '_').toUpperCase(java.util.Locale.ROOT);
  }
}
