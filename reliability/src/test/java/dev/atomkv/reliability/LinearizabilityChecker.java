package dev.atomkv.reliability;

import dev.atomkv.client.Versionstamp;
import dev.atomkv.reliability.History.Check;
import dev.atomkv.reliability.History.Observed;
import dev.atomkv.reliability.History.Read;
import dev.atomkv.reliability.History.Write;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Checks that a {@link History} is linearizable, in time near-linear in its size.
 *
 * <p>General linearizability checking is NP-complete, but here every write that landed carries a
 * unique versionstamp, and the one writer gives versionstamps in commit order: the order of the
 * writes is known, only their instants are not. So the question becomes whether instants {@code x0
 * <= x1 <= ...} exist, one per landed write in versionstamp order, each inside its call's interval
 * (an unanswered call has no end), such that every read can be placed inside its own interval at
 * a cut of that order where each key it read has the version it returned. A read that returned
 * versions (v_k) is at a cut {@code p} with {@code max pos(v_k) <= p < min next_k}, where next_k is
 * the next write of key k after v_k; it can be placed iff {@code x[lo] <= read.end} and {@code
 * x[hi] >= read.start} for the bounds of that range. Those are upper and lower bounds on single
 * instants, so after applying them a forward pass taking {@code x_i = max(lower bounds up to i)}
 * finds instants exactly when any exist.
 *
 * <p>Besides that it checks what the versionstamps alone say: an acknowledged write landed with its
 * versionstamp (a lost write), a refused one did not, no two writes share a versionstamp, a read
 * returns the value the write of that versionstamp set, a multi-key read is one snapshot, and a
 * check-and-set that landed replaced exactly the version it checked (a lost update). A sum's
 * value is worked out from the sums before it in commit order, so a read of a counter must return
 * exactly the sums that landed up to the version it saw.
 */
final class LinearizabilityChecker {
  /** Enough to diagnose; a broken history would otherwise print thousands of lines. */
  private static final int MAX_VIOLATIONS = 20;

  private final List<Write> writes;
  private final List<Read> reads;
  private final Map<String, Versionstamp> landed;
  private final long origin;
  private final List<String> violations = new ArrayList<>();

  private LinearizabilityChecker(History history) {
    this.writes = history.writes();
    this.reads = history.reads();
    this.landed = history.landed();
    long min = Long.MAX_VALUE;
    for (Write w : writes) {
      min = Math.min(min, w.startNanos());
    }
    for (Read r : reads) {
      min = Math.min(min, r.startNanos());
    }
    this.origin = min;
  }

  /** The violations found; empty when the history is linearizable. */
  static List<String> check(History history) {
    LinearizabilityChecker c = new LinearizabilityChecker(history);
    c.run();
    return c.violations;
  }

  private void run() {
    List<Write> order = landedInOrder();
    int n = order.size();
    Map<Versionstamp, Integer> position = new HashMap<>();
    Map<String, List<Integer>> writesOfKey = new HashMap<>();
    for (int i = 0; i < n; i++) {
      Versionstamp vs = landed.get(order.get(i).id());
      if (position.put(vs, i) != null) {
        violation("two writes landed with versionstamp " + vs);
      }
      for (String key : order.get(i).sets().keySet()) {
        writesOfKey.computeIfAbsent(key, k -> new ArrayList<>()).add(i);
      }
    }
    checkChecks(order, writesOfKey);
    List<Map<String, Object>> stored = storedValues(order);

    long[] lower = new long[n];
    long[] upper = new long[n];
    String[] lowerWhy = new String[n];
    String[] upperWhy = new String[n];
    for (int i = 0; i < n; i++) {
      Write w = order.get(i);
      lower[i] = w.startNanos();
      lowerWhy[i] = "the start of write " + w.id();
      upper[i] = w.outcome() == Outcome.OK ? w.endNanos() : Long.MAX_VALUE;
      upperWhy[i] = "its own answer";
    }
    for (Read r : reads) {
      int lo = -1;
      int hi = n;
      for (Map.Entry<String, Observed> e : r.observed().entrySet()) {
        List<Integer> chain = writesOfKey.getOrDefault(e.getKey(), List.of());
        Observed seen = e.getValue();
        int at = -1;
        if (seen.versionstamp() != null) {
          Integer p = position.get(seen.versionstamp());
          if (p == null || !order.get(p).sets().containsKey(e.getKey())) {
            violation("a read at " + interval(r.startNanos(), r.endNanos()) + " returned "
                + e.getKey() + " with " + seen.versionstamp() + ", which no write of that key has");
            continue;
          }
          Object written = stored.get(p).get(e.getKey());
          if (!written.equals(seen.value())) {
            violation("a read returned " + e.getKey() + " = " + seen.value() + " with "
                + seen.versionstamp() + ", but that write set " + written);
          }
          at = p;
        }
        int next = Collections.binarySearch(chain, at + 1);
        next = next >= 0 ? next : -next - 1;
        lo = Math.max(lo, at);
        hi = Math.min(hi, next < chain.size() ? chain.get(next) : n);
      }
      if (lo >= hi) {
        violation("a read at " + interval(r.startNanos(), r.endNanos())
            + " is not one snapshot: " + r.observed());
        continue;
      }
      if (lo >= 0 && r.endNanos() < upper[lo]) {
        upper[lo] = r.endNanos();
        upperWhy[lo] = "a read that saw it and ended at " + ms(r.endNanos());
      }
      if (hi < n && r.startNanos() > lower[hi]) {
        lower[hi] = r.startNanos();
        lowerWhy[hi] = "a read that started at " + ms(r.startNanos()) + " and saw the version "
            + "before it";
      }
    }
    long earliest = Long.MIN_VALUE;
    String earliestWhy = "";
    for (int i = 0; i < n; i++) {
      if (lower[i] > earliest) {
        earliest = lower[i];
        earliestWhy = lowerWhy[i];
      }
      if (earliest > upper[i]) {
        Write w = order.get(i);
        violation("write " + w.id() + " (" + landed.get(w.id()) + ", call "
            + interval(w.startNanos(), w.endNanos()) + ") cannot take effect in commit order: "
            + "not before " + ms(earliest) + " (" + earliestWhy + ") and not after "
            + ms(upper[i]) + " (" + upperWhy[i] + ")");
        earliest = upper[i];
      }
    }
  }

