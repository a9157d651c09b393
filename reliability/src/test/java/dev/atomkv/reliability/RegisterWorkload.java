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
import dev.atomkv.reliability.History.Write;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A few registers, each read, written blindly and written by check-and-set against the version the
 * client last read, by many clients at once: the classic linearizability workload.
 */
final class RegisterWorkload implements HistoryWorkload {
  private static final int REGISTERS = 3;

  /** The versionstamp each client last read of each register, for its check-and-sets. */
  private final Map<String, Versionstamp> lastRead = new ConcurrentHashMap<>();

  @Override
  public String name() {
    return "register";
  }

  @Override
  public void setUp(KvClient kv, History history) {}

  @Override
  public boolean step(KvClient kv, Random rnd, int client, long seq, History history) {
    int r = rnd.nextInt(REGISTERS);
    String name = "reg/" + r;
    Key key = Key.of("reg", r);
    int kind = rnd.nextInt(10);
    if (kind < 5) {
      long start = System.nanoTime();
      KvEntry e;
      try {
        e = kv.get(key);
      } catch (KvException failed) {
        return false; // a read that got no answer says nothing
      }
      long end = System.nanoTime();
      history.add(new Read(Map.of(name, e.exists()
          ? new Observed(e.versionstamp(), e.value().asString()) : Observed.ABSENT), start, end));
      if (e.exists()) {
        lastRead.put(client + "/" + name, e.versionstamp());
      } else {
        lastRead.remove(client + "/" + name);
      }
      return true;
    }
    String id = client + "-" + seq;
    AtomicOperation op = kv.atomic();
    List<Check> checks = List.of();
    if (kind >= 8) {
      Versionstamp expected = lastRead.get(client + "/" + name);
      op.check(key, expected);
      checks = List.of(new Check(name, expected));
    }
    op.set(key, KvValue.of(id)).set(Key.of("hlog", name(), id), KvValue.of(name));
    Attempt a = Attempt.commit(op);
    history.add(new Write(id, Map.of(name, id), checks, a.startNanos(), a.endNanos(),
        a.outcome(), a.versionstamp()));
    return a.outcome() != Outcome.UNKNOWN;
  }

  @Override
  public List<String> problems(KvClient kv) {
    return List.of();
  }
}
