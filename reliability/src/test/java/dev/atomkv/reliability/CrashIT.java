package dev.atomkv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.reliability.CrashWorkload.Op;
import dev.atomkv.server.engine.FailurePoints;
import java.nio.file.Path;
import java.time.Duration;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The server as a separate process under 64 concurrent clients, killed in every round: with
 * SIGKILL at a seeded random moment, or by a failure point that halts the JVM at a step of the
 * write path. Each time it restarts on the same data directory and {@link CrashLedger} checks every
 * request sent before the crash. Rounds and load per round: {@code reliability.crash.rounds} and
 * {@code reliability.crash.load-ms} ({@code make soak} raises them).
 */
class CrashIT {
  private static final int CLIENTS = 64;
  private static final int CONNECTIONS = 8;

  /** How a round ends. */
  enum Fault {
    KILL(null, null, 0),
    BEFORE_COMMIT(FailurePoints.Point.BEFORE_COMMIT, "halt", 30),
    IN_BATCH(FailurePoints.Point.IN_BATCH, "halt", 50),
    AFTER_COMMIT(FailurePoints.Point.AFTER_COMMIT_BEFORE_ACK, "halt", 30),
    IN_SWEEP(FailurePoints.Point.IN_SWEEP, "halt", 3),
    // From the n-th reach on every batch fails at the point, then a SIGKILL: answers given by a
    // failing writer must tell the truth (an error that says "not written" must mean it).
    AFTER_COMMIT_THROWS(FailurePoints.Point.AFTER_COMMIT_BEFORE_ACK, "throw", 30),
    BEFORE_COMMIT_THROWS(FailurePoints.Point.BEFORE_COMMIT, "throw", 30),
    IN_BATCH_THROWS(FailurePoints.Point.IN_BATCH, "throw", 50);

    private static final Fault[] POINTS = {BEFORE_COMMIT, IN_BATCH, AFTER_COMMIT, IN_SWEEP,
        AFTER_COMMIT_THROWS, BEFORE_COMMIT_THROWS, IN_BATCH_THROWS};

    final FailurePoints.Point point;
    final String action;
    /** Reaches to let pass at least, so that start-up and the post-restart checks are behind. */
    final long minReaches;

    Fault(FailurePoints.Point point, String action, long minReaches) {
      this.point = point;
      this.action = action;
      this.minReaches = minReaches;
    }

    /** Every other round a SIGKILL; in between each failure point in turn. */
    static Fault ofRound(int round) {
      return round % 2 == 0 ? KILL : POINTS[(round / 2) % POINTS.length];
    }
  }

  @TempDir Path dir;

