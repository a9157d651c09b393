package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.BackupResult;
import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.ErrorKind;
import dev.atomkv.server.model.Key;
import dev.atomkv.server.model.KeyCodec;
import dev.atomkv.server.model.KeyPart;
import dev.atomkv.server.model.KvException;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import dev.atomkv.server.model.Versionstamp;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** LmdbEngine#backup: an online copy that is exactly one snapshot of the commit history. */
class LmdbEngineBackupTest {
  private static final long MAP_SIZE = 256L << 20;
  private static final int WRITERS = 3;

  @TempDir Path dir;

  private final List<LmdbEngine> opened = new ArrayList<>();

  @AfterEach
  void tearDown() {
    opened.forEach(LmdbEngine::close);
  }

  /** One acknowledged write: the key, the value it set, the commit's versionstamp. */
  private record Acked(String key, String value, Versionstamp vs) {}

  @Test
  void backupWhileWritersCommitHoldsExactlyTheCommitsUpToItsVersionstamp() throws Exception {
    LmdbEngine engine = open(dir.resolve("original"));
    ConcurrentLinkedQueue<Acked> acked = new ConcurrentLinkedQueue<>();
    AtomicBoolean stop = new AtomicBoolean();
    AtomicInteger commits = new AtomicInteger();
    List<Thread> writers = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (int t = 0; t < WRITERS; t++) {
      int thread = t;
      Thread w = new Thread(() -> {
        try {
          for (int i = 0; !stop.get(); i++) {
            // A new key each time and an overwrite of this writer's hot key: the copy must hold
            // the hot key's value as of its snapshot, not an older or newer one.
            String fresh = "w" + thread + "/" + i;
            String hot = "hot/" + thread;
            String value = "v" + i;
            CommitResult r = engine.commit(new AtomicWrite(List.of(), List.of(
                Mutation.set(key(fresh), Value.string(value)),
                Mutation.set(key(hot), Value.string(value))))).get(10, TimeUnit.SECONDS);
            assertTrue(r.ok());
            acked.add(new Acked(fresh, value, r.versionstamp()));
            acked.add(new Acked(hot, value, r.versionstamp()));
            commits.incrementAndGet();
          }
        } catch (Throwable e) {
          synchronized (failures) {
            failures.add(e);
          }
        }
      }, "backup-test-writer-" + t);
      w.start();
      writers.add(w);
    }
    awaitCommits(commits, 200);

    Path backupDir = dir.resolve("backup");
    BackupResult backup = engine.backup(backupDir);
    int commitsAtBackup = commits.get();
    awaitCommits(commits, commitsAtBackup + 200);
    stop.set(true);
    for (Thread w : writers) {
      w.join(10_000);
    }
    assertTrue(failures.isEmpty(), () -> "writer failed: " + failures);

    assertEquals(backupDir.toAbsolutePath().normalize(), backup.directory());
    assertEquals(Versionstamp.MAX_POSITIONS - 1, backup.versionstamp().position());
    assertEquals(backup.lastCommitVersion(), backup.versionstamp().commitVersion());
    assertTrue(backup.sizeBytes() > 0);
    assertEquals(Files.size(backupDir.resolve("data.mdb")), backup.sizeBytes());
    assertFalse(Files.exists(backupDir.resolve("lock.mdb")), "the backup is left as written");

    // The snapshot the backup must equal: replay every acknowledged write at or below its
    // versionstamp, in versionstamp order.
    Map<String, Acked> expected = new TreeMap<>();
    long below = 0;
    long above = 0;
    List<Acked> inOrder = new ArrayList<>(acked);
    inOrder.sort((a, b) -> a.vs().compareTo(b.vs()));
    for (Acked a : inOrder) {
      if (a.vs().compareTo(backup.versionstamp()) <= 0) {
        expected.put(a.key(), a);
        below++;
      } else {
        above++;
      }
    }
    assertTrue(below > 0 && above > 0, "the backup was taken while writes ran: below=" + below
        + " above=" + above);

    // Open the copy the way a restore does: as the data directory of an engine (a copy of it, so
    // the backup itself stays untouched).
    Path restoredDir = dir.resolve("restored");
    Files.createDirectories(restoredDir);
    try (Stream<Path> files = Files.list(backupDir)) {
      for (Path f : files.toList()) {
        Files.copy(f, restoredDir.resolve(f.getFileName()), StandardCopyOption.COPY_ATTRIBUTES);
      }
    }
    LmdbEngine restored = open(restoredDir);
    List<StoredEntry> all = restored.list(new byte[] {0x00}, new byte[] {(byte) 0xff}, false,
        Integer.MAX_VALUE, Long.MAX_VALUE, e -> 1).entries();
    Map<String, StoredEntry> actual = new TreeMap<>();
    for (StoredEntry e : all) {
      assertTrue(e.versionstamp().compareTo(backup.versionstamp()) <= 0,
          () -> "entry above the backup's versionstamp: " + e.versionstamp());
      actual.put(name(e.key()), e);
    }
    assertEquals(expected.keySet(), actual.keySet());
    for (Acked a : expected.values()) {
      StoredEntry e = actual.get(a.key());
      assertEquals(a.vs(), e.versionstamp(), a.key());
      assertEquals(a.value(), new String(e.value().payload(), StandardCharsets.UTF_8), a.key());
    }

    // SPEC 1.3: the restored store issues versionstamps above everything the original issued.
    Versionstamp highestOriginal = inOrder.get(inOrder.size() - 1).vs();
    CommitResult next = restored.commit(new AtomicWrite(List.of(),
        List.of(Mutation.set(key("after-restore"), Value.string("x"))))).get(5, TimeUnit.SECONDS);
    assertTrue(next.versionstamp().compareTo(highestOriginal) > 0);
  }

