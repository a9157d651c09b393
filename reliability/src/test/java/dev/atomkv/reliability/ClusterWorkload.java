package dev.atomkv.reliability;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.reliability.History.Check;
import dev.atomkv.reliability.History.Observed;
import dev.atomkv.reliability.History.Read;
import dev.atomkv.reliability.History.Sum;
import dev.atomkv.reliability.History.Write;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The cluster history's calls, all under the key prefix {@code ["ch"]}: three registers read with
 * strong Gets, written blindly and by check-and-set against the version the client last read; a
 * counter and its twin, both summed by 1 in one Atomic (a read of both in one Get must see them
 * agree: half a write would show as a torn snapshot); and strong Gets of all five keys at once.
 * Every write also sets its own log key {@code ["ch", "hlog", id]}, whose versionstamp tells after
 * the run whether and how it landed.
 */
final class ClusterWorkload {
  static final Key PREFIX = Key.of("ch");
  private static final int REGISTERS = 3;
  private static final List<String> NAMES = List.of("reg/0", "reg/1", "reg/2", "counter", "twin");

  /** The versionstamp each client last read of each register, for its check-and-sets. */
  private final Map<String, Versionstamp> lastRead = new ConcurrentHashMap<>();

  private static Key key(String name) {
    return PREFIX.append((Object[]) name.split("/"));
  }

  static Key log(String id) {
    return PREFIX.append("hlog", id);
  }

  static List<Key> allKeys() {
    return NAMES.stream().map(ClusterWorkload::key).toList();
  }

  /**
   * One call by {@code client}, recorded in {@code history}.
   *
   * @return false when it got no answer (the member is probably down)
   */
  boolean step(KvClient kv, Random rnd, int client, long seq, History history) {
    int kind = rnd.nextInt(10);
    if (kind < 3) {
      String name = "reg/" + rnd.nextInt(REGISTERS);
      Map<String, KvEntry> got = read(kv, List.of(name), history);
      if (got != null) {
        remember(client, name, got.get(name));
      }
      return got != null;
    }
    if (kind == 3) {
      Map<String, KvEntry> got = read(kv, NAMES, history);
      if (got != null) {
        for (int r = 0; r < REGISTERS; r++) {
          remember(client, "reg/" + r, got.get("reg/" + r));
        }
      }
      return got != null;
    }
    String id = client + "-" + seq;
    AtomicOperation op = kv.atomic().set(log(id), KvValue.of("w"));
    Map<String, Object> sets = new LinkedHashMap<>();
    List<Check> checks = List.of();
    if (kind < 8) {
      String name = "reg/" + rnd.nextInt(REGISTERS);
      if (kind >= 6) {
        Versionstamp expected = lastRead.get(client + "/" + name);
        op.check(key(name), expected);
        checks = List.of(new Check(name, expected));
      }
      op.set(key(name), KvValue.of(id));
      sets.put(name, id);
    } else {
      op.sum(key("counter"), 1).sum(key("twin"), 1);
      sets.put("counter", new Sum(1));
      sets.put("twin", new Sum(1));
    }
    Attempt a = Attempt.commit(op);
    history.add(new Write(id, sets, checks, a.startNanos(), a.endNanos(), a.outcome(),
        a.versionstamp()));
    return a.outcome() != Outcome.UNKNOWN;
  }

  private void remember(int client, String name, KvEntry e) {
    if (e.exists()) {
      lastRead.put(client + "/" + name, e.versionstamp());
    } else {
      lastRead.remove(client + "/" + name);
    }
  }

  /** One strong Get of these keys, recorded; null if it got no answer. */
  private static Map<String, KvEntry> read(KvClient kv, List<String> names, History history) {
    List<Key> keys = names.stream().map(ClusterWorkload::key).toList();
    long start = System.nanoTime();
    List<KvEntry> got;
    try {
      got = kv.getMany(keys);
    } catch (KvException e) {
      return null;
    }
    long end = System.nanoTime();
    Map<String, KvEntry> byName = new LinkedHashMap<>();
    Map<String, Observed> seen = new LinkedHashMap<>();
    for (int i = 0; i < names.size(); i++) {
      KvEntry e = got.get(i);
      byName.put(names.get(i), e);
      seen.put(names.get(i), observed(names.get(i), e));
    }
    history.add(new Read(seen, start, end));
    return byName;
  }

  private static Observed observed(String name, KvEntry e) {
    if (!e.exists()) {
      return Observed.ABSENT;
    }
    Object value = name.startsWith("reg/") ? e.value().asString() : (Object) e.value().asU64();
    return new Observed(e.versionstamp(), value);
  }

  /**
   * What a member must hold once every write has landed or not: each register the id of the last
   * landed write that set it, the counter and its twin the number of landed sums, each with the
   * versionstamp of that last write. Returns the differences, empty when it holds exactly that.
   */
  static List<String> finalStateProblems(History history, String member, List<KvEntry> entries) {
    Map<String, Versionstamp> landed = history.landed();
    List<Write> order = new ArrayList<>(history.writes().stream()
        .filter(w -> landed.containsKey(w.id())).toList());
    order.sort(Comparator.comparing(w -> landed.get(w.id())));
    Map<String, Observed> want = new HashMap<>();
    for (Write w : order) {
      for (Map.Entry<String, Object> s : w.sets().entrySet()) {
        Object value = s.getValue();
        if (value instanceof Sum sum) {
          Observed before = want.get(s.getKey());
          value = (before == null ? 0L : (Long) before.value()) + sum.delta();
        }
        want.put(s.getKey(), new Observed(landed.get(w.id()), value));
      }
    }
    List<String> problems = new ArrayList<>();
    for (int i = 0; i < NAMES.size(); i++) {
      String name = NAMES.get(i);
      Observed expected = want.getOrDefault(name, Observed.ABSENT);
      Observed got = observed(name, entries.get(i));
      if (!Objects.equals(expected, got)) {
        problems.add(member + " holds " + name + " = " + got + ", the writes that landed make it "
            + expected);
      }
    }
    return problems;
  }
}
