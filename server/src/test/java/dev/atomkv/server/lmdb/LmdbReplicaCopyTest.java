package dev.atomkv.server.lmdb;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.atomkv.server.engine.EngineOptions;
import dev.atomkv.server.engine.KeyWatch;
import dev.atomkv.server.engine.LogPosition;
import dev.atomkv.server.engine.ProposalId;
import dev.atomkv.server.engine.ReplicaStore;
import dev.atomkv.server.engine.StoredEntry;
import dev.atomkv.server.engine.SyncMode;
import dev.atomkv.server.engine.WatchUpdate;
import dev.atomkv.server.model.AtomicWrite;
import dev.atomkv.server.model.CommitResult;
import dev.atomkv.server.model.Mutation;
import dev.atomkv.server.model.Value;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cluster member's store copied whole to another and swapped in: the copy holds exactly what
 * the original had applied, the receiver goes on stamping entries as the original would, watches
 * see the swap, and a copy that is not a store leaves the receiver as it was.
 */
class LmdbReplicaCopyTest {
  private static final long T0 = 1_800_000_000_000_000L;

  @TempDir Path dir;

  private final List<ReplicaStore> opened = new ArrayList<>();

  @AfterEach
  void tearDown() {
    opened.forEach(ReplicaStore::close);
  }

  private ReplicaStore open(String name) {
    ReplicaStore store = LmdbEngine.openReplica(EngineOptions.builder(dir.resolve(name))
        .mapSizeBytes(64L << 20).syncMode(SyncMode.NONE).build());
    opened.add(store);
    return store;
  }

  private static CommitResult apply(ReplicaStore store, String key, String value, long index)
      throws Exception {
    return store.apply(new ProposalId(0, 1, index), new AtomicWrite(List.of(), List.of(
            Mutation.set(LmdbEngineTest.key(key), Value.string(value)))),
        T0 + index, new LogPosition(2, index)).get(10, TimeUnit.SECONDS);
  }

  private static StoredEntry read(ReplicaStore store, String key) {
    return store.get(List.of(LmdbEngineTest.key(key))).get(0);
  }

  @Test
  void aCopySwappedInHoldsTheOriginalsStateAndGoesOnAsItWould() throws Exception {
    ReplicaStore original = open("original");
    ReplicaStore behind = open("behind");
    for (int i = 1; i <= 50; i++) {
      apply(original, "k" + i, "v" + i, i);
    }
    apply(behind, "gone", "only here", 1);
    apply(behind, "k1", "stale", 2);
    assertEquals(new LogPosition(2, 50), original.syncApplied());

    AtomicInteger told = new AtomicInteger();
    KeyWatch watch = behind.watch(List.of(LmdbEngineTest.key("k1")), null, told::incrementAndGet);
    assertEquals("stale", new String(watch.poll().keys().get(0).entry().value().payload()));

    Path copy = behind.dataDir().resolve("incoming");
    Files.createDirectories(copy);
    Path out = dir.resolve("out");
    Files.createDirectories(out);
    assertEquals(new LogPosition(2, 50), original.copyTo(out));
    Files.move(out.resolve(ReplicaStore.COPY_FILE), copy.resolve(ReplicaStore.COPY_FILE));
    assertEquals(new LogPosition(2, 50), behind.appliedIn(copy));
    behind.replaceWith(copy).get(10, TimeUnit.SECONDS);

    assertEquals(new LogPosition(2, 50), behind.lastApplied());
    for (int i = 1; i <= 50; i++) {
      StoredEntry theirs = read(original, "k" + i);
      StoredEntry mine = read(behind, "k" + i);
      assertEquals(theirs.versionstamp(), mine.versionstamp());
      assertEquals(new String(theirs.value().payload()), new String(mine.value().payload()));
    }
    assertNull(read(behind, "gone"));
    assertTrue(told.get() >= 1, "the watch was told");
    WatchUpdate update = watch.poll();
    assertNotNull(update, "the watch re-read its key from the copy");
    assertEquals("v1", new String(update.keys().get(0).entry().value().payload()));

    // The next entry lands with the same versionstamp on both.
    CommitResult a = apply(original, "next", "n", 51);
    CommitResult b = apply(behind, "next", "n", 51);
    assertEquals(a.versionstamp(), b.versionstamp());
    assertEquals(new LogPosition(2, 51), behind.lastApplied());
  }

  @Test
  void aCopyThatIsNotAStoreLeavesTheStoreAsItWas() throws Exception {
    ReplicaStore store = open("store");
    apply(store, "k", "kept", 1);
    Path missing = store.dataDir().resolve("empty");
    Files.createDirectories(missing);
    CompletionException failed = assertThrows(CompletionException.class,
        () -> store.replaceWith(missing).join());
    assertNotNull(failed.getCause());
    assertEquals("kept", new String(read(store, "k").value().payload()));
    assertEquals(new LogPosition(2, 1), store.lastApplied());
    apply(store, "k2", "after", 2);
    assertEquals("after", new String(read(store, "k2").value().payload()));
  }
}
