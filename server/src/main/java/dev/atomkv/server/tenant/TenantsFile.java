package dev.atomkv.server.tenant;

import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.tenant.TenantKeys;
import dev.atomkv.server.model.tenant.TenantSettings;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tenants a server is started with ({@code --tenants-file}): one line per tenant,
 * {@code tenant NAME [max_bytes=N] [max_keys=N] [requests_per_second=N] [read_units_per_minute=N]
 * [write_units_per_minute=N]}, {@code #} starting a comment. Applying it creates the tenants that
 * are missing and gives each the limits of its line (a limit not written is 0, as in
 * SetTenantLimits); tenants not in the file are left alone, and tokens are never in it.
 */
public final class TenantsFile {
  private static final Logger LOG = LoggerFactory.getLogger(TenantsFile.class);
  private static final List<String> LIMITS = List.of("max_bytes", "max_keys",
      "requests_per_second", "read_units_per_minute", "write_units_per_minute");

  /** One tenant line: its number in the file, and its limits by name. */
  public record Line(int number, String name, Map<String, Long> limits) {
    long limit(String key) {
      return limits.getOrDefault(key, 0L);
    }

    boolean sameLimits(TenantSettings s) {
      return s.maxBytes() == limit("max_bytes") && s.maxKeys() == limit("max_keys")
          && s.requestsPerSecond() == limit("requests_per_second")
          && s.readUnitsPerMinute() == limit("read_units_per_minute")
          && s.writeUnitsPerMinute() == limit("write_units_per_minute");
    }
  }

  /** What applying the file changed. */
  public record Applied(int created, int limitsSet, int unchanged) {}

  private final Path path;
  private final List<Line> lines;

  private TenantsFile(Path path, List<Line> lines) {
    this.path = path;
    this.lines = lines;
  }

  public List<Line> lines() {
    return lines;
  }

  /**
   * Reads and checks the file.
   *
   * @throws IllegalArgumentException naming the flag, the file and the line of the first problem
   */
  public static TenantsFile read(Path path) {
    List<String> text;
    try {
      text = Files.readAllLines(path, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new IllegalArgumentException("--tenants-file " + path + " cannot be read: " + e);
    }
    List<Line> lines = new ArrayList<>();
    Map<String, Integer> seen = new HashMap<>();
    for (int i = 0; i < text.size(); i++) {
      int number = i + 1;
      String line = text.get(i);
      int hash = line.indexOf('#');
      String[] words = (hash < 0 ? line : line.substring(0, hash)).strip().split("\\s+");
      if (words.length == 1 && words[0].isEmpty()) {
        continue;
      }
      try {
        Line parsed = parse(number, words);
        Integer before = seen.putIfAbsent(parsed.name(), number);
        if (before != null) {
          throw new IllegalArgumentException("tenant '" + parsed.name()
              + "' is on line " + before + " already");
        }
        lines.add(parsed);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("--tenants-file " + path + " line " + number + ": "
            + e.getMessage());
      }
    }
    return new TenantsFile(path, List.copyOf(lines));
  }

  private static Line parse(int number, String[] words) {
    if (!words[0].equals("tenant")) {
      throw new IllegalArgumentException("expected 'tenant NAME [limit=N ...]', got '"
          + words[0] + "'");
    }
    if (words.length < 2) {
      throw new IllegalArgumentException("'tenant' needs a name");
    }
    String name = words[1];
    String problem = TenantKeys.nameProblem(name);
    if (problem != null) {
      throw new IllegalArgumentException(problem);
    }
    Map<String, Long> limits = new LinkedHashMap<>();
    for (int w = 2; w < words.length; w++) {
      int eq = words[w].indexOf('=');
      String key = eq < 0 ? words[w] : words[w].substring(0, eq);
      if (eq < 0 || !LIMITS.contains(key)) {
        throw new IllegalArgumentException("'" + words[w] + "' is not a limit: write "
            + String.join("=N, ", LIMITS) + "=N");
      }
      String value = words[w].substring(eq + 1);
      long n;
      try {
        n = Long.parseLong(value);
      } catch (NumberFormatException e) {
        n = -1;
      }
      if (n < 0 || !value.chars().allMatch(Character::isDigit)) {
        throw new IllegalArgumentException(key + " must be a whole number from 0 to "
            + Long.MAX_VALUE + ", got '" + value + "'");
      }
      if (limits.put(key, n) != null) {
        throw new IllegalArgumentException(key + " is given twice");
      }
    }
    return new Line(number, name, Map.copyOf(limits));
  }

  /**
   * Creates the missing tenants and sets the limits that differ, one commit each. A tenant still
   * being deleted is skipped with a warning: its name is free again once its data is gone, at the
   * next start.
   */
  public Applied apply(TenantRegistry registry) {
    int created = 0;
    int limitsSet = 0;
    int unchanged = 0;
    for (Line line : lines) {
      TenantSettings s = registry.settings(line.name());
      if (s != null && s.deleting()) {
        LOG.warn("tenants file: tenant still being deleted, not created again: file={} line={} "
            + "tenant={}", path, line.number(), line.name());
        continue;
      }
      boolean fresh = s == null;
      if (fresh) {
        try {
          s = registry.create(line.name());
          created++;
        } catch (KvException e) {
          // Another cluster member applying the same file may have created it first.
          s = registry.settings(line.name());
          if (e.kind() != ErrorKind.FAILED_PRECONDITION || s == null) {
            throw e;
          }
          fresh = false;
        }
      }
      if (line.sameLimits(s)) {
        unchanged += fresh ? 0 : 1;
        continue;
      }
      registry.setLimits(line.name(), line.limit("requests_per_second"),
          line.limit("read_units_per_minute"), line.limit("write_units_per_minute"),
          line.limit("max_bytes"), line.limit("max_keys"));
      limitsSet++;
    }
    return new Applied(created, limitsSet, unchanged);
  }
}
