package dev.atomkv.server.engine;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.slf4j.LoggerFactory;

/**
 * The server's wall clock. Normally the system's; for fault tests that step one member's clock
 * without touching the machine's, the system property {@value #PROPERTY} names a file holding an
 * offset in milliseconds (negative: behind), read again every {@value FaultFiles#POLL_MS} ms, so
 * a test can step a running member back or forward. Only wall time moves: timeouts and leases
 * measured with {@link System#nanoTime} do not, as with a real clock step.
 */
public final class ShiftedClock extends Clock {
  /** The system property naming the offset file. */
  public static final String PROPERTY = "atomkv.clock.offset-file";

  /** The clock every part of this server reads wall time from. */
  public static final Clock SERVER = fromSystemProperty();

  private final Path file;
  private volatile long offsetMs;

  private ShiftedClock(Path file) {
    this.file = file;
  }

  private static Clock fromSystemProperty() {
    String name = System.getProperty(PROPERTY);
    if (name == null || name.isBlank()) {
      return Clock.systemUTC();
    }
    LoggerFactory.getLogger(ShiftedClock.class)
        .warn("the wall clock is shifted by the offset in {} (fault tests)", name);
    return watching(Path.of(name));
  }

  /** A clock shifted by the offset in {@code file}, read now and then every poll. */
  static ShiftedClock watching(Path file) {
    ShiftedClock clock = new ShiftedClock(file);
    clock.reload();
    FaultFiles.poll("atomkv-clock-offset", clock::reload);
    return clock;
  }

  private void reload() {
    try {
      String text = Files.readString(file, StandardCharsets.UTF_8).trim();
      offsetMs = text.isEmpty() ? 0 : Long.parseLong(text);
    } catch (NoSuchFileException e) {
      offsetMs = 0;
    } catch (IOException | NumberFormatException e) {
      // being rewritten: keep the last offset
    }
  }

  @Override
  public ZoneId getZone() {
    return ZoneOffset.UTC;
  }

  @Override
  public Clock withZone(ZoneId zone) {
    throw new UnsupportedOperationException("the server's clock is UTC");
  }

  @Override
  public Instant instant() {
    return Instant.now().plusMillis(offsetMs);
  }

  @Override
  public long millis() {
    return System.currentTimeMillis() + offsetMs;
  }
}