  @Test
  void backupOfAnEmptyStoreOpensEmpty() throws Exception {
    LmdbEngine engine = open(dir.resolve("original"));
    BackupResult backup = engine.backup(dir.resolve("a/b/backup"));
    assertEquals(0, backup.lastCommitVersion());
    assertEquals("0000000000000000ffff", backup.versionstamp().toString());
    LmdbEngine restored = open(backup.directory());
    assertTrue(restored.get(List.of(key("x"))).get(0) == null);
  }

  @Test
  void refusesANonEmptyDirectoryOrAFile() throws Exception {
    LmdbEngine engine = open(dir.resolve("original"));
    Path full = Files.createDirectories(dir.resolve("full"));
    Files.writeString(full.resolve("something"), "x");
    KvException e = assertThrows(KvException.class, () -> engine.backup(full));
    assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
    assertTrue(e.getMessage().startsWith("backup directory must be empty"), e.getMessage());

    Path file = Files.writeString(dir.resolve("file"), "x");
    e = assertThrows(KvException.class, () -> engine.backup(file));
    assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
  }

  @Test
  void refusedOnceClosed() {
    LmdbEngine engine = open(dir.resolve("original"));
    engine.close();
    KvException e = assertThrows(KvException.class, () -> engine.backup(dir.resolve("late")));
    assertEquals(ErrorKind.UNAVAILABLE, e.kind());
  }

  private static void awaitCommits(AtomicInteger commits, int atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (commits.get() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("writers stalled at " + commits.get() + " commits");
      }
      Thread.sleep(5);
    }
  }

  private LmdbEngine open(Path dataDir) {
    LmdbEngine engine = LmdbEngine.open(EngineOptions.builder(dataDir).mapSizeBytes(MAP_SIZE)
        .syncMode(SyncMode.FULL).sweepIntervalMs(3_600_000).build());
    opened.add(engine);
    return engine;
  }

  private static byte[] key(String name) {
    return KeyCodec.encode(new Key(List.of(new KeyPart.Text(name))));
  }

  private static String name(byte[] encoded) {
    // One string part: 0x02, the UTF-8 bytes (no 0x00 in these names), 0x00.
    assertEquals(0x02, encoded[0], () -> HexFormat.of().formatHex(encoded));
    return new String(encoded, 1, encoded.length - 2, StandardCharsets.UTF_8);
  }
}
