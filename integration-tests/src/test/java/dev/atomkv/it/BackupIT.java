package dev.atomkv.it;

import static dev.atomkv.it.Wire.assertStatus;
import static dev.atomkv.it.Wire.atomic;
import static dev.atomkv.it.Wire.checkVersionstamp;
import static dev.atomkv.it.Wire.commitOk;
import static dev.atomkv.it.Wire.everything;
import static dev.atomkv.it.Wire.get;
import static dev.atomkv.it.Wire.key;
import static dev.atomkv.it.Wire.set;
import static dev.atomkv.it.Wire.stringValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.atomkv.proto.v1.AdminServiceGrpc;
import dev.atomkv.proto.v1.AtomicResponse;
import dev.atomkv.proto.v1.BackupRequest;
import dev.atomkv.proto.v1.BackupResponse;
import dev.atomkv.proto.v1.Entry;
import dev.atomkv.proto.v1.Key;
import dev.atomkv.proto.v1.KvServiceGrpc.KvServiceBlockingStub;
import dev.atomkv.proto.v1.Value;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * AdminService/Backup through the real server while writers run, and a restore: a second server
 * started on the backup directory serves exactly the snapshot, and versionstamps from the original
 * after the backup mean nothing there (SPEC 1.3).
 */
class BackupIT {
  private static final int WRITERS = 2;
  private static final Comparator<ByteString> UNSIGNED =
      ByteString.unsignedLexicographicalComparator();

  @TempDir Path dir;

  /** An acknowledged write: what it set and the versionstamp it was acknowledged with. */
  private record Acked(Key key, Value value, ByteString vs) {}

