package dev.atomkv.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.client.Versionstamp;
import dev.atomkv.reliability.History.Check;
import dev.atomkv.reliability.History.Observed;
import dev.atomkv.reliability.History.Read;
import dev.atomkv.reliability.History.Write;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The checker accepts what a linearizable store may produce and rejects each kind of bad history:
 * a stale read, a lost write, a reordered commit, a torn snapshot, a lost update, a read from the
 * future, a wrong value, a refused write that landed. Times are in milliseconds.
 */
class LinearizabilityCheckerTest {
  private static final long NEVER = Long.MAX_VALUE;

  private final History history = new History();

  @Test
  void acceptsConcurrentWritesReadEitherWayAndUnansweredWritesThatLandedOrNot() {
    write("w1", 0, 10, 1, "a", "1");
    write("w2", 5, 15, 2, "a", "2");
    read(6, 8, "a", 1, "1");
    read(7, 9, "a", 2, "2");
    read(20, 25, "a", 2, "2");
    unanswered("w3", 30, 3, "a", "3");
    unanswered("w4", 31, 0, "a", "never landed");
    read(40, 50, "a", 3, "3");
    readAbsent(0, 1, "b");
    history.add(new Write("cas", Map.of("a", "x"), List.of(new Check("a", vs(1))), 60, 61,
        Outcome.REFUSED, null));

    assertEquals(List.of(), LinearizabilityChecker.check(history));
  }

  @Test
  void rejectsAStaleRead() {
    write("w1", 0, 10, 1, "a", "1");
    write("w2", 20, 30, 2, "a", "2");
    read(40, 50, "a", 1, "1");

    assertRejected("cannot take effect in commit order");
  }

  @Test
  void rejectsALostWrite() {
    write("w1", 0, 10, 1, "a", "1");
    history.add(new Write("w2", Map.of("a", "2"), List.of(), 20, 30, Outcome.OK, vs(2)));

    assertRejected("acknowledged write w2 (00000000000000020000) is lost");
  }

  @Test
  void rejectsAReorderedCommit() {
    // w2 began after w1 was acknowledged, yet committed before it.
    write("w1", 0, 10, 2, "a", "1");
    write("w2", 20, 30, 1, "b", "2");

    assertRejected("cannot take effect in commit order");
  }

  @Test
  void rejectsAReadFromTheFuture() {
    write("w1", 20, 30, 1, "a", "1");
    read(0, 10, "a", 1, "1");

    assertRejected("cannot take effect in commit order");
  }

  @Test
  void rejectsAReadThatIsNotOneSnapshot() {
    write("w1", 0, 10, 1, Map.of("a", "1", "b", "1"));
    write("w2", 20, 30, 2, Map.of("a", "2", "b", "2"));
    Map<String, Observed> seen = new LinkedHashMap<>();
    seen.put("a", new Observed(vs(1), "1"));
    seen.put("b", new Observed(vs(2), "2"));
    history.add(new Read(seen, 40, 50));

    assertRejected("is not one snapshot");
  }

  @Test
  void rejectsALostUpdate() {
    write("w1", 0, 10, 1, "a", "1");
    history.add(new Write("c1", Map.of("a", "c1"), List.of(new Check("a", vs(1))), 20, 30,
        Outcome.OK, vs(2)));
    history.landed("c1", vs(2));
    history.add(new Write("c2", Map.of("a", "c2"), List.of(new Check("a", vs(1))), 20, 30,
        Outcome.OK, vs(3)));
    history.landed("c2", vs(3));

    assertRejected("write c2 checked a at 00000000000000010000 but the version it replaced is "
        + "00000000000000020000: a lost update");
  }

  @Test
  void rejectsAWrongValueARefusedWriteThatLandedAndAWriteNeverSent() {
    write("w1", 0, 10, 1, "a", "1");
    read(20, 30, "a", 1, "not what w1 wrote");
    history.add(new Write("r", Map.of("a", "r"), List.of(), 40, 50, Outcome.REFUSED, null));
    history.landed("r", vs(5));
    history.landed("ghost", vs(6));

    List<String> v = LinearizabilityChecker.check(history);
    assertTrue(v.contains("a read returned a = not what w1 wrote with 00000000000000010000, but "
        + "that write set 1"), LinearizabilityChecker.describe(v));
    assertTrue(v.contains("refused write r landed with 00000000000000050000"), v.toString());
    assertTrue(v.contains("a write ghost landed that was never sent"), v.toString());
  }

