package dev.atomkv.server.engine;

import java.time.Instant;

/** Commit versions are wall-clock microseconds since the Unix epoch (SPEC's versionstamps). */
public final class CommitClock {
  private CommitClock() {}

  public static long micros(Instant t) {
    return t.getEpochSecond() * 1_000_000L + t.getNano() / 1_000;
  }
}