  @Test
  void aBackupTakenUnderWritesRestoresToItsSnapshot() throws Exception {
    Path backupDir = dir.resolve("backups/first");
    BackupResponse backup;
    ByteString readAfterBackup;
    ByteString highestOriginal;
    List<Acked> acked;
    try (RunningServer original = RunningServer.start(dir.resolve("original"))) {
      ConcurrentLinkedQueue<Acked> log = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      AtomicInteger commits = new AtomicInteger();
      List<Throwable> failures = new ArrayList<>();
      List<Thread> writers = new ArrayList<>();
      for (int t = 0; t < WRITERS; t++) {
        int writer = t;
        Thread w = new Thread(() -> {
          try {
            KvServiceBlockingStub stub = original.stub();
            for (int i = 0; !stop.get(); i++) {
              Key fresh = key("w" + writer + "/" + i);
              Key hot = key("hot/" + writer);
              Value value = stringValue("v" + i);
              ByteString vs = stub.withDeadlineAfter(10, TimeUnit.SECONDS)
                  .atomic(atomic(set(fresh, value), set(hot, value))).getVersionstamp();
              log.add(new Acked(fresh, value, vs));
              log.add(new Acked(hot, value, vs));
              commits.incrementAndGet();
            }
          } catch (Throwable e) {
            synchronized (failures) {
              failures.add(e);
            }
          }
        }, "backup-it-writer-" + t);
        w.start();
        writers.add(w);
      }
      awaitCommits(commits, 100);

      backup = admin(original).backup(
          BackupRequest.newBuilder().setDirectory(backupDir.toString()).build());

      int atBackup = commits.get();
      awaitCommits(commits, atBackup + 100);
      // A versionstamp a client read from the original after the backup.
      readAfterBackup = get(original.stub(), key("hot/0")).getVersionstamp();
      stop.set(true);
      for (Thread w : writers) {
        w.join(10_000);
      }
      assertTrue(failures.isEmpty(), () -> "writer failed: " + failures);
      acked = new ArrayList<>(log);
      acked.sort((a, b) -> UNSIGNED.compare(a.vs(), b.vs()));
      highestOriginal = acked.get(acked.size() - 1).vs();
    }

    assertEquals(backupDir.toAbsolutePath().normalize().toString(), backup.getDirectory());
    assertEquals(10, backup.getVersionstamp().size());
    assertEquals(ByteString.copyFrom(new byte[] {(byte) 0xff, (byte) 0xff}),
        backup.getVersionstamp().substring(8));
    assertEquals(Files.size(backupDir.resolve("data.mdb")), backup.getSizeBytes());
    assertTrue(UNSIGNED.compare(readAfterBackup, backup.getVersionstamp()) > 0);

    // The snapshot the backup must equal: every acknowledged write at or below its versionstamp,
    // replayed in versionstamp order.
    Map<Key, Acked> expected = new HashMap<>();
    int below = 0;
    for (Acked a : acked) {
      if (UNSIGNED.compare(a.vs(), backup.getVersionstamp()) <= 0) {
        expected.put(a.key(), a);
        below++;
      }
    }
    assertTrue(below > 0 && below < acked.size(),
        "the backup was taken while writes ran: " + below + " of " + acked.size() + " below it");

    // Restore: a server whose data directory is the backup.
    try (RunningServer restored = RunningServer.start(backupDir)) {
      KvServiceBlockingStub stub = restored.stub();
      List<Entry> contents = everything(stub);
      Map<Key, Entry> actual = new HashMap<>();
      for (Entry e : contents) {
        assertTrue(UNSIGNED.compare(e.getVersionstamp(), backup.getVersionstamp()) <= 0,
            () -> "entry above the backup's versionstamp: " + e);
        actual.put(e.getKey(), e);
      }
      assertEquals(expected.keySet(), actual.keySet());
      for (Acked a : expected.values()) {
        Entry e = actual.get(a.key());
        assertEquals(a.value(), e.getValue(), a.key().toString());
        assertEquals(a.vs(), e.getVersionstamp(), a.key().toString());
      }

      // A check holding a versionstamp read from the original after the backup fails here.
      AtomicResponse stale = stub.atomic(atomic(
          List.of(checkVersionstamp(key("hot/0"), readAfterBackup)),
          List.of(set(key("hot/0"), stringValue("stale write")))));
      assertFalse(stale.getOk());
      assertEquals(List.of(0), stale.getFailedChecksList());
      assertEquals(ByteString.EMPTY, stale.getVersionstamp());

      // New commits on the restored server are stamped above everything the original issued.
      ByteString next = commitOk(stub, atomic(set(key("after-restore"), stringValue("x"))));
      assertTrue(UNSIGNED.compare(next, backup.getVersionstamp()) > 0);
      assertTrue(UNSIGNED.compare(next, highestOriginal) > 0);
      assertTrue(UNSIGNED.compare(next, readAfterBackup) > 0);
    }
  }

  @Test
  void refusesANonEmptyDirectoryAndAnEmptyPath() throws Exception {
    try (RunningServer server = RunningServer.start(dir.resolve("data"))) {
      commitOk(server.stub(), atomic(set(key("k"), stringValue("v"))));
      Path full = Files.createDirectories(dir.resolve("full"));
      Files.writeString(full.resolve("notes.txt"), "keep me");

      assertStatus(Status.Code.INVALID_ARGUMENT, "backup directory must be empty: " + full,
          () -> admin(server).backup(
              BackupRequest.newBuilder().setDirectory(full.toString()).build()));
      assertEquals(List.of(full.resolve("notes.txt")), Files.list(full).toList());

      assertStatus(Status.Code.INVALID_ARGUMENT, "directory is required",
          () -> admin(server).backup(BackupRequest.getDefaultInstance()));

      // An existing empty directory is fine.
      Path empty = Files.createDirectories(dir.resolve("empty"));
      BackupResponse ok = admin(server).backup(
          BackupRequest.newBuilder().setDirectory(empty.toString()).build());
      assertTrue(ok.getSizeBytes() > 0);
    }
  }

  private static AdminServiceGrpc.AdminServiceBlockingStub admin(RunningServer server) {
    return AdminServiceGrpc.newBlockingStub(server.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static void awaitCommits(AtomicInteger commits, int atLeast) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (commits.get() < atLeast) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("writers stalled at " + commits.get() + " commits");
      }
      Thread.sleep(5);
    }
  }
}
