package dev.atomkv.reliability;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.reliability.CrashWorkload.Kind;
import dev.atomkv.reliability.CrashWorkload.Op;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.stream.Stream;

/**
 * What the database must hold after each crash, from the requests the crash test sent: it checks a
 * round's requests against a restarted server and carries the state forward to the next round.
 * Problems are collected, not thrown, so one report lists them all.
 */
final class CrashLedger {
  /** A key's expected value (a request id, or a count) and versionstamp; null value = absent. */
  private record State(String value, Versionstamp versionstamp) {}

  private static final State ABSENT = new State(null, null);

  private final State[] groups = new State[CrashWorkload.GROUPS];
  private final State[] pairs = new State[CrashWorkload.PAIRS];
  private final long[] counts = new long[CrashWorkload.COUNTERS];
  private final Versionstamp[] counterStamps = new Versionstamp[CrashWorkload.COUNTERS];
  /** Every request that landed, by its log key, with its versionstamp. */
  private final Map<Key, Versionstamp> landed = new HashMap<>();
  private static final int MAX_PROBLEMS = 30;
  private final List<String> problems = new ArrayList<>();
  private long problemCount;
  private Versionstamp newest;

  long acknowledged;
  long acknowledgedLost;
  long unknown;
  long unknownLanded;
  long refused;

  CrashLedger() {
    Arrays.fill(groups, ABSENT);
    Arrays.fill(pairs, ABSENT);
  }

  /** The first problems found (enough to diagnose), and how many there were in all. */
  List<String> problems() {
    return problemCount > problems.size()
        ? Stream.concat(problems.stream(),
            Stream.of("... " + problemCount + " problems in all")).toList()
        : problems;
  }

  private void problem(String text) {
    if (problemCount++ < MAX_PROBLEMS) {
      problems.add(text);
    }
  }

  /** A first commit on a restarted server must be numbered above everything before the crash. */
  void probe(KvClient kv) {
    Versionstamp vs = kv.set(Key.of("probe"), KvValue.of("after restart")).versionstamp();
    if (newest != null && vs.compareTo(newest) <= 0) {
      problem("versionstamp " + vs + " after the restart is not above " + newest);
    }
    newest = vs;
  }

  /** Checks the requests of one round (sent before a crash) against the restarted server. */
  void verify(CrashWorkload round, KvClient kv) {
    Map<Key, KvEntry> logs = new HashMap<>();
    kv.stream(ListSelector.prefix(CrashWorkload.logs(round.round())),
        ListOptions.builder().batchSize(1000).build()).forEach(e -> logs.put(e.key(), e));
    List<Op> applied = new ArrayList<>();
    Map<Op, Versionstamp> stamps = new HashMap<>();
    Set<Key> sent = new HashSet<>();
    for (Op op : round.ops()) {
      Key logKey = CrashWorkload.log(op.round(), op.client(), op.seq());
      sent.add(logKey);
      KvEntry log = logs.get(logKey);
      Attempt a = op.attempt();
      switch (a.outcome()) {
        case OK -> {
          acknowledged++;
          if (log == null) {
            acknowledgedLost++;
            problem("acknowledged request " + op.id() + " (" + op.logValue() + ", "
                + a.versionstamp() + ") is lost");
            continue;
          }
          if (!log.versionstamp().equals(a.versionstamp())) {
            problem("request " + op.id() + " was acknowledged with " + a.versionstamp()
                + " but is stored with " + log.versionstamp());
          }
        }
        case REFUSED -> {
          refused++;
          if (log != null) {
            problem("refused request " + op.id() + " was written");
          }
          continue;
        }
        case UNKNOWN -> {
          unknown++;
          if (log == null) {
            continue;
          }
          unknownLanded++;
        }
      }
      if (!log.value().equals(KvValue.of(op.logValue()))) {
        problem("log of " + op.id() + " holds " + log.value() + ", sent " + op.logValue());
      }
      applied.add(op);
      stamps.put(op, log.versionstamp());
    }
    for (Key k : logs.keySet()) {
      if (!sent.contains(k)) {
        problem("log " + k + " belongs to no request that was sent");
      }
    }
    applied.sort(Comparator.comparing(stamps::get));
    checkVersionstamps(applied, stamps);
    for (Op op : applied) {
      landed.put(CrashWorkload.log(op.round(), op.client(), op.seq()), stamps.get(op));
    }
    checkGroups(kv, applied, stamps);
    checkCounters(kv, applied, stamps);
    checkPairs(kv, applied, stamps);
  }

