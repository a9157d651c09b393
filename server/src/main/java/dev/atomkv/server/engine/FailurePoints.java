package dev.atomkv.server.engine;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

/**
 * Named steps of the write path where a test can inject a failure (throw, sleep, halt the JVM), so
 * crash tests aim at protocol steps instead of sleeping and hoping. Nothing happens unless a test
 * arms a point: in the same JVM with {@link #arm}, or in a server started as a separate process
 * with the system property {@value #PROPERTY} (read once, when this class is loaded). The points
 * are process-wide: tests that arm them must not run in parallel.
 *
 * <p>The property holds {@code point=action[@n]} items separated by commas, e.g. {@code
 * -Datomkv.failpoints=before-commit=halt@200,in-sweep=sleep(50)}. Points are named as in {@link
 * Point#id()}; actions are {@code halt} (print a line on stderr, then {@link Runtime#halt} with
 * {@link #HALT_EXIT_CODE}: no shutdown hook runs, as with {@code kill -9}), {@code throw} (an
 * {@link InjectedFailure}) and {@code sleep(ms)}. With {@code @n} the action first fires the n-th
 * time the point is reached (1-based) and every time after; without it, from the first time.
 */
public final class FailurePoints {
  /** The system property a separately started server reads its armed points from. */
  public static final String PROPERTY = "atomkv.failpoints";
  /** The exit status of a JVM stopped by a {@code halt} action; tests tell it from other deaths. */
  public static final int HALT_EXIT_CODE = 113;

  /** A step of the write path. */
  public enum Point {
    /** All requests of the batch applied, parent transaction not yet committed. */
    BEFORE_COMMIT("before-commit"),
    /** Parent transaction committed (durable), no future completed yet. */
    AFTER_COMMIT_BEFORE_ACK("after-commit-before-ack"),
    /**
     * One request of a batch applied and its child transaction committed into the parent, before
     * the next job of the batch; nothing of the batch is durable yet.
     */
    IN_BATCH("in-batch"),
    /** An expiry sweep deleted due keys in its child transaction, not yet committed. */
    IN_SWEEP("in-sweep"),
    /**
     * Cluster mode: the leader applied (durably) an entry of clients' writes, and has not yet
     * answered it. Only the leader reaches it: followers apply entries nobody waits on there. The
     * members' own entries (expiry sweeps, queue leases and requeues) do not reach it.
     */
    LEADER_APPLIED_BEFORE_REPLY("leader-applied-before-reply");

    private final String id;

    Point(String id) {
      this.id = id;
    }

    /** The name used in {@value FailurePoints#PROPERTY}. */
    public String id() {
      return id;
    }

    static Point byId(String id) {
      for (Point p : values()) {
        if (p.id.equals(id)) {
          return p;
        }
      }
      throw new IllegalArgumentException("unknown failure point '" + id + "' in " + PROPERTY
          + "; known: " + Arrays.stream(values()).map(Point::id).collect(Collectors.joining(", ")));
    }
  }

  /** What a {@code throw} action raises; the writer handles it like any unexpected failure. */
  public static final class InjectedFailure extends RuntimeException {
    InjectedFailure(Point point) {
      super("injected failure at " + point.id());
    }
  }

  private static final Map<Point, Runnable> ARMED = new ConcurrentHashMap<>();

  static {
    String spec = System.getProperty(PROPERTY);
    if (spec != null && !spec.isBlank()) {
      configure(spec);
    }
  }

  private FailurePoints() {}

  /** Runs {@code action} on the writer thread each time the point is reached, until disarmed. */
  public static void arm(Point point, Runnable action) {
    ARMED.put(point, action);
  }

  /**
   * Arms the points of a spec in the {@value #PROPERTY} format.
   *
   * @throws IllegalArgumentException naming the item that is not understood
   */
  public static void configure(String spec) {
    for (String item : spec.split(",")) {
      String trimmed = item.trim();
      int eq = trimmed.indexOf('=');
      if (eq < 0) {
        throw new IllegalArgumentException("failure point item '" + trimmed + "' in " + PROPERTY
            + " is not point=action[@n]");
      }
      Point point = Point.byId(trimmed.substring(0, eq).trim());
      arm(point, action(point, trimmed.substring(eq + 1).trim().toLowerCase(Locale.ROOT)));
    }
  }

  public static void disarm(Point point) {
    ARMED.remove(point);
  }

  public static void disarmAll() {
    ARMED.clear();
  }

  /** The armed points, for the start-up log: an armed point in production would be a mistake. */
  public static String describeArmed() {
    return ARMED.keySet().stream().map(Point::id).sorted().collect(Collectors.joining(", "));
  }

  public static void reach(Point point) {
    if (!ARMED.isEmpty()) {
      Runnable action = ARMED.get(point);
      if (action != null) {
        action.run();
      }
    }
  }

  private static Runnable action(Point point, String text) {
    long from = 1;
    int at = text.indexOf('@');
    String name = text;
    if (at >= 0) {
      from = parsePositive(text.substring(at + 1), text);
      name = text.substring(0, at);
    }
    Runnable body;
    if (name.equals("halt")) {
      body = () -> {
        System.err.println("atomkv failure point " + point.id() + ": halting the JVM");
        System.err.flush();
        Runtime.getRuntime().halt(HALT_EXIT_CODE);
      };
    } else if (name.equals("throw")) {
      body = () -> {
        throw new InjectedFailure(point);
      };
    } else if (name.startsWith("sleep(") && name.endsWith(")")) {
      long ms = parsePositive(name.substring(6, name.length() - 1), text);
      body = () -> sleep(ms);
    } else {
      throw new IllegalArgumentException("unknown failure point action '" + text + "' for "
          + point.id() + "; known: halt, throw, sleep(ms), each optionally @n");
    }
    if (from == 1) {
      return body;
    }
    AtomicLong reached = new AtomicLong();
    long first = from;
    return () -> {
      if (reached.incrementAndGet() >= first) {
        body.run();
      }
    };
  }

  private static long parsePositive(String number, String item) {
    try {
      long n = Long.parseLong(number.trim());
      if (n > 0) {
        return n;
      }
    } catch (NumberFormatException e) {
      // reported below with the item it came from
    }
    throw new IllegalArgumentException("failure point action '" + item
        + "' needs a positive number, got '" + number + "'");
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
