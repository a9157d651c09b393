package dev.atomkv.reliability;

import dev.atomkv.client.AtomicOperation;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.KvException;
import dev.atomkv.client.KvValue;
import dev.atomkv.reliability.History.Check;
import dev.atomkv.reliability.History.Observed;
import dev.atomkv.reliability.History.Read;
import dev.atomkv.reliability.History.Write;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Accounts holding u64 balances; transfers read two accounts in one snapshot and write both by
 * check-and-set on their versionstamps, so the total stays constant and no balance goes below
 * zero (it would wrap to a huge u64). Audits read every account in one snapshot.
 */
final class BankWorkload implements HistoryWorkload {
  static final int ACCOUNTS = 8;
  static final long INITIAL = 100;
  static final long TOTAL = ACCOUNTS * INITIAL;

  private final ConcurrentLinkedQueue<String> problems = new ConcurrentLinkedQueue<>();

  @Override
  public String name() {
    return "bank";
  }

  private static Key account(int i) {
    return Key.of("account", i);
  }

  @Override
  public void setUp(KvClient kv, History history) {
    AtomicOperation op = kv.atomic();
    Map<String, Object> sets = new LinkedHashMap<>();
    List<Check> checks = new ArrayList<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      op.checkAbsent(account(i)).set(account(i), KvValue.u64(INITIAL));
      sets.put("account/" + i, INITIAL);
      checks.add(new Check("account/" + i, null));
    }
    op.set(Key.of("hlog", name(), "open"), KvValue.of("open"));
    Attempt a = Attempt.commit(op);
    if (a.outcome() != Outcome.OK) {
      throw new IllegalStateException("opening the accounts failed: " + a);
    }
    history.add(new Write("open", sets, checks, a.startNanos(), a.endNanos(), a.outcome(),
        a.versionstamp()));
  }

  @Override
  public boolean step(KvClient kv, Random rnd, int client, long seq, History history) {
    if (rnd.nextInt(10) < 3) {
      List<Key> all = new ArrayList<>();
      for (int i = 0; i < ACCOUNTS; i++) {
        all.add(account(i));
      }
      List<KvEntry> got = read(kv, all, history);
      if (got != null) {
        audit(got);
      }
      return got != null;
    }
    int from = rnd.nextInt(ACCOUNTS);
    int to = (from + 1 + rnd.nextInt(ACCOUNTS - 1)) % ACCOUNTS;
    List<KvEntry> got = read(kv, List.of(account(from), account(to)), history);
    if (got == null || got.get(0).value().asU64() == 0) {
      return got != null;
    }
    long balance = got.get(0).value().asU64();
    long amount = 1 + rnd.nextInt((int) Math.min(balance, 10));
    long toBalance = got.get(1).value().asU64();
    String id = client + "-" + seq;
    AtomicOperation op = kv.atomic().check(got.get(0), got.get(1))
        .set(account(from), KvValue.u64(balance - amount))
        .set(account(to), KvValue.u64(toBalance + amount))
        .set(Key.of("hlog", name(), id), KvValue.of(from + " -> " + to + ": " + amount));
    Attempt a = Attempt.commit(op);
    Map<String, Object> sets = new LinkedHashMap<>();
    sets.put("account/" + from, balance - amount);
    sets.put("account/" + to, toBalance + amount);
    history.add(new Write(id, sets, List.of(
        new Check("account/" + from, got.get(0).versionstamp()),
        new Check("account/" + to, got.get(1).versionstamp())),
        a.startNanos(), a.endNanos(), a.outcome(), a.versionstamp()));
    return a.outcome() != Outcome.UNKNOWN;
  }

  /** One recorded Get of these accounts, or null if it got no answer. */
  private static List<KvEntry> read(KvClient kv, List<Key> keys, History history) {
    long start = System.nanoTime();
    List<KvEntry> got;
    try {
      got = kv.getMany(keys);
    } catch (KvException e) {
      return null;
    }
    long end = System.nanoTime();
    Map<String, Observed> seen = new LinkedHashMap<>();
    for (KvEntry e : got) {
      seen.put("account/" + e.key().parts().get(1), e.exists()
          ? new Observed(e.versionstamp(), e.value().asU64()) : Observed.ABSENT);
    }
    history.add(new Read(seen, start, end));
    return got;
  }

  private void audit(List<KvEntry> accounts) {
    long sum = 0;
    for (KvEntry e : accounts) {
      long b = e.value().asU64();
      if (b < 0 || b > TOTAL) {
        problems.add("a balance left [0, " + TOTAL + "]: " + accounts);
      }
      sum += b;
    }
    if (sum != TOTAL) {
      problems.add("the balances add up to " + sum + ", not " + TOTAL + ": " + accounts);
    }
  }

  @Override
  public List<String> problems(KvClient kv) {
    List<Key> all = new ArrayList<>();
    for (int i = 0; i < ACCOUNTS; i++) {
      all.add(account(i));
    }
    audit(kv.getMany(all));
    return List.copyOf(problems);
  }
}