  /** At the end: every request that ever landed is still there, and nothing else is logged. */
  void verifyEverything(KvClient kv) {
    long seen = 0;
    Iterator<KvEntry> all = kv.list(ListSelector.prefix(Key.of("log")),
        ListOptions.builder().batchSize(1000).build());
    while (all.hasNext()) {
      KvEntry e = all.next();
      seen++;
      Versionstamp want = landed.get(e.key());
      if (!e.versionstamp().equals(want)) {
        problem("log " + e.key() + " has " + e.versionstamp() + ", expected " + want);
      }
    }
    if (seen != landed.size()) {
      problem(seen + " logs in the database, " + landed.size() + " requests landed");
    }
  }

  private void checkVersionstamps(List<Op> applied, Map<Op, Versionstamp> stamps) {
    Versionstamp previous = newest;
    Map<Integer, Long> lastSeqOfClient = new HashMap<>();
    for (Op op : applied) {
      Versionstamp vs = stamps.get(op);
      if (previous != null && vs.compareTo(previous) <= 0) {
        problem("request " + op.id() + " has " + vs + ", not above " + previous);
      }
      // Each client waits for an answer before its next request: its commits are in its order.
      Long last = lastSeqOfClient.put(op.client(), op.seq());
      if (last != null && last > op.seq()) {
        problem("client " + op.client() + ": request " + op.seq() + " committed after "
            + last);
      }
      previous = vs;
    }
    newest = previous;
  }

  private void checkGroups(KvClient kv, List<Op> applied, Map<Op, Versionstamp> stamps) {
    for (Op op : applied) {
      if (op.kind() == Kind.GROUP) {
        groups[op.target()] = new State(op.id(), stamps.get(op));
      }
    }
    for (int g = 0; g < CrashWorkload.GROUPS; g++) {
      List<Key> keys = new ArrayList<>();
      for (int part = 0; part < CrashWorkload.GROUP_KEYS; part++) {
        keys.add(CrashWorkload.group(g, part));
      }
      List<KvEntry> got = kv.getMany(keys);
      for (KvEntry e : got) {
        expect(e, groups[g], "group " + g);
      }
    }
  }

  private void checkCounters(KvClient kv, List<Op> applied, Map<Op, Versionstamp> stamps) {
    for (Op op : applied) {
      if (op.kind() == Kind.SUM) {
        counts[op.target()]++;
        counterStamps[op.target()] = stamps.get(op);
      }
    }
    for (int k = 0; k < CrashWorkload.COUNTERS; k++) {
      State want = counts[k] == 0 ? ABSENT : new State(Long.toString(counts[k]), counterStamps[k]);
      for (KvEntry e : kv.getMany(List.of(CrashWorkload.counter(k), CrashWorkload.twin(k)))) {
        State got = e.exists()
            ? new State(Long.toString(e.value().asU64()), e.versionstamp()) : ABSENT;
        if (!got.equals(want)) {
          problem(e.key() + " is " + got + ", the requests that landed make it " + want);
        }
      }
    }
  }

  private void checkPairs(KvClient kv, List<Op> applied, Map<Op, Versionstamp> stamps) {
    for (Op op : applied) {
      if (op.kind() != Kind.CAS) {
        continue;
      }
      State before = pairs[op.target()];
      // Check-and-set: a request that landed checked exactly the version it replaced.
      if (!Objects.equals(op.checked(), before.versionstamp())) {
        problem("CAS " + op.id() + " on pair " + op.target() + " checked " + op.checked()
            + " but replaced " + before.versionstamp() + ": a lost update");
      }
      pairs[op.target()] = new State(op.id(), stamps.get(op));
    }
    for (int p = 0; p < CrashWorkload.PAIRS; p++) {
      for (KvEntry e : kv.getMany(List.of(CrashWorkload.pair(p, "a"),
          CrashWorkload.pair(p, "b")))) {
        expect(e, pairs[p], "pair " + p);
      }
    }
  }

  private void expect(KvEntry e, State want, String what) {
    State got = e.exists() ? new State(e.value().asString(), e.versionstamp()) : ABSENT;
    if (!got.equals(want)) {
      problem(what + ": " + e.key() + " is " + got + ", the requests that landed make it "
          + want + " (half-applied or lost)");
    }
  }
}
