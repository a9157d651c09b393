package dev.atomkv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Recorded histories of a register workload and a bank-transfer workload, checked by {@link
 * LinearizabilityChecker}, with and without SIGKILLs during the run. Calls per run: {@code
 * reliability.history.ops}; kills per crashing run: {@code reliability.history.crash-rounds}.
 */
class HistoryIT {
  private static final int CLIENTS = 16;

  @TempDir Path dir;

  @Test
  void registerHistoryIsLinearizable() throws Exception {
    check("register", new RegisterWorkload(), 0);
  }

  @Test
  void registerHistoryAcrossKillsIsLinearizable() throws Exception {
    check("register-crashes", new RegisterWorkload(), crashRounds());
  }

  @Test
  void bankTransfersKeepTheTotalAndAreLinearizable() throws Exception {
    check("bank", new BankWorkload(), 0);
  }

  @Test
  void bankTransfersAcrossKillsKeepTheTotalAndAreLinearizable() throws Exception {
    check("bank-crashes", new BankWorkload(), crashRounds());
  }

  private static int crashRounds() {
    return Integer.getInteger("reliability.history.crash-rounds", 3);
  }

  private void check(String name, HistoryWorkload workload, int crashes) throws Exception {
    long seed = Seeds.seed("HistoryIT " + name);
    long calls = Long.getLong("reliability.history.ops", 3000);
    HistoryRun.Result r = HistoryRun.run(dir, workload, CLIENTS, calls, crashes, seed);
    new Figures("HistoryIT " + name).put("seed", seed).put("operations", r.calls())
        .put("writes", r.writes()).put("landed", r.landed()).put("unknown", r.unknown())
        .put("kills", r.crashes()).put("violations", r.violations().size()).report();
    assertEquals(List.of(), r.violations(), LinearizabilityChecker.describe(r.violations()));
    // Check-and-sets under contention fail often; a run where nearly all writes failed proves
    // little, though.
    assertTrue(r.landed() * 10 > r.writes(), "too few writes landed: " + r);
    if (crashes > 0) {
      assertTrue(r.unknown() > 0, "kills during the run leave some writes unanswered: " + r);
    }
  }
}
