package dev.atomkv.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Struct;
import dev.atomkv.cli.Cli;
import dev.atomkv.client.CommitResult;
import dev.atomkv.client.Consistency;
import dev.atomkv.client.Key;
import dev.atomkv.client.KvClient;
import dev.atomkv.client.KvValue;
import dev.atomkv.client.ListOptions;
import dev.atomkv.client.ListSelector;
import dev.atomkv.client.Versionstamp;
import dev.atomkv.server.engine.ClusterStatus;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * Snapshots and catch-up in a cluster of three real servers. A small snapshot interval and small
 * log segments make the leader purge its log within a few hundred writes, so a member that was
 * away, or lost its data directory, can only come back by copying a peer's store.
 */
class ClusterSnapshotIT {
  /** A snapshot every 40 entries and 64 KiB segments: ~1 KiB values fill a segment in ~60. */
  private static final String[] FLAGS = {"--raft-snapshot-every=40",
      "--raft-log-segment-bytes=64k"};

  @TempDir Path dir;

  private TestCluster cluster;
  private Random random;
  /** The size of each value written: ~1 KiB fills a 64 KiB segment in ~60 entries. */
  private int valueBytes = 1000;

  @BeforeEach
  void startCluster() throws IOException {
    long seed = Long.getLong("atomkv.test.seed", System.nanoTime());
    System.out.println("ClusterSnapshotIT seed=" + seed + " (rerun with -Datomkv.test.seed="
        + seed + ")");
    random = new Random(seed);
    cluster = TestCluster.start(dir, "snapshot-it", 3, FLAGS);
  }

