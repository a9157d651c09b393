package dev.atomkv.reliability;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

/**
 * The figures of one run, printed and appended to {@code target/reliability-figures.txt} so that
 * {@code make soak} can show them together at the end.
 */
final class Figures {
  /** The first report of a test JVM starts the file afresh: it holds one run's figures. */
  private static final AtomicBoolean FIRST = new AtomicBoolean(true);

  private final String name;
  private final Map<String, Object> values = new LinkedHashMap<>();

  Figures(String name) {
    this.name = name;
  }

  Figures put(String key, Object value) {
    values.put(key, value);
    return this;
  }

  void report() {
    String line = name + ": " + values.entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(" "));
    System.out.println("FIGURES " + line);
    try {
      Files.writeString(Path.of("target", "reliability-figures.txt"), line + "\n",
          StandardCharsets.UTF_8, StandardOpenOption.CREATE, FIRST.getAndSet(false)
              ? StandardOpenOption.TRUNCATE_EXISTING : StandardOpenOption.APPEND);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
