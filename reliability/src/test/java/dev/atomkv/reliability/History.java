package dev.atomkv.reliability;

import dev.atomkv.client.Versionstamp;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Every call of a history workload, with its start and end on the client's monotonic clock, and
 * afterwards the versionstamps of the writes that landed (each write also sets a log key of its own,
 * read back at the end), so that the fate of every write is known even where its answer was lost.
 * Keys are named by strings ("reg/1"), values are whatever the workload stores (ids, balances), or
 * a {@link Sum} that adds to the key's u64.
 * Thread-safe for recording.
 */
final class History {
  /** A versionstamp check of a write: {@code expected} null means "the key is absent". */
  record Check(String key, Versionstamp expected) {}

  /**
   * One Atomic call.
   *
   * @param id unique; the key of its log entry
   * @param sets the keys it sets and their values
   * @param checks its versionstamp checks (empty for a blind write)
   * @param versionstamp the acknowledged versionstamp when {@code outcome} is OK, else null
   */
  record Write(String id, Map<String, Object> sets, List<Check> checks, long startNanos,
      long endNanos, Outcome outcome, Versionstamp versionstamp) {}

  /**
   * The value a write sets by adding to a u64 (a sum), in place of a plain value in {@link
   * Write#sets}: what it stores depends on the writes before it, which the checker knows only once
   * the order of the writes that landed is known.
   */
  record Sum(long delta) {}

  /** What a read saw of one key: {@code versionstamp} and {@code value} null when absent. */
  record Observed(Versionstamp versionstamp, Object value) {
    static final Observed ABSENT = new Observed(null, null);
  }

  /** One successful Get: every key it read, all from one snapshot. */
  record Read(Map<String, Observed> observed, long startNanos, long endNanos) {}

  private final ConcurrentLinkedQueue<Write> writes = new ConcurrentLinkedQueue<>();
  private final ConcurrentLinkedQueue<Read> reads = new ConcurrentLinkedQueue<>();
  private final Map<String, Versionstamp> landed = new HashMap<>();

  void add(Write w) {
    writes.add(w);
  }

  void add(Read r) {
    reads.add(r);
  }

  /** Records that the write with this id is in the database with this versionstamp. */
  void landed(String id, Versionstamp versionstamp) {
    landed.put(id, versionstamp);
  }

  List<Write> writes() {
    return List.copyOf(writes);
  }

  List<Read> reads() {
    return List.copyOf(reads);
  }

  Map<String, Versionstamp> landed() {
    return Map.copyOf(landed);
  }

  int size() {
    return writes.size() + reads.size();
  }
}