  @AfterEach
  void stopCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }

  @Test
  void aMemberAwayWhileTheLogIsPurgedCatchesUpFromAPeersCopy() throws Exception {
    int leader = cluster.awaitLeader();
    Map<String, Versionstamp> written = new ConcurrentHashMap<>();
    write(leader, 0, 20, written);
    int away = (leader + 1) % 3;
    awaitApplied(away, status(leader).commitIndex());
    long awayApplied = status(away).appliedIndex();
    cluster.stop(away);

    write(leader, 20, 400, written);
    // The leader has purged the entries the stopped member would need next.
    assertTrue(status(leader).snapshotIndex() > awayApplied, "the leader took a snapshot");
    long firstKept = firstLogIndex(leader);
    assertTrue(firstKept > awayApplied + 1, "the leader's log starts at " + firstKept
        + ", after the stopped member's applied index " + awayApplied);
    assertLogBounded(leader);

    cluster.restart(away);
    awaitApplied(away, status(leader).commitIndex());
    assertTrue(status(away).snapshotInstalls() >= 1, "the member installed a peer's copy");
    Struct shown = cliStatus(away);
    assertTrue(Long.parseLong(shown.getFieldsOrThrow("snapshotInstalls").getStringValue()) >= 1,
        shown.toString());
    assertTrue(Long.parseLong(shown.getFieldsOrThrow("snapshotIndex").getStringValue())
        > awayApplied, shown.toString());
    assertSameEverywhere(written, Consistency.EVENTUAL);
    assertSameEverywhere(written, Consistency.STRONG);
    // It goes on applying the log after the copy, with versionstamps like everyone's.
    write(away, 420, 10, written);
    assertSameEverywhere(written, Consistency.STRONG);
  }

  /**
   * A leader stopped with every entry of its term applied, and a new leader whose log starts
   * right after them: it purged the old term's segment (a term begins a segment) and no longer
   * knows the term of the entry before its first. The old leader must still catch up, whether
   * from the log or from a copy. (Where the old leader's store ends exactly before the new
   * leader's first entry, Ratis alone would ask it for ever to install a snapshot it already
   * has; {@code CatchUpLogAppenderTest} pins that decision.)
   */
  @Test
  void aFormerLeaderCatchesUpAfterTheNextLeaderPurgedItsTerm() throws Exception {
    // Small entries: the new leader's open segment (64 KiB) holds all it writes below, so only
    // the old term's segment is purged.
    valueBytes = 20;
    int old = cluster.awaitLeader();
    Map<String, Versionstamp> written = new ConcurrentHashMap<>();
    write(old, 0, 20, written);
    for (int i = 0; i < 3; i++) {
      awaitApplied(i, status(old).commitIndex());
    }
    long oldApplied = status(old).appliedIndex();
    cluster.stop(old);
    int leader = awaitLeaderOtherThan(old);
    for (int from = 20; firstLogIndex(leader) <= oldApplied; from += 50) {
      assertTrue(from < 2000, "the leader never purged the old term's segment");
      write(leader, from, 50, written);
    }
    assertEquals(oldApplied + 1, firstLogIndex(leader),
        "the leader's log starts right after the old leader's last entry");

    cluster.restart(old);
    awaitApplied(old, status(leader).commitIndex());
    assertSameEverywhere(written, Consistency.STRONG);
    // Writes through it land everywhere; a strong read waits for each member to apply them.
    write(old, 5000, 10, written);
    assertSameEverywhere(written, Consistency.STRONG);
  }

  @Test
  void aWipedMemberIsRebuiltFromAPeerWhileWritesGoOn() throws Exception {
    int leader = cluster.awaitLeader();
    Map<String, Versionstamp> written = new ConcurrentHashMap<>();
    write(leader, 0, 200, written);
    assertTrue(firstLogIndex(leader) > 1, "the leader purged the start of its log");
    int wiped = (leader + 2) % 3;
    cluster.stop(wiped);
    deleteTree(cluster.dataDir(wiped));

    AtomicBoolean writing = new AtomicBoolean(true);
    AtomicInteger next = new AtomicInteger(1000);
    ExecutorService background = Executors.newSingleThreadExecutor();
    Future<?> writer = background.submit(() -> {
      while (writing.get()) {
        int n = next.getAndIncrement();
        CommitResult r = TestCluster.retryUntilOk(() ->
            cluster.client(leader).set(key(n), KvValue.of(value(n))));
        written.put(key(n).toString(), r.versionstamp());
      }
      return null;
    });
    try {
      cluster.restart(wiped);
      long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
      while (status(wiped).snapshotInstalls() == 0) {
        assertTrue(System.currentTimeMillis() < deadline, "no install within the wait");
        Thread.sleep(50);
      }
      // Writes keep landing after the install too: the member follows the log from the copy on.
      int installedAt = next.get();
      while (next.get() < installedAt + 20) {
        Thread.sleep(20);
      }
    } finally {
      writing.set(false);
      writer.get();
      background.shutdown();
    }
    assertTrue(next.get() > 1020, "writes went on during the rebuild: " + (next.get() - 1000));
    awaitApplied(wiped, status(leader).commitIndex());
    assertSameEverywhere(written, Consistency.EVENTUAL);
    assertSameEverywhere(written, Consistency.STRONG);
  }

  @Test
  void everyMemberRestartedAfterSnapshotsKeepsAllItsData() throws Exception {
    int leader = cluster.awaitLeader();
    Map<String, Versionstamp> written = new ConcurrentHashMap<>();
    write(leader, 0, 300, written);
    for (int i = 0; i < 3; i++) {
      awaitApplied(i, status(leader).commitIndex());
      assertTrue(status(i).snapshotIndex() > 0, "n" + (i + 1) + " took a snapshot");
      assertLogBounded(i);
    }
    for (int i = 0; i < 3; i++) {
      cluster.stop(i);
    }
    for (int i = 0; i < 3; i++) {
      cluster.restart(i);
    }
    int newLeader = cluster.awaitLeader();
    assertSameEverywhere(written, Consistency.STRONG);
    write(newLeader, 300, 10, written);
    assertSameEverywhere(written, Consistency.STRONG);
    for (int i = 0; i < 3; i++) {
      assertEquals(0, status(i).snapshotInstalls(), "no member needed a copy");
    }
  }

  // ---- helpers -----------------------------------------------------------------------------------

  private static Key key(int n) {
    return Key.of("k", n);
  }

  private String value(int n) {
    StringBuilder b = new StringBuilder(valueBytes);
    b.append(n).append(':');
    while (b.length() < valueBytes) {
      b.append((char) ('a' + random.nextInt(26)));
    }
    return b.toString();
  }

  /** Writes keys {@code from..from+count-1} through member {@code via}, eight at a time. */
  private void write(int via, int from, int count, Map<String, Versionstamp> written)
      throws Exception {
    List<String> values = new ArrayList<>();
    for (int n = from; n < from + count; n++) {
      values.add(value(n));
    }
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int n = from; n < from + count; n++) {
        int k = n;
        done.add(pool.submit(() -> {
          CommitResult r = TestCluster.retryUntilOk(() ->
              cluster.client(via).set(key(k), KvValue.of(values.get(k - from))));
          written.put(key(k).toString(), r.versionstamp());
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** {@code atomkv cluster-status} against member {@code i}, parsed. */
  private Struct cliStatus(int i) throws Exception {
    StringWriter out = new StringWriter();
    CommandLine cl = new CommandLine(new Cli());
    cl.setOut(new PrintWriter(out, true));
    int code = cl.execute("--target", "127.0.0.1:" + cluster.node(i).port(), "cluster-status");
    assertEquals(0, code, out.toString());
    return CliIT.parse(out.toString().strip());
  }

  private ClusterStatus status(int i) {
    return cluster.node(i).server().clusterStatus();
  }

  /** The leader the running members agree on, once it is not {@code stopped}. */
  private int awaitLeaderOtherThan(int stopped) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (true) {
      int leader = cluster.awaitLeader();
      if (leader != stopped) {
        return leader;
      }
      assertTrue(System.currentTimeMillis() < deadline, "no new leader within the wait");
      Thread.sleep(50);
    }
  }

  private void awaitApplied(int i, long index) throws InterruptedException {
    long deadline = System.currentTimeMillis() + TestCluster.WAIT_MS;
    while (status(i).appliedIndex() < index) {
      assertTrue(System.currentTimeMillis() < deadline, "n" + (i + 1) + " applied "
          + status(i).appliedIndex() + " of " + index + " within the wait");
      Thread.sleep(50);
    }
  }

  /** Every member holds every key written, with the same value and versionstamp. */
  private void assertSameEverywhere(Map<String, Versionstamp> written, Consistency consistency) {
    List<String> dumps = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      KvClient c = cluster.client(i);
      List<String> entries = c.stream(ListSelector.prefix(Key.of("k")),
              ListOptions.builder().consistency(consistency).build())
          .map(e -> e.key() + "=" + e.value().asString().hashCode() + "@" + e.versionstamp())
          .collect(Collectors.toList());
      assertEquals(written.size(), entries.size(), "entries on n" + (i + 1));
      dumps.add(String.join("\n", entries));
      List<String> stamps = c.stream(ListSelector.prefix(Key.of("k")),
              ListOptions.builder().consistency(consistency).build())
          .filter(e -> !e.versionstamp().equals(written.get(e.key().toString())))
          .map(e -> e.key().toString())
          .collect(Collectors.toList());
      assertTrue(stamps.isEmpty(), "versionstamps differ from the writes' on n" + (i + 1)
          + ": " + stamps);
    }
    assertEquals(dumps.get(0), dumps.get(1), consistency + " reads of n1 and n2");
    assertEquals(dumps.get(0), dumps.get(2), consistency + " reads of n1 and n3");
  }

  private List<Path> logSegments(int i) throws IOException {
    try (Stream<Path> files = Files.walk(cluster.dataDir(i).resolve("raft"))) {
      return files.filter(p -> p.getFileName().toString().startsWith("log_"))
          .collect(Collectors.toList());
    }
  }

  /** The first index of member {@code i}'s oldest log segment (log_START-END, log_inprogress_START). */
  private long firstLogIndex(int i) throws IOException {
    return logSegments(i).stream()
        .map(p -> p.getFileName().toString().replace("log_inprogress_", "").replace("log_", ""))
        .mapToLong(name -> Long.parseLong(name.split("-")[0]))
        .min().orElseThrow();
  }

  /**
   * The log on disk is a few segments, not everything written: segments behind the snapshot (and
   * the entries kept behind it) are gone.
   */
  private void assertLogBounded(int i) throws IOException {
    List<Path> segments = logSegments(i);
    long bytes = 0;
    for (Path p : segments) {
      bytes += Files.size(p);
    }
    assertTrue(segments.size() <= 6, "n" + (i + 1) + " keeps " + segments.size()
        + " segments: " + segments);
    assertTrue(bytes < 6 * 64 * 1024 + 4 * 1024 * 1024, "n" + (i + 1) + " log bytes " + bytes);
  }

  private static void deleteTree(Path root) throws IOException {
    try (Stream<Path> paths = Files.walk(root)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.delete(p);
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
    }
  }
}
