package dev.atomkv.server.engine;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.LongPredicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShiftedClockTest {
  @TempDir Path dir;

  @Test
  void followsTheOffsetFileBackAndForthAndReadsAMissingFileAsNoShift() throws Exception {
    Path file = dir.resolve("offset");
    ShiftedClock clock = ShiftedClock.watching(file);
    awaitShift(clock, shift -> Math.abs(shift) < 1_000);

    Files.writeString(file, "-5000\n");
    awaitShift(clock, shift -> shift < -4_000 && shift > -6_000);
    assertTrue(clock.instant().toEpochMilli() < System.currentTimeMillis() - 4_000);

    Files.writeString(file, "3000");
    awaitShift(clock, shift -> shift > 2_000 && shift < 4_000);

    Files.delete(file);
    awaitShift(clock, shift -> Math.abs(shift) < 1_000);
  }

  private static void awaitShift(ShiftedClock clock, LongPredicate expected) throws Exception {
    long deadline = System.nanoTime() + 5_000_000_000L;
    long shift;
    do {
      shift = clock.millis() - System.currentTimeMillis();
      if (expected.test(shift)) {
        return;
      }
      Thread.sleep(10);
    } while (System.nanoTime() < deadline);
    throw new AssertionError("the clock is shifted by " + shift + " ms");
  }
}
