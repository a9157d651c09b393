package dev.atomkv.server.lmdb;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named steps of the write path where a test can inject a failure (throw, block, halt the JVM), so
 * crash tests aim at protocol steps instead of sleeping and hoping. Nothing happens unless a test
 * arms a point. The points are process-wide: tests that arm them must not run in parallel.
 */
public final class FailurePoints {

  /** A step of a writer batch. */
  public enum Point {
    /** All requests of the batch applied, parent transaction not yet committed. */
    BEFORE_COMMIT,
    /** Parent transaction committed (durable), no future completed yet. */
    AFTER_COMMIT_BEFORE_ACK
  }

  private static final Map<Point, Runnable> ARMED = new ConcurrentHashMap<>();

  private FailurePoints() {}

  /** Runs {@code action} on the writer thread each time the point is reached, until disarmed. */
  public static void arm(Point point, Runnable action) {
    ARMED.put(point, action);
  }

  public static void disarm(Point point) {
    ARMED.remove(point);
  }

  public static void disarmAll() {
    ARMED.clear();
  }

  static void reach(Point point) {
    if (!ARMED.isEmpty()) {
      Runnable action = ARMED.get(point);
      if (action != null) {
        action.run();
      }
    }
  }
}