  /**
   * Histories simulated from a store that is linearizable by construction (each call takes effect
   * at an instant inside its interval) pass; the same histories with one seeded fault do not.
   */
  @Test
  void simulatedHistoriesPassAndFailOnceAFaultIsSeeded() {
    long seed = Seeds.seed("LinearizabilityCheckerTest");
    Random rnd = new Random(seed);
    int stale = 0;
    int lost = 0;
    int reordered = 0;
    for (int trial = 0; trial < 200; trial++) {
      Simulated sim = Simulated.run(rnd, 300);
      assertEquals(List.of(), LinearizabilityChecker.check(sim.history()), "trial " + trial);

      Read bad = sim.staleRead(rnd);
      if (bad != null) {
        History h = sim.history();
        h.add(bad);
        assertFalse(LinearizabilityChecker.check(h).isEmpty(), "trial " + trial + ": " + bad);
        stale++;
      }
      History withoutOne = sim.withoutOneAcknowledged(rnd);
      assertFalse(LinearizabilityChecker.check(withoutOne).isEmpty(), "trial " + trial);
      lost++;
      History swapped = sim.withTwoCommitsSwapped(rnd);
      if (swapped != null) {
        assertFalse(LinearizabilityChecker.check(swapped).isEmpty(), "trial " + trial);
        reordered++;
      }
    }
    assertTrue(stale > 50 && lost > 50 && reordered > 50,
        "stale=" + stale + " lost=" + lost + " reordered=" + reordered);
  }

  /** A run of a simulated linearizable store over three keys: writes, checked writes and reads. */
  private record Simulated(List<Write> writes, List<Read> reads, Map<String, Versionstamp> landed,
      Map<String, List<Write>> writesOfKey) {

    static Simulated run(Random rnd, int calls) {
      List<Write> writes = new ArrayList<>();
      List<Read> reads = new ArrayList<>();
      Map<String, Versionstamp> landed = new HashMap<>();
      Map<String, List<Write>> writesOfKey = new HashMap<>();
      Map<String, Observed> state = new HashMap<>();
      String[] keys = {"a", "b", "c"};
      long t = 1_000;
      int version = 0;
      for (int i = 0; i < calls; i++) {
        t += 1 + rnd.nextInt(10);
        long start = t - rnd.nextInt(40);
        long end = t + rnd.nextInt(40);
        int kind = rnd.nextInt(10);
        if (kind < 4) {
          Map<String, Observed> seen = new LinkedHashMap<>();
          for (String k : keys) {
            if (seen.isEmpty() || rnd.nextBoolean()) {
              seen.put(k, state.getOrDefault(k, Observed.ABSENT));
            }
          }
          reads.add(new Read(seen, start, end));
          continue;
        }
        String key = keys[rnd.nextInt(keys.length)];
        List<Check> checks = kind < 7 ? List.of()
            : List.of(new Check(key, state.getOrDefault(key, Observed.ABSENT).versionstamp()));
        String id = "w" + i;
        Versionstamp vs = Versionstamp.of(++version, 0);
        boolean answered = rnd.nextInt(10) > 0;
        Write w = new Write(id, Map.of(key, id), checks, start, answered ? end : NEVER,
            answered ? Outcome.OK : Outcome.UNKNOWN, answered ? vs : null);
        writes.add(w);
        landed.put(id, vs);
        writesOfKey.computeIfAbsent(key, k -> new ArrayList<>()).add(w);
        state.put(key, new Observed(vs, id));
      }
      return new Simulated(writes, reads, landed, writesOfKey);
    }

    History history() {
      History h = new History();
      writes.forEach(h::add);
      reads.forEach(h::add);
      landed.forEach(h::landed);
      return h;
    }

    /** A read that returns a version overwritten by a write acknowledged before the read began. */
    Read staleRead(Random rnd) {
      List<String> keys = new ArrayList<>(writesOfKey.keySet());
      String key = keys.get(rnd.nextInt(keys.size()));
      List<Write> chain = writesOfKey.get(key);
      for (int tries = 0; tries < 20 && chain.size() > 1; tries++) {
        int i = rnd.nextInt(chain.size() - 1);
        Write old = chain.get(i);
        Write newer = chain.get(i + 1);
        if (newer.outcome() == Outcome.OK) {
          long start = newer.endNanos() + 1;
          return new Read(Map.of(key, new Observed(landed.get(old.id()), old.id())), start,
              start + 5);
        }
      }
      return null;
    }

    History withoutOneAcknowledged(Random rnd) {
      List<Write> acked = writes.stream().filter(w -> w.outcome() == Outcome.OK).toList();
      Write gone = acked.get(rnd.nextInt(acked.size()));
      History h = new History();
      writes.forEach(h::add);
      reads.forEach(h::add);
      landed.forEach((id, vs) -> {
        if (!id.equals(gone.id())) {
          h.landed(id, vs);
        }
      });
      return h;
    }

    /** Two acknowledged writes, the second begun after the first was answered, commit swapped. */
    History withTwoCommitsSwapped(Random rnd) {
      for (int tries = 0; tries < 50; tries++) {
        Write a = writes.get(rnd.nextInt(writes.size()));
        Write b = writes.get(rnd.nextInt(writes.size()));
        if (a.outcome() == Outcome.OK && b.outcome() == Outcome.OK
            && a.endNanos() < b.startNanos()) {
          History h = new History();
          for (Write w : writes) {
            h.add(w == a ? withVersionstamp(a, b.versionstamp())
                : w == b ? withVersionstamp(b, a.versionstamp()) : w);
          }
          reads.forEach(h::add);
          landed.forEach(h::landed);
          h.landed(a.id(), b.versionstamp());
          h.landed(b.id(), a.versionstamp());
          return h;
        }
      }
      return null;
    }

    private static Write withVersionstamp(Write w, Versionstamp vs) {
      return new Write(w.id(), w.sets(), w.checks(), w.startNanos(), w.endNanos(), w.outcome(), vs);
    }
  }

