package dev.atomkv.reliability;

import dev.atomkv.client.KvClient;
import java.util.List;
import java.util.Random;

/** A workload whose calls {@link HistoryRun} records into a {@link History} and then checks. */
interface HistoryWorkload {
  /** Names its log keys, {@code ["hlog", name, write id]}. */
  String name();

  /** Runs once before the clients start. */
  void setUp(KvClient kv, History history);

  /**
   * One call (or a read and the write that depends on it) by {@code client}; every call is
   * recorded, a call that fails for lack of a server is recorded as unknown or not at all.
   *
   * @return false when a call got no answer (the server is probably down)
   */
  boolean step(KvClient kv, Random rnd, int client, long seq, History history);

  /** What the workload's own invariants say about the run, beyond linearizability. */
  List<String> problems(KvClient kv);
}
