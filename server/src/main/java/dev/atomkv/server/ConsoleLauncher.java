package dev.atomkv.server;

import dev.atomkv.server.api.MetricsHistory;
import dev.atomkv.server.auth.Authenticator;
import dev.atomkv.server.tenant.RateLimiter;
import dev.atomkv.server.console.ConsoleServer;
import dev.atomkv.server.console.ServerFacts;
import dev.atomkv.server.console.TenantDirectory;
import dev.atomkv.server.tenant.TenantRegistry;
import dev.atomkv.server.engine.KvEngine;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Starts the web console with what only the launcher knows: the version, the settings in force
 * and the registry the gRPC edge records its metrics in.
 */
final class ConsoleLauncher {
  /**
   * Settings whose value is a secret, by name. A file name is not the secret (its contents are),
   * so a setting that names a file is shown whatever it is called.
   */
  private static final Pattern SECRET =
      Pattern.compile("token|password|passphrase|secret|credential|private");

  private ConsoleLauncher() {}

  static ConsoleServer start(ServerConfig config, KvEngine engine, Authenticator tokens,
      RateLimiter rateLimiter, MeterRegistry registry, TenantRegistry tenants)
      throws IOException {
    ConsoleServer.Options options = new ConsoleServer.Options(config.bind(), config.console.port,
        config.maxInboundMessageBytes(), config.tlsEnabled()
            ? new ConsoleServer.Tls(config.tlsCert(), config.tlsKey(), config.tlsClientCa())
            : null);
    List<ServerFacts.Setting> settings = settings(config);
    // From here the console owns the sampler: it stops it when it stops, or fails to start.
    MetricsHistory history = new MetricsHistory(registry, System::currentTimeMillis,
        MetricsHistory.INTERVAL_MS, MetricsHistory.CAPACITY);
    ServerFacts facts = new ServerFacts(Main.VERSION, settings, new Metrics(history));
    return ConsoleServer.start(options, engine, config.limits(), tokens, rateLimiter, facts,
        TenantDirectory.of(tenants, engine));
  }

  /** Every flag with its value in force, in --help's order; secrets as "(hidden)". */
  static List<ServerFacts.Setting> settings(ServerConfig config) {
    List<ServerFacts.Setting> out = new ArrayList<>();
    for (OptionSpec o : CommandSpec.forAnnotatedObject(config).options()) {
      Object value = o.getValue();
      String name = o.longestName();
      boolean secret = SECRET.matcher(name).find() && !Path.class.equals(o.type());
      out.add(new ServerFacts.Setting(name, value == null ? null
          : secret ? ServerFacts.HIDDEN : text(value)));
    }
    return out;
  }

  private static String text(Object value) {
    if (value instanceof Collection<?> c) {
      return c.stream().map(String::valueOf).collect(Collectors.joining(","));
    }
    if (value instanceof Object[] a) {
      return Arrays.stream(a).map(String::valueOf).collect(Collectors.joining(","));
    }
    return String.valueOf(value);
  }

  /** The gRPC edge's history as the console sees it. */
  private record Metrics(MetricsHistory history) implements ServerFacts.Metrics {
    @Override
    public long intervalMs() {
      return MetricsHistory.INTERVAL_MS;
    }

    @Override
    public int capacity() {
      return history.capacity();
    }

    @Override
    public List<ServerFacts.MetricsPoint> points() {
      return history.samples().stream().map(s -> new ServerFacts.MetricsPoint(s.atMs(),
          s.callsPerSecond(), s.errorsPerSecond(), s.p50Ms(), s.p99Ms(), s.batchSize()))
          .toList();
    }

    @Override
    public void close() {
      history.close();
    }
  }
}