  // ---- building histories ----------------------------------------------------------------------

  @Test
  void acceptsSumsReadAsTheCountOfTheSumsThatLandedInCommitOrder() {
    sum("s1", 0, 10, 1);
    history.add(new Write("s2", Map.of("n", new History.Sum(1)), List.of(), 5, NEVER,
        Outcome.UNKNOWN, null));
    history.landed("s2", vs(2));
    history.add(new Write("s3", Map.of("n", new History.Sum(1)), List.of(), 6, 7,
        Outcome.REFUSED, null));
    sum("s4", 20, 30, 3);
    history.add(new Read(Map.of("n", new Observed(vs(1), 1L)), 11, 12));
    history.add(new Read(Map.of("n", new Observed(vs(2), 2L)), 13, 14));
    history.add(new Read(Map.of("n", new Observed(vs(3), 3L)), 31, 32));

    assertEquals(List.of(), LinearizabilityChecker.check(history));
  }

  @Test
  void rejectsACountThatMissesASumBeforeIt() {
    sum("s1", 0, 10, 1);
    sum("s2", 20, 30, 2);
    // The version of s2, but the count of s2 alone: s1's addition is lost.
    history.add(new Read(Map.of("n", new Observed(vs(2), 1L)), 40, 50));

    assertRejected("a read returned n = 1 with 00000000000000020000, but that write set 2");
  }

  private void sum(String id, long start, long end, long version) {
    write(id, start, end, version, Map.of("n", new History.Sum(1)));
  }

  private static Versionstamp vs(long version) {
    return Versionstamp.of(version, 0);
  }

  private void write(String id, long start, long end, long version, String key, String value) {
    write(id, start, end, version, Map.of(key, value));
  }

  private void write(String id, long start, long end, long version, Map<String, Object> sets) {
    history.add(new Write(id, sets, List.of(), start, end, Outcome.OK, vs(version)));
    history.landed(id, vs(version));
  }

  /** A write whose answer never came; {@code version} 0: it did not land. */
  private void unanswered(String id, long start, long version, String key, String value) {
    history.add(new Write(id, Map.of(key, value), List.of(), start, NEVER, Outcome.UNKNOWN, null));
    if (version > 0) {
      history.landed(id, vs(version));
    }
  }

  private void read(long start, long end, String key, long version, String value) {
    history.add(new Read(Map.of(key, new Observed(vs(version), value)), start, end));
  }

  private void readAbsent(long start, long end, String key) {
    history.add(new Read(Map.of(key, Observed.ABSENT), start, end));
  }

  private void assertRejected(String part) {
    List<String> v = LinearizabilityChecker.check(history);
    assertTrue(v.stream().anyMatch(s -> s.contains(part)),
        "expected a violation containing '" + part + "', got: " + LinearizabilityChecker.describe(v));
  }
}
