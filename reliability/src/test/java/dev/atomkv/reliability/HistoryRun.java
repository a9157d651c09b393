package dev.atomkv.reliability;

import dev.atomkv.client.Key;
import dev.atomkv.client.KvEntry;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Runs a {@link HistoryWorkload} against the server as a separate process, optionally killing it
 * with SIGKILL at seeded moments spread over the run and restarting it on the same data, then reads
 * back which writes landed and checks the whole history, across every restart, as one.
 */
final class HistoryRun {
  /**
   * What a run did and found.
   *
   * @param calls calls recorded in the history (reads and writes)
   * @param unknown writes whose answer was lost
   * @param violations of linearizability, then of the workload's own invariants; empty when good
   */
  record Result(long calls, long writes, long landed, long unknown, int crashes,
      List<String> violations) {}

  private HistoryRun() {}

  static Result run(Path dir, HistoryWorkload workload, int clients, long calls, int crashes,
      long seed) throws Exception {
    Path data = dir.resolve("data");
    History history = new History();
    Random rnd = new Random(seed);
    int incarnation = 0;
    ServerProcess server = ServerProcess.start(data, dir.resolve("server-0.log"), null);
    AtomicReference<Clients> current = new AtomicReference<>(new Clients(server, clients, 4));
    try {
      workload.setUp(current.get().first(), history);
      AtomicLong started = new AtomicLong();
      List<Thread> threads = new ArrayList<>();
      for (int c = 0; c < clients; c++) {
        int client = c;
        Random own = new Random(seed * 7919 + c);
        Thread t = new Thread(() -> {
          long seq = 0;
          while (started.getAndIncrement() < calls) {
            if (!workload.step(current.get().all().get(client), own, client, seq++, history)) {
              pause(); // no answer: the server is down until the run restarts it
            }
          }
        }, workload.name() + "-client-" + c);
        t.setDaemon(true);
        threads.add(t);
        t.start();
      }
      for (int k = 1; k <= crashes; k++) {
        long due = calls * k / (crashes + 1);
        while (started.get() < due) {
          Thread.sleep(5);
        }
        Thread.sleep(rnd.nextInt(100));
        server.kill();
        server = ServerProcess.start(data, dir.resolve("server-" + ++incarnation + ".log"), null);
        String problem = server.problemsInLog();
        if (problem != null) {
          throw new AssertionError("restart " + incarnation + ": " + problem);
        }
        current.getAndSet(new Clients(server, clients, 4)).close();
      }
      for (Thread t : threads) {
        t.join(600_000);
        if (t.isAlive()) {
          throw new AssertionError(t.getName() + " did not finish");
        }
      }
      for (KvEntry e : (Iterable<KvEntry>) current.get().first().stream(
          ListSelector.prefix(Key.of("hlog", workload.name())),
          ListOptions.builder().batchSize(1000).build())::iterator) {
        history.landed((String) e.key().parts().get(2), e.versionstamp());
      }
      List<String> violations = new ArrayList<>(LinearizabilityChecker.check(history));
      violations.addAll(workload.problems(current.get().first()));
      long unknown = history.writes().stream()
          .filter(w -> w.outcome() == Outcome.UNKNOWN).count();
      return new Result(history.size(), history.writes().size(), history.landed().size(),
          unknown, crashes, violations);
    } finally {
      current.get().close();
      server.stop();
    }
  }

  private static void pause() {
    try {
      Thread.sleep(100);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
