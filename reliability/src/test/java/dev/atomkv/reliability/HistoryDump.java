package dev.atomkv.reliability;

import dev.atomkv.client.Versionstamp;
import dev.atomkv.reliability.History.Read;
import dev.atomkv.reliability.History.Write;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * A history as text, one call a line in the order the calls began, for reading a failed run: times
 * in ms from the first call (the checker's violations use the same origin), each write with its
 * outcome, the versionstamp it was acknowledged with and the one it landed with; the run's own
 * events (a kill, a restart) in between, at their times.
 */
final class HistoryDump {
  /** Something the run did at {@code nanos} on the clients' clock. */
  record Event(long nanos, String text) {}

  private record Line(long start, String text) {}

  private HistoryDump() {}

  /** Writes the dump, {@code header} lines first; returns the file. */
  static Path write(Path file, History history, List<String> header, List<Event> events) {
    List<Write> writes = history.writes();
    List<Read> reads = history.reads();
    long origin = Long.MAX_VALUE;
    for (Write w : writes) {
      origin = Math.min(origin, w.startNanos());
    }
    for (Read r : reads) {
      origin = Math.min(origin, r.startNanos());
    }
    Map<String, Versionstamp> landed = history.landed();
    List<Line> lines = new ArrayList<>();
    for (Write w : writes) {
      lines.add(new Line(w.startNanos(), "write " + w.id() + " " + interval(w.startNanos(),
          w.endNanos(), origin) + " " + w.outcome() + " acked=" + w.versionstamp() + " landed="
          + landed.get(w.id()) + " sets=" + w.sets() + " checks=" + w.checks()));
    }
    for (Read r : reads) {
      lines.add(new Line(r.startNanos(), "read " + interval(r.startNanos(), r.endNanos(), origin)
          + " " + r.observed()));
    }
    for (Event e : events) {
      lines.add(new Line(e.nanos(), String.format("---- %.3f %s", (e.nanos() - origin) / 1e6,
          e.text())));
    }
    lines.sort(Comparator.comparingLong(Line::start));
    List<String> text = new ArrayList<>(header);
    lines.forEach(l -> text.add(l.text()));
    try {
      Files.write(file, text, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return file;
  }

  private static String interval(long start, long end, long origin) {
    return String.format("[%.3f, %s]", (start - origin) / 1e6,
        end == Long.MAX_VALUE ? "no answer" : String.format("%.3f", (end - origin) / 1e6));
  }
}