  /** Landed writes in versionstamp order, after checking each write's fate against its answer. */
  private List<Write> landedInOrder() {
    Set<String> ids = new HashSet<>();
    List<Write> order = new ArrayList<>();
    for (Write w : writes) {
      if (!ids.add(w.id())) {
        violation("two writes with id " + w.id());
      }
      Versionstamp vs = landed.get(w.id());
      switch (w.outcome()) {
        case OK -> {
          if (vs == null) {
            violation("acknowledged write " + w.id() + " (" + w.versionstamp() + ") is lost");
            continue;
          }
          if (!vs.equals(w.versionstamp())) {
            violation("write " + w.id() + " was acknowledged with " + w.versionstamp()
                + " but landed with " + vs);
          }
        }
        case REFUSED -> {
          if (vs != null) {
            violation("refused write " + w.id() + " landed with " + vs);
          }
          continue;
        }
        case UNKNOWN -> {
          if (vs == null) {
            continue;
          }
        }
      }
      order.add(w);
    }
    for (String id : landed.keySet()) {
      if (!ids.contains(id)) {
        violation("a write " + id + " landed that was never sent");
      }
    }
    order.sort(Comparator.comparing(w -> landed.get(w.id())));
    return order;
  }

  /**
   * What each landed write left in each key it set, in commit order: its value, or for a {@link
   * History.Sum} the key's u64 before it (0 when absent) plus the delta.
   */
  private static List<Map<String, Object>> storedValues(List<Write> order) {
    Map<String, Object> current = new HashMap<>();
    List<Map<String, Object>> stored = new ArrayList<>(order.size());
    for (Write w : order) {
      Map<String, Object> values = new HashMap<>();
      for (Map.Entry<String, Object> e : w.sets().entrySet()) {
        Object value = e.getValue();
        if (value instanceof History.Sum sum) {
          long before = current.get(e.getKey()) instanceof Long l ? l : 0L;
          value = before + sum.delta();
        }
        current.put(e.getKey(), value);
        values.put(e.getKey(), value);
      }
      stored.add(values);
    }
    return stored;
  }

  /** A write that landed after checking a key replaced exactly the version it checked. */
  private void checkChecks(List<Write> order, Map<String, List<Integer>> writesOfKey) {
    for (int i = 0; i < order.size(); i++) {
      for (Check c : order.get(i).checks()) {
        List<Integer> chain = writesOfKey.getOrDefault(c.key(), List.of());
        int before = Collections.binarySearch(chain, i);
        before = before >= 0 ? before - 1 : -before - 2;
        Versionstamp replaced = before < 0 ? null
            : landed.get(order.get(chain.get(before)).id());
        if (!Objects.equals(replaced, c.expected())) {
          violation("write " + order.get(i).id() + " checked " + c.key() + " at "
              + (c.expected() == null ? "absent" : c.expected()) + " but the version it replaced"
              + " is " + (replaced == null ? "absent" : replaced) + ": a lost update");
        }
      }
    }
  }

  private void violation(String text) {
    if (violations.size() < MAX_VIOLATIONS) {
      violations.add(text);
    }
  }

  private String interval(long start, long end) {
    return "[" + ms(start) + ", " + (end == Long.MAX_VALUE ? "no answer" : ms(end)) + "]";
  }

  private String ms(long nanos) {
    return nanos == Long.MAX_VALUE ? "never" : String.format("%.3f ms", (nanos - origin) / 1e6);
  }

  /** For messages in tests. */
  static String describe(List<String> violations) {
    return violations.isEmpty() ? "linearizable" : String.join("\n", violations)
        + (violations.size() == MAX_VIOLATIONS ? "\n(more not shown)" : "");
  }
}