  @Test
  void acknowledgedCommitsSurviveKillNineAndEveryFailurePoint() throws Exception {
    long seed = Seeds.seed("CrashIT");
    int rounds = Integer.getInteger("reliability.crash.rounds", 10);
    long loadMs = Long.getLong("reliability.crash.load-ms", 1500);
    Random rnd = new Random(seed);
    Path data = dir.resolve("data");
    CrashLedger ledger = new CrashLedger();
    Map<Fault, Integer> faults = new EnumMap<>(Fault.class);
    long operations = 0;
    long minInFlight = Long.MAX_VALUE;
    long totalInFlight = 0;
    // Rates of the previous round, to place a failure point's halt inside the load.
    double batchesPerMs = 0.05;
    double requestsPerMs = 1;
    CrashWorkload previous = null;
    for (int round = 0; ; round++) {
      Fault fault = round < rounds ? Fault.ofRound(round) : null;
      String spec = null;
      if (fault != null && fault.point != null) {
        double perMs = switch (fault) {
          case IN_BATCH -> requestsPerMs;
          case IN_SWEEP -> 1.0 / 60; // one sweep with due keys per interval, roughly
          default -> batchesPerMs;
        };
        long reaches = Math.max(fault.minReaches,
            Math.round(perMs * loadMs * (0.3 + 0.9 * rnd.nextDouble())));
        spec = fault.point.id() + "=" + fault.action + "@" + reaches;
      }
      try (ServerProcess server = ServerProcess.start(data, dir.resolve("server-" + round + ".log"),
          spec); Clients clients = new Clients(server, CLIENTS, CONNECTIONS)) {
        assertNull(server.problemsInLog(), "restart " + round + " on the killed store");
        if (previous != null) {
          ledger.verify(previous, clients.first());
          assertEquals(List.of(), ledger.problems(), "after the crash of round " + (round - 1));
        }
        ledger.probe(clients.first());
        if (fault == null) {
          ledger.verifyEverything(clients.first());
          assertEquals(List.of(), ledger.problems(), "after the last restart");
          int status = server.stop();
          assertTrue(status == 0 || status == 128 + 15, "SIGTERM ends the server cleanly, got "
              + status + "; its log:\n" + server.log());
          break;
        }
        CrashWorkload load = new CrashWorkload(round, clients.all(), seed);
        load.start();
        String how;
        if (fault == Fault.KILL) {
          long killAfter = Math.round(loadMs * (0.3 + 0.9 * rnd.nextDouble()));
          Thread.sleep(killAfter);
          long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
          while (load.acknowledged() < 100 && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
          server.kill();
          how = "SIGKILL after " + killAfter + " ms";
        } else if (fault.action.equals("throw")) {
          String injected = "injected failure at " + fault.point.id();
          long deadline = System.nanoTime() + Duration.ofMillis(20 * loadMs + 120_000).toNanos();
          while (!server.log().contains(injected) && System.nanoTime() < deadline) {
            Thread.sleep(10);
          }
          assertTrue(server.log().contains(injected), "round " + round + ": " + spec
              + " never fired; the server's log:\n" + server.log());
          Thread.sleep(300); // a few batches that fail, then the crash
          server.kill();
          how = spec + ", then SIGKILL";
        } else {
          int status = server.awaitExit(Duration.ofMillis(20 * loadMs + 120_000));
          assertEquals(FailurePoints.HALT_EXIT_CODE, status, "round " + round + ": " + spec
              + " should have halted the server; its log:\n" + server.log());
          assertTrue(server.log().contains("atomkv failure point " + fault.point.id()
              + ": halting the JVM"), server.log());
          how = spec;
        }
        load.stop();
        assertEquals(List.of(), load.problems(), "round " + round + ", during the load");
        long inFlight = load.inFlightAtDeath();
        assertTrue(inFlight > 0, "round " + round + " (" + how + "): no request was in flight at "
            + "the crash, which then proves nothing");
        List<Op> ops = load.ops();
        long ms = Math.max(1, load.duration().toMillis());
        long acked = ops.stream().filter(o -> o.attempt().outcome() == Outcome.OK).count();
        long batches = ops.stream().filter(o -> o.attempt().outcome() == Outcome.OK)
            .map(o -> o.attempt().versionstamp().commitVersion()).distinct().count();
        requestsPerMs = Math.max(0.05, (double) acked / ms);
        batchesPerMs = Math.max(0.005, (double) batches / ms);
        operations += ops.size() + load.reads();
        minInFlight = Math.min(minInFlight, inFlight);
        totalInFlight += inFlight;
        faults.merge(fault, 1, Integer::sum);
        System.out.printf("CrashIT round %d: %s; %d requests (%d acknowledged, %d in %d batches), "
                + "%d in flight at the crash%n", round, how, ops.size(), acked, acked, batches,
            inFlight);
        previous = load;
      }
    }
    new Figures("CrashIT").put("seed", seed).put("rounds", rounds).put("faults", faults)
        .put("operations", operations).put("acknowledged", ledger.acknowledged)
        .put("acknowledgedLost", ledger.acknowledgedLost).put("unknown", ledger.unknown)
        .put("unknownLanded", ledger.unknownLanded).put("refused", ledger.refused)
        .put("inFlightMin", minInFlight).put("inFlightTotal", totalInFlight).report();
    assertEquals(0, ledger.acknowledgedLost);
    assertTrue(ledger.unknown > 0, "crashes with requests in flight leave outcomes unknown");
  }
}
